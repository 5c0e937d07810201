"""The one document schema (``newsflow.schema.FIELDS``) against every place that uses it.

Each test fails when a field exists in one place and not the other: the ``Article``
dataclass, ``to_document``/``from_document``, the Elasticsearch template's mapping, the facet
list, the embedded index's columns and facet/point rows, the extractors that fill the fields,
the Kibana saved objects and the README's tables.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_stack import KIBANA_DIR, field_uses

import newsflow.index as index_pkg
from extractors.builtin import CHAIN
from extractors.registry import available
from newsflow.errors import ConfigError, QueryError
from newsflow.index import base
from newsflow.index.base import SearchQuery
from newsflow.index.embedded import EmbeddedBackend
from newsflow.index.embedded_storage import DDL, FTS_COLUMNS, SCHEMA_VERSION, TIME_COLUMN
from newsflow.index.template import TEMPLATE_FILE, load_template, template_body
from newsflow.models import Article, ExtractorRun
from newsflow.schema import (
    BY_NAME,
    CORE_FIELDS,
    FACET_FIELDS,
    FIELDS,
    GEO_FIELD,
    INDEX,
    REQUIRED_FIELDS,
    SEARCHED_FIELDS,
    STAGES,
    STORED_ONLY,
    TIME_FIELD,
    VECTOR_FIELD,
    es_properties,
)

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

DDL_SHA256 = {2: "df42f26e06c6b5b306fa700dd82034688ee9d1bee8b3084fff96cbf17a7f0d5d",
              3: "69df76d983071ad6562f78d5965ad9c94b38539020924fbe7fc4a9fe336c67b4",
              4: "fd34ad4df63a299bd314ce9d8485dbef9fffac1ae74bbda8ff747f38778b94e1"}
"""The embedded index's DDL per schema version: a schema change that alters the physical
tables must come with a new SCHEMA_VERSION (and a migration step) and a new line here."""

DOCUMENT_FIELDS = [f for f in FIELDS if not (set(f.filled_by) & {INDEX})]
"""What an article's document carries before a backend stores it."""


def test_field_names_are_unique_and_plain() -> None:
    names = [f.name for f in FIELDS]
    assert len(names) == len(set(names)) == len(BY_NAME)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names), names


# --- Article and (de)serialisation ---------------------------------------------------------
def test_article_attributes_are_the_core_fields_with_their_types() -> None:
    attributes = {f.name: f.type for f in dataclasses.fields(Article) if f.name != "enrichments"}
    declared = {f.name: f.type for f in CORE_FIELDS}
    assert attributes.keys() == declared.keys(), (
        f"Article only: {sorted(attributes.keys() - declared.keys())}; "
        f"schema core only: {sorted(declared.keys() - attributes.keys())}")
    wrong = {n: (attributes[n], t) for n, t in declared.items() if attributes[n] != t}
    assert not wrong, f"(Article annotation, schema type): {wrong}"
    not_core = {f.name for f in FIELDS if not f.core}
    assert not not_core & {f.name for f in dataclasses.fields(Article)}


def _value(name: str, type_: str, es: dict[str, Any]) -> Any:
    """A distinct sample value of a field, shaped by its schema type and mapping."""
    kind = es.get("type")
    if kind == "boolean":
        return True
    if kind == "date":
        return "2025-01-02" if es.get("format") == "strict_date" else "2025-01-02T03:04:05Z"
    if kind == "dense_vector":
        return [round(0.01 * (i % 7), 2) + 0.01 for i in range(es["dims"])]
    if kind == "geo_point":
        point = {"lat": 50.1, "lon": 30.0}
        return [point] if type_.startswith("list[") else point
    if type_.startswith("list[dict"):
        return [{k: _value(k, "str", v) for k, v in es["properties"].items()}]
    if type_.startswith("list[") and type_ != "list[ExtractorRun]":
        inner = _value(name, type_[5:-1], es)
        return [inner, f"{inner}-2"] if isinstance(inner, str) else [inner]
    if type_ == "list[ExtractorRun]":
        return [ExtractorRun("keywords", "1", ("keywords",)), ExtractorRun("tone", "2", (), "boom")]
    if type_.startswith("dict[str, float]"):
        return {f"{name}-key": 0.5}
    if type_.startswith("dict"):
        return {f"{name}-key": "page"}
    if kind in ("float", "double") or type_.startswith("float"):
        return 1.5
    if kind == "integer" or type_ == "int":
        return 7
    return f"{name}-value"


