"""newsflow's per-user cache directory and atomic writes into it.

Built artefacts that are the same for every run on a machine (the gazetteer, the language
classifier's unpacked model, the downloaded Elasticsearch distribution, the benchmark's
peers venv) live under :func:`cache_dir`. Each file is written to a temporary name and
renamed into place, so a reader never sees half a file and concurrent writers (worker
processes starting together) do not corrupt each other.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """The per-user cache directory (not created here), as platformdirs places it: on Linux
    ``$XDG_CACHE_HOME/newsflow`` when that is an absolute path, else ``~/.cache/newsflow``."""
    return platformdirs.user_cache_path("newsflow", appauthor=False)


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path`` atomically.

    The temporary file is removed if the block raises. Creates the parent directory; raises
    ``OSError`` if it cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def remove_stale(current: Path, pattern: str) -> None:
    """Delete the siblings of ``current`` matching ``pattern`` (older builds of it)."""
    for stale in current.parent.glob(pattern):
        if stale != current:
            stale.unlink(missing_ok=True)
