"""Elasticsearch's minimal distribution for tests and development, fetched and unpacked once.

Elasticsearch publishes a minimal runnable distribution on Maven Central,
``org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>:zip`` (server, netty
transport and, in 9.x, x-pack core/security; no bundled JDK, no ``analysis-common``, no
``reindex`` module; newsflow needs neither). :func:`fetch_distribution` downloads it with
``mvn dependency:copy`` into :func:`distributions_dir`; :func:`install_distribution` unpacks it
there once. Parallel test sessions share the cache safely (file locks).

Environment: ``NEWSFLOW_ES_VERSION`` (pin a version, no fallback), ``NEWSFLOW_ES_CACHE``.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from newsflow.cache import cache_dir

log = logging.getLogger(__name__)

ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch"

KNOWN_VERSIONS: tuple[str, ...] = ("9.5.3", "9.2.8", "8.19.21")
"""Versions whose integ-test-zip Maven Central serves, newest first (checked 2026-11).
The first is the default; the others are fallbacks when the default cannot be fetched."""

DEFAULT_VERSION: str = os.environ.get("NEWSFLOW_ES_VERSION") or KNOWN_VERSIONS[0]

_COMPLETE_MARKER = ".newsflow-unpacked"


class EsDevError(RuntimeError):
    """Elasticsearch could not be fetched, started or stopped; the message says why."""


def distributions_dir() -> Path:
    """Where downloaded zips and unpacked distributions live (created): ``$NEWSFLOW_ES_CACHE``,
    else ``es/`` in newsflow's cache directory."""
    env = os.environ.get("NEWSFLOW_ES_CACHE")
    base = Path(env) if env else cache_dir() / "es"
    base.mkdir(parents=True, exist_ok=True)
    return base


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock, so parallel test sessions do not fetch twice."""
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def fetch_distribution(version: str = DEFAULT_VERSION, *, timeout: float = 900) -> Path:
    """The integ-test-zip of ``version`` in the cache, downloaded with Maven when missing
    (``timeout`` in seconds). Raises :class:`EsDevError` when Maven is missing or fails."""
    cache = distributions_dir()
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
    with locked(cache / ".fetch.lock"):
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
    return "\n".join(errors[:3] if errors else clean.rstrip().splitlines()[-25:])


def _unzip(zip_path: Path, dest: Path) -> None:
    """Extract keeping Unix permissions (``zipfile`` alone drops the executable bits)."""
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            extracted = Path(zf.extract(info, dest))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                extracted.chmod(mode)


def install_distribution(version: str = DEFAULT_VERSION) -> Path:
    """The unpacked distribution of ``version`` (its ``ES_HOME``), fetched when missing.
    Raises :class:`EsDevError` when it cannot be fetched or is not a distribution."""
    cache = distributions_dir()
    home = cache / f"elasticsearch-{version}"
    if (home / _COMPLETE_MARKER).is_file():
        return home
    zip_path = fetch_distribution(version)
    with locked(cache / ".unpack.lock"):
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
            return version, install_distribution(version)
        except EsDevError as exc:
            log.warning("Elasticsearch %s unavailable: %s", version, exc)
            errors.append(f"{version}: {exc}")
    raise EsDevError("no Elasticsearch version could be installed:\n" + "\n".join(errors))
