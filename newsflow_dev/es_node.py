"""A real, throw-away Elasticsearch node for tests and development (no Docker needed)::

    with running_node() as node:
        print(node.url)

:func:`start_node` takes the distribution of :mod:`newsflow_dev.es_distribution` and a JDK
from :mod:`newsflow_dev.es_java`, and runs one node on 127.0.0.1 with a temporary data directory and a small heap (as an
unprivileged user when this process is root, see :mod:`newsflow_dev.es_process`).

:mod:`newsflow_dev.es_cluster` starts several such nodes as one cluster.

Environment: ``NEWSFLOW_ES_HEAP`` (default ``512m``), ``NEWSFLOW_ES_KEEP_FAILED=1`` (keep the
directory of a node that failed to start, for inspection); see also the other modules.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsflow_dev.es_distribution import (
    DEFAULT_VERSION,
    KNOWN_VERSIONS,
    EsDevError,
    install_distribution,
    install_first_available,
)
from newsflow_dev.es_java import find_java_home
from newsflow_dev.es_process import (
    chown_tree,
    free_port,
    link_tree,
    looks_like_our_node,
    pid_alive,
    remove_workdir,
    run_as_user,
    stop_process_group,
    tail_file,
    tail_text,
)

log = logging.getLogger(__name__)


def _http_json(url: str, timeout: float, auth: tuple[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Accept": "application/json"}
    if auth is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    req = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body or b"{}")
        except ValueError:
            return exc.code, {}


@dataclass(frozen=True)
class ClusterLayout:
    """Where a node of a multi-node cluster finds the others: the shared ``name``, this
    node's ``node_name``, every node's transport address (``127.0.0.1:port``) and the names
    of the master-eligible nodes that bootstrap the cluster."""

    name: str
    node_name: str
    seed_hosts: tuple[str, ...]
    initial_masters: tuple[str, ...]


def node_settings(
    home: Path, workdir: Path, http_port: int, transport_port: int, *, security: bool = False,
    cluster: ClusterLayout | None = None,
) -> dict[str, Any]:
    """The ``elasticsearch.yml`` settings of a dev node, only those this distribution knows.

    ``security`` turns on authentication (file realm, plain HTTP on loopback); it needs the
    ``x-pack-security`` module, which the 9.x integ-test distribution has and 8.x lacks.
    ``cluster`` makes it one node of a cluster on loopback; without it, a single-node cluster.
    """
    mod_dir = home / "modules"
    modules = {p.name for p in mod_dir.iterdir()} if mod_dir.is_dir() else set()
    if security and "x-pack-security" not in modules:
        raise EsDevError(f"the Elasticsearch distribution in {home} has no x-pack-security module, "
                         "so it cannot require credentials; use a 9.x version")
    settings: dict[str, Any] = {
        "cluster.name": f"newsflow-dev-{uuid.uuid4().hex[:8]}",
        "node.name": "newsflow-dev",
        "network.host": "127.0.0.1",
        "http.port": http_port,
        "transport.port": transport_port,
        "path.data": str(workdir / "data"),
        "path.logs": str(workdir / "logs"),
        # a nearly full disk must not turn the dev node read-only or stop shard allocation
        "cluster.routing.allocation.disk.threshold_enabled": False,
        "cluster.routing.allocation.disk.watermark.low": "99%",
        "cluster.routing.allocation.disk.watermark.high": "99%",
        "cluster.routing.allocation.disk.watermark.flood_stage": "99%",
        "action.destructive_requires_name": False,
    }
    if cluster is None:
        settings["discovery.type"] = "single-node"
    else:
        settings.update({
            "cluster.name": cluster.name,
            "node.name": cluster.node_name,
            "discovery.seed_hosts": list(cluster.seed_hosts),
            "cluster.initial_master_nodes": list(cluster.initial_masters),
        })
    if "x-pack-security" in modules:
        settings["xpack.security.enabled"] = security
    if security:
        settings["xpack.security.http.ssl.enabled"] = False
        settings["xpack.security.transport.ssl.enabled"] = False
    if "x-pack-ml" in modules:
        settings["xpack.ml.enabled"] = False
    if "ingest-geoip" in modules:
        settings["ingest.geoip.downloader.enabled"] = False
    return settings


@dataclass
class FileUser:
    """A file-realm user of a secured dev node: name, password and the roles it has."""

    name: str
    password: str
    roles: tuple[str, ...] = ("superuser",)


@dataclass
class EsNode:
    """One dev node. ``stop()`` ends it and removes its temporary directory; ``kill()`` and
    ``launch()`` end it abruptly and start it again on the same directory and ports."""

    url: str
    version: str
    pid: int
    workdir: Path
    home: Path
    java_home: Path
    started_in: float = 0.0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    basic_auth: tuple[str, str] | None = field(default=None, repr=False)
    """The superuser's (name, password) when the node requires credentials."""
    env: dict[str, str] = field(default_factory=dict, repr=False)
    run_as: tuple[int, int] | None = field(default=None, repr=False)
    """(uid, gid) the node runs as when this process is root."""

    @property
    def log_path(self) -> Path:
        return self.workdir / "logs" / "console.log"

    def log_tail(self, lines: int = 40) -> str:
        return tail_file(self.log_path, lines)

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return pid_alive(self.pid)

    def launch(self) -> None:
        """Start the node's process (again) on its directory; returns without waiting for it.

        Raises :class:`EsDevError` when the start script cannot run."""
        console = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                [str(self.home / "bin" / "elasticsearch")],
                cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL, stdout=console,
                stderr=subprocess.STDOUT, start_new_session=True,
                user=self.run_as[0] if self.run_as else None,
                group=self.run_as[1] if self.run_as else None,
                extra_groups=[] if self.run_as else None,
            )
        except OSError as exc:
            raise EsDevError(f"could not run {self.home / 'bin' / 'elasticsearch'}: {exc}") from exc
        finally:
            console.close()
        self.pid = self.process.pid

    def kill(self) -> None:
        """SIGKILL the node's process group (a crash: no shutdown); its directory stays."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)

    def stop(self, timeout: float = 30) -> None:
        stop_process_group(self.pid, timeout=timeout, process=self.process)
        remove_workdir(self.workdir)

    def state(self) -> dict[str, Any]:
        """JSON-ready description, enough for :func:`stop_from_state` in another process."""
        return {
            "url": self.url,
            "version": self.version,
            "pid": self.pid,
            "workdir": str(self.workdir),
            "home": str(self.home),
            "java_home": str(self.java_home),
            "log": str(self.log_path),
        }


def _client_major() -> int | None:
    """Major version of the installed ``elasticsearch`` Python client, if any."""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return None
    try:
        return int(version("elasticsearch").split(".")[0])
    except (PackageNotFoundError, ValueError):
        return None


def resolve_distribution(version: str, fallback: bool | None) -> tuple[str, Path, Path]:
    """(version, unpacked distribution, JDK home) to run, fetching the distribution if needed.

    ``fallback`` (default: when ``version`` is the default and NEWSFLOW_ES_VERSION is unset)
    tries the other :data:`KNOWN_VERSIONS` when ``version`` cannot be fetched."""
    if fallback is None:
        fallback = version == DEFAULT_VERSION and not os.environ.get("NEWSFLOW_ES_VERSION")
    if fallback:
        order = [version] + [v for v in KNOWN_VERSIONS if v != version]
        client = _client_major()
        if client is not None:  # the Python client only talks to a server of its own major
            order = [v for v in order if v == version or int(v.split(".")[0]) == client]
        version, dist = install_first_available(order)
    else:
        dist = install_distribution(version)
    return version, dist, find_java_home(version)


def prepare_node(
    version: str, dist: Path, java_home: Path, *, http_port: int | None = None,
    transport_port: int | None = None, heap: str | None = None,
    users: Sequence[FileUser] = (), roles: Mapping[str, Any] | None = None,
    cluster: ClusterLayout | None = None,
) -> EsNode:
    """A configured node in a new temporary directory, not started (:meth:`EsNode.launch`).

    ``users`` turns security on with those file-realm users; ``roles`` (name → role
    descriptor as in ``PUT _security/role``) go to ``roles.yml`` for them. The first
    ``superuser`` is the one :func:`wait_for_health` asks with."""
    heap = heap or os.environ.get("NEWSFLOW_ES_HEAP", "512m")
    user = run_as_user()
    workdir = Path(tempfile.mkdtemp(prefix="newsflow-es-"))
    try:
        for sub in ("data", "logs", "tmp"):
            (workdir / sub).mkdir()
        home = dist
        if user is not None:
            home = workdir / "home"
            link_tree(dist, home)
        conf = workdir / "config"
        shutil.copytree(dist / "config", conf)
        http_port = http_port or free_port()
        transport_port = transport_port or free_port()
        while transport_port == http_port:
            transport_port = free_port()
        settings = node_settings(dist, workdir, http_port, transport_port, security=bool(users),
                                 cluster=cluster)
        (conf / "elasticsearch.yml").write_text(
            "".join(f"{k}: {json.dumps(v)}\n" for k, v in settings.items())
        )
        if roles:  # JSON is YAML: one role per top-level key
            (conf / "roles.yml").write_text(
                "".join(f"{json.dumps(name)}: {json.dumps(role)}\n" for name, role in roles.items()))
        for file_user in users:
            _add_file_user(dist, conf, java_home, file_user)
        if user is not None:
            chown_tree(workdir, user.pw_uid, user.pw_gid)
            # hard links share the cache's inodes: they only need to be readable
    except BaseException:
        remove_workdir(workdir)
        raise
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JAVA_OPTS", "CLI_JAVA_OPTS", "JAVA_HOME"}
    }  # bin/elasticsearch uses ES_JAVA_HOME and warns about JAVA_HOME
    env.update(
        ES_JAVA_HOME=str(java_home),
        ES_PATH_CONF=str(conf),
        ES_TMPDIR=str(workdir / "tmp"),
        ES_JAVA_OPTS=f"-Xms{heap} -Xmx{heap}",
        HOME=str(workdir),
    )
    superuser = next((u for u in users if "superuser" in u.roles), None)
    return EsNode(url=f"http://127.0.0.1:{http_port}", version=version, pid=0, workdir=workdir,
                  home=home, java_home=java_home, env=env,
                  basic_auth=(superuser.name, superuser.password) if superuser else None,
                  run_as=(user.pw_uid, user.pw_gid) if user else None)


def start_node(
    version: str = DEFAULT_VERSION,
    *,
    port: int | None = None,
    timeout: float = 180,
    heap: str | None = None,
    fallback: bool | None = None,
    superuser: tuple[str, str] | None = None,
    users: Sequence[FileUser] = (),
    roles: Mapping[str, Any] | None = None,
) -> EsNode:
    """Start one node on 127.0.0.1 and return once the cluster is yellow or green.

    ``superuser`` (name, password) starts it with security on and that one file-realm user
    (``bin/elasticsearch-users``), for tests of authentication against a real server;
    ``users`` and ``roles`` add more (see :func:`prepare_node`).
    ``fallback``: see :func:`resolve_distribution`.
    """
    version, dist, java_home = resolve_distribution(version, fallback)
    all_users = [FileUser(*superuser)] if superuser is not None else []
    node = prepare_node(version, dist, java_home, http_port=port, heap=heap,
                        users=[*all_users, *users], roles=roles)
    return launch_and_wait([node], timeout=timeout)[0]


def launch_and_wait(nodes: Sequence[EsNode], *, timeout: float = 180) -> Sequence[EsNode]:
    """Launch prepared ``nodes`` together and wait until they form one yellow or green
    cluster; on failure stop them all (keeping directories when NEWSFLOW_ES_KEEP_FAILED=1)."""
    started = time.monotonic()
    try:
        for node in nodes:
            log.info("starting Elasticsearch %s on %s (java %s, dir %s)", node.version, node.url,
                     node.java_home, node.workdir)
            node.launch()
        for node in nodes:
            wait_for_health(node, timeout=timeout, nodes=len(nodes))
    except BaseException:
        for node in nodes:
            if node.pid:
                stop_process_group(node.pid, timeout=10, process=node.process)
            if os.environ.get("NEWSFLOW_ES_KEEP_FAILED") == "1":
                log.warning("kept the failed node's directory %s", node.workdir)
            else:
                remove_workdir(node.workdir)
        raise
    for node in nodes:
        node.started_in = time.monotonic() - started
        log.info("Elasticsearch %s up on %s after %.1fs", node.version, node.url, node.started_in)
    return nodes


def _add_file_user(dist: Path, conf: Path, java_home: Path, user: FileUser) -> None:
    """Add a user to the file realm of the node configured in ``conf``."""
    env = {**os.environ, "ES_PATH_CONF": str(conf), "ES_JAVA_HOME": str(java_home)}
    env.pop("JAVA_HOME", None)
    done = subprocess.run(
        [str(dist / "bin" / "elasticsearch-users"), "useradd", user.name, "-p", user.password,
         "-r", ",".join(user.roles)],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )
    if done.returncode != 0:
        raise EsDevError(f"elasticsearch-users could not add user {user.name!r} "
                         f"(exit {done.returncode}): {tail_text(done.stdout + done.stderr, 20)}")


def _server_log_tail(node: EsNode, lines: int = 40) -> str:
    logs = node.workdir / "logs"
    parts = [f"--- {node.log_path}\n{node.log_tail(lines)}"]
    server_logs = sorted(logs.glob("newsflow-dev-*.log")) if logs.is_dir() else []
    for path in server_logs[:1]:
        text = tail_file(path, lines)
        if text:
            parts.append(f"--- {path}\n{text}")
    return "\n".join(parts)


def wait_for_health(node: EsNode, *, timeout: float = 180, nodes: int = 1) -> dict[str, Any]:
    """Block until ``_cluster/health`` (asked of ``node``) is yellow or green with at least
    ``nodes`` nodes; EsDevError with the log tail if not."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while True:
        if not node.alive():
            code = node.process.poll() if node.process is not None else None
            raise EsDevError(
                f"Elasticsearch {node.version} exited (code {code}) before becoming healthy "
                f"on {node.url}; log tail:\n{_server_log_tail(node)}"
            )
        try:
            status, body = _http_json(
                f"{node.url}/_cluster/health?wait_for_status=yellow&wait_for_nodes=>={nodes}"
                "&timeout=5s", timeout=10,
                auth=node.basic_auth,
            )
            if (status == 200 and body.get("status") in ("green", "yellow")
                    and int(body.get("number_of_nodes", 0)) >= nodes):
                return body
            last = f"HTTP {status}: {body}"
        except (OSError, ValueError) as exc:
            last = str(exc)
        if time.monotonic() >= deadline:
            raise EsDevError(
                f"Elasticsearch {node.version} on {node.url} was not healthy after "
                f"{timeout:.0f}s (last answer: {last}); log tail:\n{_server_log_tail(node)}"
            )
        time.sleep(0.5)


def stop_from_state(state: dict[str, Any], timeout: float = 30) -> None:
    """Stop a node started by another process, given its :meth:`EsNode.state`."""
    pid = int(state["pid"])
    workdir = Path(state["workdir"])
    if pid_alive(pid) and not looks_like_our_node(pid, workdir):
        log.warning("pid %d is no longer our Elasticsearch node; not signalling it", pid)
    else:
        stop_process_group(pid, timeout=timeout)
    remove_workdir(workdir)


@contextlib.contextmanager
def running_node(version: str = DEFAULT_VERSION, **kwargs: Any) -> Iterator[EsNode]:
    """Start a node for the duration of a ``with`` block (see :func:`start_node`)."""
    node = start_node(version, **kwargs)
    try:
        yield node
    finally:
        node.stop()
