"""The built-in extractor chain is data (extractors.builtin.CHAIN) and names match modules."""

import importlib
import os
import subprocess
import sys

from extractors import available
from extractors.base import Extractor
from extractors.builtin import CHAIN


def test_run_order_is_the_declared_chain() -> None:
    assert list(available())[: len(CHAIN)] == list(CHAIN)


def test_each_extractor_lives_in_the_module_of_its_name() -> None:
    for name in CHAIN:
        module = importlib.import_module(f"extractors.{name}")
        defined = [v for v in vars(module).values() if isinstance(v, Extractor)]
        assert [e.name for e in defined] == [name], module.__name__


def test_order_does_not_depend_on_which_module_was_imported_first() -> None:
    # a fresh interpreter that imports the last extractors of the chain before the registry
    script = ("import extractors.simhash, extractors.summary, extractors.reading\n"
              "from extractors import available\n"
              "print(','.join(available()))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, env=dict(os.environ), timeout=120).stdout
    assert out.strip().split(",")[: len(CHAIN)] == list(CHAIN)