def _sample_article() -> Article:
    core = {f.name: _value(f.name, f.type, dict(f.es)) for f in CORE_FIELDS}
    enrichments = {f.name: _value(f.name, f.type, dict(f.es)) for f in DOCUMENT_FIELDS if not f.core}
    return Article(**core, enrichments=enrichments)


def test_every_field_survives_to_document_and_from_document() -> None:
    article = _sample_article()
    doc = article.to_document()
    assert list(doc) == [f.name for f in DOCUMENT_FIELDS if f.core] + [
        f.name for f in DOCUMENT_FIELDS if not f.core]
    json.dumps(doc, allow_nan=False)  # a document is plain JSON
    again = Article.from_document(doc)
    assert again == article
    for f in DOCUMENT_FIELDS:
        assert doc[f.name] == (_plain(getattr(article, f.name)) if f.core else article.enrichments[f.name])


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [v.as_dict() if isinstance(v, ExtractorRun) else v for v in value]
    return value


def test_from_document_drops_what_the_backend_stored() -> None:
    doc = _sample_article().to_document()
    stored = {**doc, **{name: "2025-01-02T03:04:05Z" for name in STORED_ONLY}}
    again = Article.from_document(stored)
    assert not STORED_ONLY & set(again.enrichments)
    assert again.to_document() == doc


def test_from_document_names_a_missing_required_field() -> None:
    doc = _sample_article().to_document()
    for name in REQUIRED_FIELDS:
        with pytest.raises(KeyError, match=name):
            Article.from_document({k: v for k, v in doc.items() if k != name})


# --- roles both backends rely on ------------------------------------------------------------
def test_field_roles_fit_their_types() -> None:
    assert BY_NAME[TIME_FIELD].es["type"] == "date"
    assert [f.name for f in FIELDS if f.es.get("type") == "geo_point"] == [GEO_FIELD]
    for f in FIELDS:
        if f.facet:  # filters and terms aggregations need indexed keywords (or booleans) with doc values
            assert f.es["type"] in ("keyword", "boolean") and f.es.get("doc_values", True), f.name
            allowed = ("bool",) if f.es["type"] == "boolean" else ("str", "str | None", "list[str]")
            assert f.type in allowed, f.name
        if f.search is not None:
            assert f.analysed, f"{f.name} is searched but not analysed"
        if f.required:
            assert f.type == "str" and f.core, f.name
    assert [name for name, _ in SEARCHED_FIELDS] == ["title", "text"]


def test_the_backends_use_the_schema_lists() -> None:
    assert base.FACET_FIELDS is FACET_FIELDS and index_pkg.FACET_FIELDS is FACET_FIELDS
    assert base.GEO_FIELD == GEO_FIELD and base.REQUIRED_FIELDS == REQUIRED_FIELDS
    assert tuple(f.name for f in FIELDS if f.facet) == FACET_FIELDS


# --- Elasticsearch -------------------------------------------------------------------------
def test_the_template_maps_exactly_the_declared_fields() -> None:
    body = template_body("newsflow-articles", "english")
    props = body["template"]["mappings"]["properties"]
    assert list(props) == [f.name for f in FIELDS]
    for f in FIELDS:
        assert props[f.name] == f.es, f.name
    assert body["template"]["mappings"]["dynamic"] == "strict"
    assert body["index_patterns"] == ["newsflow-articles-*"]
    assert body["template"]["settings"]["index"]["analysis"]["analyzer"]["newsflow_text"] == {
        "type": "english"}
    # every analysed field names an analyzer the settings define (or the built-in standard)
    analyzers = set(body["template"]["settings"]["index"]["analysis"]["analyzer"])
    used = {spec.get("analyzer") for spec in _specs(props) if spec.get("type") == "text"}
    assert used - {None} <= analyzers


