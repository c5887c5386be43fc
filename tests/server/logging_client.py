"""A training process for the scale and fault tests (run as a script, not collected).

::

    python logging_client.py burst EXPERIMENT PARAMS POINTS KEYS
    python logging_client.py until-stop EXPERIMENT STOP_FILE
    python logging_client.py progress EXPERIMENT

``burst`` logs PARAMS params and POINTS points over KEYS keys as fast as it can; the
others log 100 points (steps 0, 1, 2...) every 10 ms, like a training loop: ``until-stop``
until STOP_FILE exists, ``progress`` for ever, printing ``<last step> <time>`` after each
100 points. Each prints ``run <run_id>`` first and ``done <points>`` when it ends.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import trialbook


def burst(params: int, points: int, keys: int) -> int:
    trialbook.log_params({f"param_{i}": i for i in range(params)})
    per_key = points // keys
    for step in range(per_key):
        for key in range(keys):
            trialbook.log_metric(f"metric_{key}", step * 0.5 + key, step=step)
    return per_key * keys


def paced(stop_file: Path | None) -> int:
    step = 0
    while stop_file is None or not stop_file.exists():
        for _ in range(100):
            trialbook.log_metric("m", float(step), step=step)
            step += 1
        if stop_file is None:
            print(f"{step - 1} {time.time()}", flush=True)
        time.sleep(0.01)  # One training step's worth of work.
    return step


def main(argv: list[str]) -> None:
    mode, experiment = argv[0], argv[1]
    trialbook.set_experiment(experiment)
    with trialbook.start_run() as run:
        print(f"run {run.info.run_id}", flush=True)
        if mode == "burst":
            count = burst(int(argv[2]), int(argv[3]), int(argv[4]))
        else:
            count = paced(Path(argv[2]) if mode == "until-stop" else None)
    print(f"done {count}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
