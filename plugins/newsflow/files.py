"""Atomic file replacement: the one way newsflow writes a file that others may be reading
(the feed list, the per-user cache's built artefacts).

The new content goes to a temporary name next to the target and is renamed over it, so a
reader sees the old file or the new one, never half of one, and concurrent writers (worker
processes starting together) do not corrupt each other.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path`` for the block to write; on success it replaces
    ``path`` atomically, keeping the permission bits of the file it replaces (a new file gets
    the process's default mode).

    The temporary file is removed if the block raises. Creates the parent directory; raises
    ``OSError`` if it cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        yield partial
        with contextlib.suppress(FileNotFoundError):  # nothing to replace yet
            shutil.copymode(path, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