def _specs(props: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for spec in props.values():
        out.append(spec)
        out += _specs(spec.get("properties", {}))
    return out


def test_es_properties_are_fresh_copies() -> None:
    props = es_properties()
    props["title"]["fields"]["keyword"]["ignore_above"] = 1
    assert BY_NAME["title"].es["fields"]["keyword"]["ignore_above"] == 512


def test_the_seed_file_holds_settings_only(tmp_path: Path) -> None:
    seed = json.loads(TEMPLATE_FILE.read_text(encoding="utf-8"))
    assert "properties" not in seed["template"]["mappings"], (
        "fields are declared in newsflow.schema, not in the seed file")
    seed["template"]["mappings"]["properties"] = {"title": {"type": "keyword"}}
    bad = tmp_path / "template.json"
    bad.write_text(json.dumps(seed), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"newsflow\.schema"):
        load_template(bad)


# --- embedded index ------------------------------------------------------------------------
def test_the_embedded_ddl_is_pinned_per_schema_version() -> None:
    digest = hashlib.sha256(DDL.encode("utf-8")).hexdigest()
    assert DDL_SHA256.get(SCHEMA_VERSION) == digest, (
        "the embedded index's tables changed: bump SCHEMA_VERSION, add a migration step and "
        f"pin the new DDL ({digest})")


def test_embedded_columns_and_rows_follow_the_declaration(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path / "index.sqlite")
    try:
        doc = _sample_article().to_document()
        assert backend.upsert([doc]).new == [doc["id"]]
        stored = backend.get(doc["id"])
        assert stored is not None
        assert set(stored) == {f.name for f in FIELDS if not f.internal}  # + indexed_at
        assert {k: v for k, v in stored.items() if k not in STORED_ONLY} == doc
        conn = backend._conn
        columns = {row[1]: row[6] for row in conn.execute("PRAGMA table_xinfo(documents)")}
        generated = [name for name, hidden in columns.items() if hidden == 2]  # VIRTUAL
        assert generated == list(FTS_COLUMNS) == [n for n, _ in SEARCHED_FIELDS]
        assert TIME_COLUMN == TIME_FIELD and TIME_COLUMN in columns
        fts = [row[1] for row in conn.execute("PRAGMA table_info(documents_fts)")]
        assert fts == list(FTS_COLUMNS)
        facet_fields = {row[0] for row in conn.execute("SELECT DISTINCT field FROM facets")}
        assert facet_fields == set(FACET_FIELDS)
        assert conn.execute("SELECT lat, lon FROM points").fetchall() == [(50.1, 30.0)]
        assert conn.execute("SELECT doc_id, length(vector) FROM vectors").fetchall() == [
            (doc["id"], 4 * len(doc[VECTOR_FIELD]))]
        assert conn.execute(f"SELECT {TIME_COLUMN} FROM documents").fetchone() == (doc[TIME_FIELD],)

        result = backend.search(SearchQuery(text="title-value text-value", facets=FACET_FIELDS))
        assert result.total == 1
        assert set(result.hits[0].highlights) == set(FTS_COLUMNS)
        assert result.hits[0].document == {k: v for k, v in stored.items() if k != VECTOR_FIELD}
        assert {f: [v for v, _ in vs] for f, vs in result.facets.items()} == {
            f: sorted(_facet_keys(doc[f])) for f in FACET_FIELDS}
        for name in FACET_FIELDS:  # a document is found by each of its facet values
            for value in _facet_keys(doc[name]):
                assert backend.search(SearchQuery(filters={name: (value,)})).total == 1, (name, value)
        for name in FACET_FIELDS:
            assert backend.search(SearchQuery(filters={name: ("nope",)})).total == 0, name
        not_facets = [f.name for f in FIELDS if not f.facet]
        for name in not_facets:
            with pytest.raises(QueryError):
                backend.search(SearchQuery(facets=(name,)))
    finally:
        backend.close()


def _facet_keys(value: Any) -> set[str]:
    """A facet field's values as search counts and filters them (a boolean as true/false)."""
    if isinstance(value, bool):
        return {"true" if value else "false"}
    return {value} if isinstance(value, str) else set(value)


def test_an_index_made_by_the_pinned_ddl_has_the_derived_tables(tmp_path: Path) -> None:
    """A file created by this version's DDL opens without migrating (same physical schema)."""
    path = tmp_path / "index.sqlite"
    EmbeddedBackend(path).close()
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"documents", "documents_fts", "facets", "points", "meta"} <= tables
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


