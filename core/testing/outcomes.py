"""Compare two pytest runs of the same tests by their JUnit XML reports.

::

    python -m trialbook.testing.outcomes off/ on/      # folders of reports, matched by name
    python -m trialbook.testing.outcomes off.xml on.xml

Prints every test whose outcome (passed, failed, error, skipped, xfailed) differs between the
first run (autologging off) and the second (on), with the second run's message, and exits
with status 1 when any differs, 0 when all are the same. A test found in one run only counts
as a difference (``absent`` on the other side). Tests that took much longer in the second run
are listed too, as information: timings on a shared machine are no verdict.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

ABSENT = "absent"
MESSAGE_CHARS = 300
SLOWER_FACTOR = 5.0
SLOWER_SECONDS = 2.0
"""A test is listed as slower when the second run took this many times as long, and this much."""
SLOWER_SHOWN = 20


@dataclass(frozen=True)
class Outcome:
    """How one test ended, and the first line of the message pytest gave with it."""

    status: str
    message: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Difference:
    """A test whose outcome differs between two runs."""

    test: str
    before: Outcome
    after: Outcome

    def describe(self) -> str:
        """``test: before -> after`` and, indented below, the second run's message."""
        line = f"{self.test}: {self.before.status} -> {self.after.status}"
        message = self.after.message or self.before.message
        return f"{line}\n    {message}" if message else line


def read_report(path: Path) -> dict[str, Outcome]:
    """The outcome of every test case in a JUnit XML report, by ``classname::name``."""
    outcomes: dict[str, Outcome] = {}
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        test = "::".join(part for part in (case.get("classname"), case.get("name")) if part)
        outcomes[test] = _worst(outcomes.get(test), _outcome(case))
    return outcomes


_SEVERITY = {"passed": 0, "skipped": 1, "xfailed": 1, "failed": 2, "error": 3}


def _worst(known: Outcome | None, new: Outcome) -> Outcome:
    """A test reported twice (a teardown error after a failure) keeps its worst outcome."""
    if known is None or _SEVERITY[new.status] > _SEVERITY[known.status]:
        return new
    return known


def _outcome(case: ElementTree.Element) -> Outcome:
    seconds = float(case.get("time") or 0.0)
    for tag in ("error", "failure", "skipped"):
        found = case.find(tag)
        if found is None:
            continue
        status = {"error": "error", "failure": "failed"}.get(tag, "skipped")
        if tag == "skipped" and found.get("type") == "pytest.xfail":
            status = "xfailed"
        return Outcome(status, _first_line(found.get("message") or found.text or ""), seconds)
    return Outcome("passed", seconds=seconds)


def _first_line(text: str) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 3] + "..."


def read_reports(path: Path) -> dict[str, Outcome]:
    """One report, or every ``*.xml`` report in a folder, merged."""
    files = sorted(path.glob("*.xml")) if path.is_dir() else [path]
    merged: dict[str, Outcome] = {}
    for file in files:
        merged.update(read_report(file))
    return merged


def differences(before: Mapping[str, Outcome], after: Mapping[str, Outcome]) -> list[Difference]:
    """Every test whose status differs, or that one run lacks, sorted by name."""
    found = []
    for test in sorted(before.keys() | after.keys()):
        old = before.get(test, Outcome(ABSENT))
        new = after.get(test, Outcome(ABSENT))
        if old.status != new.status:
            found.append(Difference(test, old, new))
    return found


def slower(before: Mapping[str, Outcome], after: Mapping[str, Outcome]) -> list[str]:
    """Tests that passed in both runs and took far longer in the second, slowest first."""
    found = []
    for test in before.keys() & after.keys():
        old, new = before[test], after[test]
        both_passed = old.status == new.status == "passed"
        longer = new.seconds - old.seconds >= SLOWER_SECONDS
        if both_passed and longer and new.seconds >= SLOWER_FACTOR * old.seconds:
            found.append((new.seconds - old.seconds, test, old.seconds, new.seconds))
    return [f"{test}: {old:.2f} s -> {new:.2f} s" for _, test, old, new in sorted(found)[::-1]]


def summary(outcomes: Iterable[Outcome]) -> str:
    """``1200 passed, 30 skipped, ...`` in a fixed order."""
    counts = Counter(outcome.status for outcome in outcomes)
    return ", ".join(f"{counts[s]} {s}" for s in _SEVERITY if counts[s]) or "no tests"


def main(argv: Sequence[str] | None = None) -> int:
    """Compare two runs; print the differences; 1 when there are any."""
    parser = argparse.ArgumentParser(
        prog="python -m trialbook.testing.outcomes",
        description="Name every test whose outcome differs between two JUnit XML runs.",
    )
    parser.add_argument("before", type=Path, help="report or folder of the first run (off)")
    parser.add_argument("after", type=Path, help="report or folder of the second run (on)")
    args = parser.parse_args(argv)
    for path in (args.before, args.after):
        if not path.exists():
            parser.error(f"{path} does not exist: run the tests with --junitxml first")
    before, after = read_reports(args.before), read_reports(args.after)
    print(f"first run ({args.before}): {summary(before.values())}")
    print(f"second run ({args.after}): {summary(after.values())}")
    slow = slower(before, after)
    if slow:
        print(
            f"\n{len(slow)} tests took {SLOWER_FACTOR:g}x and {SLOWER_SECONDS:g} s longer (not a failure):"
        )
        print("\n".join(slow[:SLOWER_SHOWN]))
    found = differences(before, after)
    if not found:
        print(f"identical: all {len(before.keys() | after.keys())} tests have the same outcome")
        return 0
    print(f"\n{len(found)} of {len(before.keys() | after.keys())} tests differ:")
    for difference in found:
        print(difference.describe())
    return 1


if __name__ == "__main__":
    sys.exit(main())
