"""One rule for parts a test needs but the machine may lack (a model, a server, the seed text):
skip with the reason on a developer's machine, fail under CI (``CI=true``), where they must run."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)
