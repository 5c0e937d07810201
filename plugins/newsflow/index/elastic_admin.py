"""Index administration on Elasticsearch: the template, the versioned indices and the alias.

Layout: the alias ``<alias>`` (by default ``newsflow-articles``) points at exactly one index
``<alias>-00000N`` created from the composable template named like the alias (body from
:mod:`newsflow.index.template`, index pattern ``<alias>-*``). A mapping change is
:meth:`ElasticAdmin.reindex`: create ``…-00000N+1``, copy, swap the alias atomically. The copy
pages through the old index with ``search_after`` and writes with ``_bulk``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, BadRequestError, NotFoundError
from elasticsearch.helpers import streaming_bulk

from newsflow.errors import ConfigError, IndexUnavailable, NewsflowError
from newsflow.index.elastic_client import (
    RETRY_STATUSES,
    Connection,
    error_reason,
    error_type,
    item_reason,
)
from newsflow.index.template import TEMPLATE_FILE, load_template, template_body
from newsflow.models import iso, utcnow

log = logging.getLogger(__name__)

_SUFFIX = re.compile(r"-(\d{6})$")
_PAGE = 500


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

    def template_body(self) -> dict[str, Any]:
        """The template body for this alias (:func:`newsflow.index.template.template_body`)."""
        return template_body(self.conn.alias, self.analyzer, self.template_path)

    def setup(self) -> None:
        """Create (or update) the template, and the first index and alias when missing.

        Raises :class:`ConfigError` when a plain index holds the alias's name, and the
        translated client error when the cluster refuses or cannot be reached."""
        client, alias = self.conn.client, self.conn.alias
        try:
            client.indices.put_index_template(name=alias, **self.template_body())
            if client.indices.exists_alias(name=alias):
                self._add_new_fields()
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
            raise IndexUnavailable(
                f"the alias {alias} does not exist on {self.conn.where}; run setup "
                "(opening the backend does it) or `newsflow es reindex`"
            ) from exc
        except (ApiError, TransportError) as exc:
            raise self.conn.translate(exc, "reading the alias") from exc
        if len(indices) != 1:
            raise ConfigError(f"alias {alias} points at {sorted(indices)}; expected one index")
        return indices[0]

    def reindex(self, *, delete_old: bool = False) -> dict[str, Any]:
        """Copy everything into a new versioned index with the current template, swap the alias.

        Readers see the old index until the atomic alias swap. Documents written to the old
        index while copying are copied again after the swap (by ``indexed_at``). Returns
        ``{"old", "new": index names, "copied", "caught_up": document counts, "old_deleted"}``.
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
        started = iso(utcnow())
        try:
            client.indices.create(index=new)
        except (ApiError, TransportError) as exc:
            raise self.conn.translate(exc, f"creating {new}") from exc
        copied, failures = self._copy(old, new, None)
        if failures:
            client.indices.delete(index=new)
            raise ConfigError(
                f"reindex into {new} aborted, {len(failures)} document(s) do not fit the new "
                f"mapping (first: {failures[0][0]}: {failures[0][1]}); {alias} still "
                f"points at {old}: fix the template or the documents, then run again"
            )
        try:
            client.indices.refresh(index=new)
            client.indices.update_aliases(actions=[
                {"add": {"index": new, "alias": alias, "is_write_index": True}},
                {"remove": {"index": old, "alias": alias}},
            ])
        except (ApiError, TransportError) as exc:
            raise self.conn.translate(exc, "swapping the alias") from exc
        caught_up, _ = self._copy(old, new, started)
        client.indices.refresh(index=new)
        if delete_old:
            client.indices.delete(index=old)
        log.info("reindexed %s: %s -> %s (%d documents, %d caught up)",
                 alias, old, new, copied, caught_up)
        return {"old": old, "new": new, "copied": copied, "caught_up": caught_up,
                "old_deleted": delete_old}

    def _copy(self, src: str, dst: str, since: str | None) -> tuple[int, list[tuple[str, str]]]:
        """Copy ``src`` (the documents indexed since ``since``, else all) into ``dst``:
        (documents copied, (id, reason) of each refused)."""
        query: dict[str, Any] = {"match_all": {}}
        if since is not None:
            query = {"range": {"indexed_at": {"gte": since}}}
        client, bulk = self.conn.client, self.conn.bulk

        def actions() -> Iterator[dict[str, Any]]:
            after: list[Any] | None = None
            while True:
                kwargs: dict[str, Any] = {"search_after": after} if after is not None else {}
                resp = client.search(index=src, query=query, sort=[{"id": "asc"}],
                                     size=_PAGE, track_total_hits=False, **kwargs)
                hits = resp["hits"]["hits"]
                for h in hits:
                    yield {"_op_type": "index", "_index": dst, "_id": h["_id"],
                           "_source": h["_source"]}
                if len(hits) < _PAGE:
                    return
                after = hits[-1]["sort"]

        copied = 0
        failures: list[tuple[str, str]] = []
        try:
            for ok, item in streaming_bulk(
                client, actions(), chunk_size=bulk.chunk_size,
                max_chunk_bytes=bulk.max_chunk_bytes, raise_on_error=False,
                max_retries=bulk.max_retries, initial_backoff=bulk.initial_backoff,
                retry_on_status=RETRY_STATUSES,
            ):
                info = next(iter(item.values()))
                if ok:
                    copied += 1
                else:
                    failures.append((str(info.get("_id")), item_reason(info)))
        except (ApiError, TransportError) as exc:
            raise self.conn.translate(exc, f"copying {src} into {dst}") from exc
        return copied, failures