# --- who fills each field ------------------------------------------------------------------
def test_every_filler_exists_and_extractors_declare_exactly_their_fields() -> None:
    extractors = available()
    for f in FIELDS:
        assert f.filled_by, f.name
        for filler in f.filled_by:
            assert filler in STAGES or filler in CHAIN, f"{f.name}: no stage or extractor {filler!r}"
    for name in CHAIN:
        declared = {f.name for f in FIELDS if name in f.filled_by}
        assert set(extractors[name].fields) == declared, (
            f"extractor {name}: declares {sorted(extractors[name].fields)}, schema says {sorted(declared)}")


def test_enrichments_are_filled_by_an_extractor_or_a_later_stage() -> None:
    for f in FIELDS:
        if not f.core:
            assert set(f.filled_by) - {"cleaning"}, f.name


# --- Kibana and the README -----------------------------------------------------------------
def test_kibana_uses_only_declared_fields_in_their_roles() -> None:
    uses = []
    for path in sorted(KIBANA_DIR.glob("*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                obj = json.loads(line)
                uses += list(field_uses(obj["attributes"], f"{path.name} {obj['id']}"))
                if obj["type"] == "index-pattern":
                    assert obj["attributes"]["timeFieldName"] == TIME_FIELD
    assert uses
    unknown = sorted({u.field for u in uses if u.field.split(".")[0] not in BY_NAME})
    assert not unknown, f"Kibana uses fields the schema does not declare: {unknown}"
    internal = sorted({u.field for u in uses if BY_NAME[u.field.split(".")[0]].internal})
    assert not internal, internal
    geo = {u.field for u in uses if u.kind == "geo_point"}
    assert GEO_FIELD in geo


def test_the_readme_lists_the_facet_fields() -> None:
    match = re.search(r"Facet and filter fields: `([^`]+)`", README)
    assert match, "README lost its list of facet fields"
    assert tuple(match[1].split()) == FACET_FIELDS


def test_the_readme_extractor_table_matches_the_schema() -> None:
    table = README.split("| extractor | fields | how |", 1)[1].split("\n\n", 1)[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| (.+?) \| .+ \|$", table, re.M))
    assert set(CHAIN) <= set(rows), sorted(set(CHAIN) - set(rows))
    for name in CHAIN:
        named = re.findall(r"`(\w+)`", rows[name])
        declared = [f.name for f in FIELDS if name in f.filled_by]
        assert set(declared) <= set(named), (name, named)
        for field in named:
            assert field in BY_NAME, f"README: extractor {name} lists an undeclared field {field}"
        for field, keys in re.findall(r"`(\w+)` \[\{([^}]*)\}\]", rows[name]):
            props = BY_NAME[field].es["properties"]
            assert {k.strip() for k in keys.split(",")} == set(props), (field, keys)


def test_newsflow_es_template_prints_the_installed_template(tmp_path: Path) -> None:
    """What an Elasticsearch user PUTs by hand is what the backend installs."""
    env = {**os.environ, "NEWSFLOW_ES_INDEX": "news-test", "NO_COLOR": "1"}
    for analyzer in ("english", "standard"):
        done = subprocess.run(
            [sys.executable, "-m", "newsflow.cli", "--data-dir", str(tmp_path), "es", "template",
             "--analyzer", analyzer],
            capture_output=True, text=True, env=env, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads(done.stdout) == template_body("news-test", analyzer)
