"""Index administration on Elasticsearch: the template, the versioned indices and the alias.

Layout: the alias ``<alias>`` (by default ``newsflow-articles``) points at exactly one index
``<alias>-00000N`` created from the composable template named like the alias (body from
:mod:`newsflow.index.template`, index pattern ``<alias>-*``). :meth:`ElasticAdmin.setup` runs
once, explicitly (``newsflow es setup``, the stack's setup job, the maintenance DAG), with
credentials that may manage templates and indices; the writer and reader never create
anything. The template has one replica when the cluster has more than one data node at setup,
none on a single node.

A mapping change is :meth:`ElasticAdmin.reindex`: create ``…-00000N+1``, copy, swap the alias
atomically, copy what was written meanwhile. The copy reads through a point in time
(:mod:`.elastic_scan`) and writes with ``_bulk`` (the integ-test distribution has no reindex
module, and our own copy can version each document). Every write carries an external
version: the writer's is the time of ``indexed_at`` in milliseconds (``external_gte``), the
copy keeps the source's version (``external``: only when newer). So a copy of an older
version never overwrites a document written to the new index after the swap.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, BadRequestError, NotFoundError
from elasticsearch.helpers import streaming_bulk

from newsflow.errors import ConfigError, NewsflowError
from newsflow.index.elastic_client import (
    RETRY_STATUSES,
    Connection,
    error_reason,
    error_type,
    item_reason,
    missing_alias,
)
from newsflow.index.elastic_scan import scan
from newsflow.index.template import TEMPLATE_FILE, load_template, template_body
from newsflow.models import iso, utcnow

log = logging.getLogger(__name__)

_SUFFIX = re.compile(r"-(\d{6})$")
CLOCK_SLACK = timedelta(minutes=1)
"""How far before the copy started the catch-up looks (writers' clocks may lag ours)."""


class ElasticAdmin:
    """Creates and migrates the index behind ``conn.alias`` from the template at
    ``template_path``."""

    def __init__(self, conn: Connection, template_path: Path = TEMPLATE_FILE) -> None:
        self.conn = conn
        self.template_path = template_path

    @property
    def analyzer(self) -> str:
        """The analyzer the text fields use, as the template declares it (``standard``: the
        same tokens as the embedded index, so both backends find the same documents)."""
        settings = load_template(self.template_path)["template"]["settings"]["index"]
        return str(settings["analysis"]["analyzer"]["newsflow_text"]["type"])

    def template_body(self, replicas: int = 0) -> dict[str, Any]:
        """The template body for this alias (:func:`newsflow.index.template.template_body`)
        with ``replicas`` replicas per shard."""
        body = template_body(self.conn.alias, self.analyzer, self.template_path)
        body["template"]["settings"]["index"]["number_of_replicas"] = replicas
        return body

    def replicas(self) -> int:
        """Replicas per shard for this cluster: 1 when it has more than one data node (a
        node may fail without losing data or writes), else 0 (a replica could never be
        allocated: the index would stay yellow)."""
        health = self.conn.client.cluster.health()
        return 1 if int(health["number_of_data_nodes"]) > 1 else 0

    def setup(self) -> None:
        """Create (or update) the template, and the first index and alias when missing; run
        it once per cluster (and after upgrading newsflow), not per process.

        Replicas: see :meth:`replicas`; an existing index without replicas gets one when the
        cluster has grown past one node (never fewer: an operator's choice is kept).
        Raises :class:`ConfigError` when a plain index holds the alias's name or the
        credentials may not manage templates and indices, and the translated client error
        when the cluster refuses or cannot be reached."""
        client, alias = self.conn.client, self.conn.alias
        try:
            replicas = self.replicas()
            client.indices.put_index_template(name=alias, **self.template_body(replicas))
            if client.indices.exists_alias(name=alias):
                self._add_new_fields()
                self._raise_replicas(replicas)
                return
            if client.indices.exists(index=alias):
                raise ConfigError(
                    f"an index named {alias!r} exists where newsflow expects an alias "
                    f"(it was probably auto-created without the template): reindex it into "
                    f"{alias}-000001 or delete it, then run again"
                )
            first = f"{alias}-000001"
            try:
                client.indices.create(index=first, aliases={alias: {"is_write_index": True}})
                log.info("created Elasticsearch index %s with alias %s", first, alias)
            except BadRequestError as exc:
                if error_type(exc) != "resource_already_exists_exception":
                    raise
                # the index exists without the alias: attach it
                client.indices.put_alias(index=first, name=alias, is_write_index=True)
        except NewsflowError:
            raise
        except (ApiError, TransportError) as exc:
            raise self.conn.translate(exc, "setting up the index template and alias") from exc

    def _raise_replicas(self, replicas: int) -> None:
        index = self.current_index()
        current = self.conn.client.indices.get_settings(index=index, name="index.number_of_replicas")
        now = int(current[index]["settings"]["index"]["number_of_replicas"])
        if now < replicas:
            self.conn.client.indices.put_settings(index=index, settings={"number_of_replicas": replicas})
            log.info("%s: %d replica(s) per shard now (was %d)", index, replicas, now)

    def _add_new_fields(self) -> None:
        """Add fields the template gained since the index was created (additive only).

        A template change that alters an existing field cannot be applied in place: that
        is logged, and :meth:`reindex` applies it.
        """
        properties = self.template_body()["template"]["mappings"]["properties"]
        try:
            self.conn.client.indices.put_mapping(index=self.conn.alias, properties=properties)
        except BadRequestError as exc:
            log.warning("the index behind %s cannot take the current mapping in place (%s); "
                        "run `newsflow es reindex`", self.conn.alias, error_reason(exc))

    def current_index(self) -> str:
        """The concrete index the alias points at.

        Raises :class:`IndexUnavailable` when the alias is missing, :class:`ConfigError`
        when it points at several indices."""
        alias = self.conn.alias
        try:
            indices = list(self.conn.client.indices.get_alias(name=alias).body)
        except NotFoundError as exc:
            raise missing_alias(alias, self.conn.where) from exc
        except (ApiError, TransportError) as exc:
            raise self.conn.translate(exc, "reading the alias") from exc
        if len(indices) != 1:
            raise ConfigError(f"alias {alias} points at {sorted(indices)}; expected one index")
        return indices[0]

    def reindex(self, *, delete_old: bool = False) -> dict[str, Any]:
        """Copy everything into a new versioned index with the current template, swap the alias.

        Readers see the old index until the atomic alias swap. Documents written to the old
        index while copying are copied again after the swap (those with ``indexed_at`` from
        :data:`CLOCK_SLACK` before the copy began); a copy never replaces a newer version
        written to the new index meanwhile (see the module's docstring). Returns ``{"old",
        "new": index names, "copied", "caught_up": document counts, "kept": catch-up copies
        left alone because the new index had that version or a newer one, "old_deleted"}``.
        Raises :class:`ConfigError` (the alias unchanged) when documents do not fit the new
        mapping.
        """
        self.setup()  # refresh the template with the current mapping
        client, alias = self.conn.client, self.conn.alias
        old = self.current_index()
        m = _SUFFIX.search(old)
        number = int(m.group(1)) + 1 if m else 1
        new = f"{alias}-{number:06d}"
        while client.indices.exists(index=new):
            number += 1
            new = f"{alias}-{number:06d}"
        started = iso(utcnow() - CLOCK_SLACK)
        try:
            client.indices.create(index=new)
        except (ApiError, TransportError) as exc:
            raise self.conn.translate(exc, f"creating {new}") from exc
        copied, _, failures = self.copy(old, new)
        if failures:
            client.indices.delete(index=new)
            raise ConfigError(
                f"reindex into {new} aborted, {len(failures)} document(s) do not fit the new "
                f"mapping (first: {failures[0][0]}: {failures[0][1]}); {alias} still "
                f"points at {old}: fix the template or the documents, then run again"
            )
        self.swap(old, new)
        caught_up, kept, failures = self.copy(old, new, since=started)
        if failures:
            log.warning("reindex %s: %d document(s) written during the copy do not fit %s "
                        "(first: %s: %s); they stay in %s", alias, len(failures), new,
                        failures[0][0], failures[0][1], old)
        self.conn.call("refreshing the new index", client.indices.refresh, index=new)
        if delete_old and not failures:
            client.indices.delete(index=old)
        log.info("reindexed %s: %s -> %s (%d documents, %d caught up, %d kept)",
                 alias, old, new, copied, caught_up, kept)
        return {"old": old, "new": new, "copied": copied, "caught_up": caught_up,
                "kept": kept, "old_deleted": delete_old and not failures}

    def swap(self, old: str, new: str) -> None:
        """Point the alias (and its writes) at ``new`` instead of ``old``, atomically."""
        try:
            self.conn.client.indices.refresh(index=new)
            self.conn.client.indices.update_aliases(actions=[
                {"add": {"index": new, "alias": self.conn.alias, "is_write_index": True}},
                {"remove": {"index": old, "alias": self.conn.alias}},
            ])
        except (ApiError, TransportError) as exc:
            raise self.conn.translate(exc, "swapping the alias") from exc

    def copy(self, src: str, dst: str, since: str | None = None) -> tuple[int, int, list[tuple[str, str]]]:
        """Copy ``src`` (the documents indexed since ``since``, else all) into ``dst``, each
        with its version in ``src`` as external version: a document ``dst`` holds in the same
        or a newer version is left alone. Returns (documents copied, documents left alone,
        (id, reason) of each refused)."""
        client, bulk = self.conn.client, self.conn.bulk
        query: dict[str, Any] | None = None
        if since is not None:
            query = {"range": {"indexed_at": {"gte": since}}}
        # writes that went to src up to the swap must be searchable before the scan starts
        self.conn.call(f"refreshing {src}", client.indices.refresh, index=src)
        actions = (
            {"_op_type": "index", "_index": dst, "_id": h["_id"], "_source": h["_source"],
             "version": h["_version"], "version_type": "external"}
            for h in scan(self.conn, src, query, version=True, doing=f"reading {src}")
        )
        copied = kept = 0
        failures: list[tuple[str, str]] = []
        try:
            for ok, item in streaming_bulk(
                client, actions, chunk_size=bulk.chunk_size,
                max_chunk_bytes=bulk.max_chunk_bytes, raise_on_error=False,
                max_retries=bulk.max_retries, initial_backoff=bulk.initial_backoff,
                retry_on_status=RETRY_STATUSES,
            ):
                info = next(iter(item.values()))
                if ok:
                    copied += 1
                elif info.get("status") == 409:  # dst has this version or a newer one
                    kept += 1
                else:
                    failures.append((str(info.get("_id")), item_reason(info)))
        except (ApiError, TransportError) as exc:
            raise self.conn.translate(exc, f"copying {src} into {dst}") from exc
        return copied, kept, failures
