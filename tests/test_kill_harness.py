"""The kill tests' harness (tests/kill_harness.py) names stage boundaries that exist."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import kill_harness


def test_every_boundary_names_a_pipeline_function() -> None:
    assert set(kill_harness.BOUNDARIES) == {"after-poll", "mid-fetch", "before-index", "mid-index",
                                            "alert-sent", "alert-appended"}
    for module_name, name, when in kill_harness.BOUNDARIES.values():
        function = getattr(importlib.import_module(module_name), name)
        assert inspect.isfunction(function), f"{module_name}.{name}"
        assert when in ("before", "after")


def test_an_unknown_stage_or_a_missing_separator_is_refused() -> None:
    usage = subprocess.run([sys.executable, kill_harness.__file__, "after-poll", "marker", "run"],
                           capture_output=True, text=True, timeout=60)
    assert usage.returncode == 1 and "usage: kill_harness.py" in usage.stderr
    unknown = subprocess.run([sys.executable, kill_harness.__file__, "nowhere", "marker", "--", "run"],
                             capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 1 and "KeyError: 'nowhere'" in unknown.stderr
