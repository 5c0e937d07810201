"""``docker compose config -q`` for ``tests/test_stack.py``, also where Docker is not installed.

A Compose v2 client (``docker compose`` or a v2 ``docker-compose``) is used when one runs here.
Otherwise the check is ``scripts/compose-config``: a small Go command around the loader Docker
Compose v2 itself uses (compose-go: schema, interpolation, paths, consistency), taking the same
arguments. ``scripts/install-test-deps`` builds it once per source version into newsflow's cache
(``bin/`` there); building needs Go (the version ``scripts/compose-config/go.mod`` names) and
the Go module proxy.

    python3 -m newsflow_dev.compose_check    # prints the client, building the checker if needed
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from newsflow.cache import cache_dir, remove_stale

SOURCE = Path(__file__).resolve().parents[1] / "scripts" / "compose-config"


class CheckerUnavailable(RuntimeError):
    """No Compose v2 client here and the checker cannot be built (the message says why)."""


def checker_path() -> Path:
    """Where the checker built from the current source lives: ``bin/compose-config-<hash>`` in
    newsflow's cache, the hash over ``go.mod``, ``go.sum`` and ``main.go`` (a changed source
    gets a new build)."""
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum", "main.go"):
        digest.update((SOURCE / name).read_bytes())
    return cache_dir() / "bin" / f"compose-config-{digest.hexdigest()[:12]}"


def installed_client() -> list[str] | None:
    """The command of a Compose v2 client on PATH (``docker compose`` first), else None."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        try:
            probe = subprocess.run([*command, "version"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0 and "version v1." not in probe.stdout and "version 1." not in probe.stdout:
            return command
    return None


def compose_client() -> list[str] | None:
    """The command that checks a Compose file like ``docker compose``: an installed Compose v2
    client, else the checker when it has been built (:func:`build_checker`), else None."""
    client = installed_client()
    if client:
        return client
    checker = checker_path()
    return [str(checker)] if checker.is_file() and os.access(checker, os.X_OK) else None


def build_checker(timeout: float = 900) -> Path:
    """Build ``scripts/compose-config`` into :func:`checker_path` unless it is there; return it.

    Raises :class:`CheckerUnavailable` when ``go`` is not on PATH or the build fails (Go's
    own message included: a missing module is usually the proxy out of reach)."""
    target = checker_path()
    if target.is_file():
        return target
    go = shutil.which("go")
    if go is None:
        raise CheckerUnavailable(
            "no Compose v2 client and no Go to build scripts/compose-config: install Go "
            "(https://go.dev/doc/install) or Docker Compose v2, then run scripts/install-test-deps again")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        built = Path(tmp) / "compose-config"
        result = subprocess.run([go, "build", "-trimpath", "-o", str(built), "."], cwd=SOURCE,
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise CheckerUnavailable(f"building scripts/compose-config failed:\n{result.stderr.strip()}")
        built.replace(target)  # atomic: a parallel build leaves one complete binary
    remove_stale(target, "compose-config-*")
    return target


def main() -> int:
    client = installed_client()
    if client:
        print(" ".join(client))
        return 0
    try:
        print(build_checker())
    except CheckerUnavailable as exc:
        print(f"compose check: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
