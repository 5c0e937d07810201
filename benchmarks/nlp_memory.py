"""Peak resident memory of a worker with entity models for 1, 3 and 7 languages loaded.

Each measurement is a fresh Python process (``python -m benchmarks.nlp_memory --languages
en,fr,es``) that imports the extractors, runs the entities and places extractors on one of
our evaluation paragraphs per language — which loads that language's model lazily, or the
rule matcher where none is installed — and reports its peak RSS (``VmHWM``, MiB). The
baseline runs the same extractors on nothing (imports only). The processes use their own
cache directory, filled by a first (discarded) run, so no run pays for building the
gazetteer.

``python -m benchmarks --only nlp-memory`` records the table in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

SETS: tuple[tuple[str, ...], ...] = (
    (),
    ("en",),
    ("en", "fr", "es"),
    ("en", "fr", "es", "de", "it", "pt", "ru"),
)
SAMPLES = {
    "it": "Il presidente Sergio Mattarella ha ricevuto a Roma il segretario della NATO Mark Rutte.",
    "pt": "O presidente Luiz Inácio Lula da Silva recebeu em Brasília o chanceler alemão Friedrich Merz.",
    "ru": "Президент Владимир Путин встретился в Москве с премьер-министром Индии Нарендрой Моди.",
}
"""Paragraphs for languages the evaluation set lacks (written for newsflow)."""


def measure(languages: tuple[str, ...]) -> dict[str, Any]:
    """Load and use the models of ``languages`` in this process; peak RSS in MiB."""
    from benchmarks import entities as evaluation
    from extractors import nlp
    from extractors.entities import extract_entities
    from extractors.places import extract_places
    from newsflow.models import Article

    texts = {p.language: p.text for p in reversed(evaluation.load())} | SAMPLES
    articles = [Article(id=uuid.uuid4().hex, url=f"https://m.example/{lang}", feed_url="", source="m",
                        domain="m.example", title="", text=texts[lang], fetched_at="", language=lang)
                for lang in languages]
    extract_entities(articles)
    extract_places(articles)
    peak = _peak_rss_mib()
    return {"languages": ",".join(languages) or "(none)",
            "models": ", ".join(f"{lang}:{nlp.model_name(lang).removeprefix('spacy:')}"
                                      for lang in nlp.loaded_languages()) or "—",
            "peak RSS MiB": round(peak)}


def _peak_rss_mib() -> float:
    """This process's peak RSS: ``VmHWM`` (Linux; per address space, so a parent's size
    before ``exec`` does not count, unlike ``ru_maxrss``), else ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(_sizes: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """One fresh process per language set (see :data:`SETS`)."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root / "plugins"), str(root), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    with tempfile.TemporaryDirectory(prefix="newsflow-nlp-memory-") as cache:
        env["XDG_CACHE_HOME"] = cache  # our own gazetteer file, built once by the warm-up run
        return _measure_all(env, root)


def _measure_all(env: dict[str, str], root: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for languages in (SETS[-1], *SETS):  # the first run (discarded) builds the caches
        out = subprocess.run([sys.executable, "-m", "benchmarks.nlp_memory", "--languages", ",".join(languages)],
                             capture_output=True, text=True, check=True, env=env, cwd=root)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row["count"] = len(languages)
        rows.append({"languages loaded": row.pop("count"), **row})
    rows = rows[1:]
    base = rows[0]["peak RSS MiB"]
    for row in rows:
        row["over baseline MiB"] = row["peak RSS MiB"] - base
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nlp_memory", description=__doc__)
    parser.add_argument("--languages", default="", help="comma-separated, e.g. en,fr,es")
    args = parser.parse_args()
    print(json.dumps(measure(tuple(lang for lang in args.languages.split(",") if lang))))


if __name__ == "__main__":
    main()
