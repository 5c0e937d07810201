"""newsflow's per-user cache directory.

Built artefacts that are the same for every run on a machine (the gazetteer, the language
classifier's unpacked model, the downloaded Elasticsearch distribution, the benchmark's
peers venv) live under :func:`cache_dir`. Each file is written with
(:func:`newsflow.files.replacing`), so a reader never sees half a file.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """The per-user cache directory (not created here), as platformdirs places it: on Linux
    ``$XDG_CACHE_HOME/newsflow`` when that is an absolute path, else ``~/.cache/newsflow``."""
    return platformdirs.user_cache_path("newsflow", appauthor=False)


def remove_stale(current: Path, pattern: str) -> None:
    """Delete the siblings of ``current`` matching ``pattern`` (older builds of it)."""
    for stale in current.parent.glob(pattern):
        if stale != current:
            stale.unlink(missing_ok=True)
