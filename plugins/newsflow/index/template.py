"""The Elasticsearch index template: settings from the seed file, field mappings from the schema.

``seeds/elasticsearch/index-template.json`` holds what is about the index (shards, refresh,
the ``newsflow_text`` analyzer, ``dynamic: strict``, ``_meta``); the field mappings are
derived from :data:`newsflow.schema.FIELDS` (:func:`newsflow.schema.es_properties`), so a
field is declared once. ``newsflow es template`` prints the assembled body, ready for
``PUT _index_template/<name>``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newsflow.config import SEEDS_DIR
from newsflow.errors import ConfigError
from newsflow.schema import es_properties

TEMPLATE_FILE = SEEDS_DIR / "elasticsearch" / "index-template.json"


def load_template(path: Path = TEMPLATE_FILE) -> dict[str, Any]:
    """The full template body: the seed file with ``template.mappings.properties`` derived
    from the schema.

    Raises :class:`ConfigError` when the file is missing, is not JSON, lacks
    ``template.mappings`` or declares field properties itself (they belong in the schema).
    """
    try:
        body = dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"the Elasticsearch index template {path} is missing; reinstall newsflow "
            "(it ships as package data: newsflow/seeds/elasticsearch/index-template.json)"
        ) from exc
    except ValueError as exc:
        raise ConfigError(
            f"the Elasticsearch index template {path} is not valid JSON: {exc}"
        ) from exc
    mappings = body.get("template", {}).get("mappings")
    if not isinstance(mappings, dict):
        raise ConfigError(f"the Elasticsearch index template {path} has no template.mappings")
    if "properties" in mappings:
        raise ConfigError(
            f"the Elasticsearch index template {path} declares field properties; fields are "
            "declared once, in newsflow.schema.FIELDS: remove template.mappings.properties")
    mappings["properties"] = es_properties()
    return body


def template_body(alias: str, analyzer: str, path: Path = TEMPLATE_FILE) -> dict[str, Any]:
    """The body to ``PUT _index_template/<alias>``: indices ``<alias>-*``, with
    ``newsflow_text`` of type ``analyzer`` (``english``, which needs the cluster's
    analysis-common module, or ``standard``).

    Raises :class:`ConfigError` as :func:`load_template`.
    """
    body = load_template(path)
    body["index_patterns"] = [f"{alias}-*"]
    analysis = body["template"]["settings"]["index"]["analysis"]
    analysis["analyzer"]["newsflow_text"] = {"type": analyzer}
    return body
