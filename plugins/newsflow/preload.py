"""Load the extractor chain's models once in a long-lived parent, so processes forked from it start warm.

Airflow (on Linux) runs every task instance in a process forked from the worker that took it:
a Celery worker's pool process, forked in turn from the worker's main process. Without a
preload each task loads the entity models of the languages its articles are in before the
first one is read (spaCy's English pipeline ≈ 1 s, French ≈ 2 s, slovnet for Russian ≈ 1 s
on a quiet core here), and a mapped batch of 25 articles spends about as long loading as
reading. With :func:`preload` called in the worker's main process (see
:mod:`newsflow.airflow_celery`), the forked task finds them loaded: copy-on-write memory, so
the worker's pool processes and tasks share one copy until they write to it.

The output is the same either way (the same models load; a task whose settings name another
English model, e.g. through the Airflow Variable, drops the preloaded ones and loads its own).
"""

from __future__ import annotations

import importlib.util
import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsflow.config import Settings

log = logging.getLogger(__name__)


def installed_languages() -> list[str]:
    """Languages whose entity model is installed here: English always (its configured model
    or the rule matcher), then each language of :data:`extractors.nlp_models.MODELS` with one
    of its packages importable, and slovnet's languages when slovnet is."""
    from extractors import nlp_models

    found = ["en"]
    for language, names in nlp_models.MODELS.items():
        if language != "en" and any(importlib.util.find_spec(name) is not None for name in names):
            found.append(language)
    if importlib.util.find_spec("slovnet") is not None:
        found += [language for language in nlp_models.SLOVNET_LANGUAGES if language not in found]
    return found


def preload(settings: Settings) -> list[str]:
    """Load the entity model of every installed language (:func:`installed_languages`) and run
    the chain ``settings`` asks for over a short page in each language of
    :data:`newsflow.workers.WARM_UP_TEXTS` (lexicons, gazetteer, topics, the Public Suffix List).

    Returns the languages whose model loaded (``extractors.nlp_models.loaded_languages``).
    Raises :class:`~newsflow.errors.ConfigError` for an unknown extractor name; a model that
    fails to load is logged by :mod:`extractors.nlp_models` and its language uses the rule
    matcher, as it would in the task.
    """
    from extractors import nlp_models
    from newsflow.pipeline.process_stage import extractor_chain
    from newsflow.workers import WARM_UP_TEXTS, warm_up

    started = time.monotonic()
    chain = extractor_chain(settings)  # configures the English model the settings name
    for language in installed_languages():
        nlp_models.load_model(language)
    warm_up(chain, tuple(WARM_UP_TEXTS))
    loaded = nlp_models.loaded_languages()
    log.info("newsflow models preloaded: %s (%.1f s)", ", ".join(loaded) or "none",
             time.monotonic() - started, extra={"languages": loaded})
    return loaded
