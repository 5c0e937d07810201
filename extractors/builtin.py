"""The built-in extractors, imported in run order (each module registers itself).

:func:`extractors.registry.available` imports this module and puts the extractors named
in :data:`RUN_ORDER` first, in that order (whoever imported a module first), followed by
any other registered extractor; that is the order :func:`~extractors.registry.resolve`
runs them in. ``keywords`` reads the language the ``language`` extractor settles on.
"""

from __future__ import annotations

import importlib

BUILTIN = ("language", "entities", "places", "quotes", "readability", "keywords", "quantities", "dates", "topics", "tone", "summary", "simhash")
"""Modules of ``extractors`` holding the built-in extractors, in run order."""
RUN_ORDER = ("language", "entities", "places", "quotes", "reading", "keywords", "quantities", "dates", "topics", "tone", "summary", "simhash")
"""Names of the built-in extractors, in run order."""

for _module in BUILTIN:
    importlib.import_module(f"extractors.{_module}")
