"""``newsflow serve``: a read-only search page and JSON API over either index backend.

:mod:`~newsflow.web.app` assembles the FastAPI application (:func:`create_app`),
:mod:`~newsflow.web.api` holds the JSON API under ``/api`` (the same fields as
``newsflow search --json``), :mod:`~newsflow.web.pages` the server-rendered pages (Jinja2
templates in ``templates/``), :mod:`~newsflow.web.charts` the inline SVG (date histogram, map
on the shipped world outline ``data/world.json``), :mod:`~newsflow.web.links` the page URLs and
:mod:`~newsflow.web.stories` the story threads read from the state store.
Every route only reads: there is no way to change the index or the state store from the app.
"""
