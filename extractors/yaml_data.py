"""Reading the extractors' data files (``extractors/data/*.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def load_yaml(path: Path) -> Any:
    """The data of the UTF-8 YAML file at ``path``, read with libyaml's safe loader when
    PyYAML has it (5–10× faster than the pure-Python one, which would add ≈ 0.2 s to every
    process's start over our data files), else with the pure-Python safe loader; both give
    the same data. Raises ``OSError`` (unreadable) or ``yaml.YAMLError`` (not YAML)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)  # a safe loader either way
