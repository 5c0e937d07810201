"""The built-in extractor chain, declared once as data.

:data:`CHAIN` names the built-in extractors in run order. Each name is also its module:
``extractors.<name>`` defines and registers the extractor called ``<name>``.
:func:`extractors.registry.available` lists these first, in this order, followed by any
other registered extractor; that is the order :func:`~extractors.registry.resolve` runs
them in. ``keywords`` reads the language the ``language`` extractor settles on.
"""

from __future__ import annotations

CHAIN = ("language", "entities", "places", "quotes", "reading", "keywords", "quantities",
         "dates", "topics", "tone", "summary", "simhash", "embedding")
"""Names of the built-in extractors (= their modules in ``extractors``), in run order."""
