"""The Airflow connection to Elasticsearch as newsflow settings (imported in tasks only).

Modelled on the Elasticsearch provider's hooks (``conn_name_attr``, ``default_conn_name``,
``conn_type``), but what it returns is newsflow's own settings, not a client: the pipeline
opens its client from :class:`newsflow.config.Settings` like everywhere else.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowException, AirflowNotFoundException, AirflowRuntimeError

from newsflow.errors import ConfigError

EXTRA_SETTINGS = ("api_key", "ca_certs", "verify_certs")
"""Connection extras passed on as ``es_<name>`` settings."""


class NewsflowElasticsearchHook(BaseHook):
    """One Airflow connection → the ``es_*`` settings it overrides.

    Host/port and the scheme (extra ``scheme``, else ``schema`` or a ``conn_type`` of
    ``http``/``https``, else ``http``) give ``es_url``; login/password give
    ``es_username``/``es_password``; the extras of :data:`EXTRA_SETTINGS` give ``es_<name>``.
    """

    conn_name_attr = "elasticsearch_conn_id"
    default_conn_name = "elasticsearch_default"
    conn_type = "elasticsearch"
    hook_name = "newsflow Elasticsearch"

    def __init__(self, elasticsearch_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.elasticsearch_conn_id = elasticsearch_conn_id

    def settings_overrides(self) -> dict[str, Any]:
        """The ``es_*`` settings this connection sets; ``{}`` when it is not defined (then
        the configured settings apply). Raises :class:`ConfigError` when it cannot be read
        (secrets backend refused, malformed extra) — never falls back silently."""
        conn_id = self.elasticsearch_conn_id
        try:
            conn = self.get_connection(conn_id)
        except AirflowNotFoundException:
            return {}
        except (AirflowException, AirflowRuntimeError, PermissionError) as exc:
            raise ConfigError(f"Airflow connection {conn_id!r} could not be read: {exc}") from exc
        return connection_settings(conn_id, conn)


def connection_settings(conn_id: str, conn: Any) -> dict[str, Any]:
    """``conn`` (an Airflow ``Connection``) as ``es_*`` settings; see :class:`NewsflowElasticsearchHook`."""
    extra = _extra(conn_id, conn.extra)
    scheme = extra.get("scheme") or next(
        (s for s in (conn.schema, conn.conn_type) if s in ("http", "https")), "http")
    out: dict[str, Any] = {}
    if conn.host:
        host = conn.host if "://" in conn.host else f"{scheme}://{conn.host}"
        out["es_url"] = f"{host}:{conn.port}" if conn.port else host
    if conn.login:
        out["es_username"] = conn.login
    if conn.password:
        out["es_password"] = conn.password
    out.update({f"es_{key}": extra[key] for key in EXTRA_SETTINGS if key in extra})
    return out


def _extra(conn_id: str, raw: str | None) -> dict[str, Any]:
    """The connection's extra as a dict (Airflow's ``extra_dejson`` logs bad JSON and returns {})."""
    import json

    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"Airflow connection {conn_id!r}: extra is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"Airflow connection {conn_id!r}: extra must be a JSON object, not {type(data).__name__}")
    return data
