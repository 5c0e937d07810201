"""Run the real ``newsflow`` CLI, paused at one stage boundary of the pipeline, for the kill tests.

    python tests/kill_harness.py STAGE MARKER -- <newsflow arguments>

It wraps the pipeline's function at that boundary, then runs ``newsflow.cli`` exactly as
``python -m newsflow.cli`` would. The first time the run reaches the boundary it writes
STAGE to the file MARKER, says ``newsflow: paused at STAGE`` on stderr and sleeps until it is
killed (the thread that reached it sleeps; the rest of the process goes on, e.g. renewing
its leases). The pipeline itself has no test hooks.

Stages (module, function, and whether the pause comes before or after the call):

- ``after-poll``: every feed polled and stored, nothing fetched;
- ``mid-fetch``: the first download of the first batch finished, before it is recorded;
- ``before-index``: a batch cleaned, enriched and clustered, before it is written;
- ``mid-index``: a batch written to the index, its entries not yet marked done;
- ``alert-sent``: an alert's webhook answered a match's POST, before it is recorded delivered;
- ``alert-appended``: an alert's matches appended to its JSONL file, before they are recorded.
"""

from __future__ import annotations

import functools
import importlib
import runpy
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

BOUNDARIES: dict[str, tuple[str, str, str]] = {
    "after-poll": ("newsflow.pipeline.runs", "poll_feeds", "after"),
    "mid-fetch": ("newsflow.pipeline.fetch_stage", "take_download", "before"),
    "before-index": ("newsflow.pipeline.process_stage", "index_articles", "before"),
    "mid-index": ("newsflow.pipeline.index_stage", "settle", "before"),
    "alert-sent": ("newsflow.alerts.deliver", "post", "after"),
    "alert-appended": ("newsflow.alerts.deliver", "append", "after"),
}


def pause_at(stage: str, marker: str) -> None:
    """Wrap the function at ``stage``'s boundary (KeyError: no such stage; AttributeError: the
    pipeline no longer has that function, so the kill test fails instead of never pausing)."""
    module_name, name, when = BOUNDARIES[stage]
    module = importlib.import_module(module_name)
    original: Callable[..., Any] = getattr(module, name)
    lock = threading.Lock()

    def pause() -> None:
        with lock:
            with open(marker, "w", encoding="utf-8") as handle:
                handle.write(stage)
            print(f"newsflow: paused at {stage}", file=sys.stderr, flush=True)
            while True:
                time.sleep(3600)

    @functools.wraps(original)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if when == "before":
            pause()
        original(*args, **kwargs)
        pause()  # "after": the call returned

    setattr(module, name, wrapped)


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[2] != "--":
        sys.exit(f"usage: kill_harness.py STAGE MARKER -- <newsflow arguments>; stages: {', '.join(BOUNDARIES)}")
    stage, marker, cli_args = argv[0], argv[1], argv[3:]
    pause_at(stage, marker)
    sys.argv = ["newsflow", *cli_args]
    runpy.run_module("newsflow.cli", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
