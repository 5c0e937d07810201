"""Units a newcomer can hold in mind: no module of the package or the extractors is over
450 lines and no class over 300, and the README's "where to change what" table names
modules that exist.

The limits are the project's (issue 17); a unit that outgrows them is split by job, not
trimmed by packing lines.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNITS = [ROOT / "plugins" / "newsflow", ROOT / "extractors"]
MAX_MODULE_LINES = 450
MAX_CLASS_LINES = 300


def _modules() -> list[Path]:
    return sorted(p for base in UNITS for p in base.rglob("*.py") if "__pycache__" not in p.parts)


def test_there_are_modules_to_check() -> None:
    assert len(_modules()) > 40


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_and_class_sizes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = len(text.splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name}: {lines} lines (limit {MAX_MODULE_LINES}): split it by job"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            assert size <= MAX_CLASS_LINES, f"{path.name}: class {node.name} is {size} lines (limit {MAX_CLASS_LINES})"


def _where_to_change() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^### Where to change what\n(.*?)(?=^#)", readme, re.S | re.M)
    assert match, "README has no 'Where to change what' section under Architecture"
    return match[1]


def test_where_to_change_what_names_real_paths() -> None:
    paths = re.findall(r"`((?:plugins|extractors|dags|seeds|tests|benchmarks|scripts)/[^`\s]*)`", _where_to_change())
    assert len(paths) >= 6
    missing = [p for p in paths if not (ROOT / p.rstrip("/")).exists()]
    assert not missing, f"README names paths that do not exist: {missing}"


def test_architecture_diagram_is_mermaid() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    arch = re.search(r"^## Architecture\n(.*?)(?=^## )", readme, re.S | re.M)
    assert arch and "```mermaid" in arch[1], "the Architecture section has no Mermaid diagram GitHub renders"
    diagram = arch[1].split("```mermaid", 1)[1].split("```", 1)[0]
    for stage in ("feed", "entries", "page", "article", "document", "index"):
        assert stage in diagram.lower(), f"the diagram does not show the {stage!r} stage"
