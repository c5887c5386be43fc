"""``python -m trialbook.cli``: the same as the ``trialbook`` command."""

from __future__ import annotations

from trialbook.cli.main import cli

if __name__ == "__main__":
    cli()
