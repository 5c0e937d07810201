"""The ``english`` analyzer for Elasticsearch's minimal test distribution.

The integ-test-zip lacks the module ``analysis-common``, which every full distribution ships
and which provides the analyzer ``english`` that newsflow's index template uses. So that the
tests run newsflow's one production template, :func:`add_english_analyzer` adds a stable
(named-component) analysis plugin to the unpacked distribution: one class handing out Lucene's
``EnglishAnalyzer`` (from the distribution's own ``lucene-analysis-common`` jar), compiled
with the JDK that runs the node. It is built once per unpacked distribution.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from newsflow_dev.es_distribution import EsDevError, distributions_dir, locked

log = logging.getLogger(__name__)

PLUGIN = "newsflow-english"
_CLASS = "newsflow.testing.EnglishAnalyzerFactory"
_SOURCE = """\
package newsflow.testing;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.AnalyzerFactory;

/** The analyzer "english" of Elasticsearch's analysis-common module: Lucene's EnglishAnalyzer. */
@NamedComponent("english")
public class EnglishAnalyzerFactory implements AnalyzerFactory {
    @Override
    public Analyzer create() {
        return new EnglishAnalyzer();
    }
}
"""
_JARS = ("elasticsearch-plugin-api-", "elasticsearch-plugin-analysis-api-", "lucene-core-",
         "lucene-analysis-common-")


def _has_english(home: Path) -> bool:
    return (home / "modules" / "analysis-common").is_dir() or (
        home / "plugins" / PLUGIN / "named_components.json").is_file()


def _classpath(home: Path) -> str:
    """The distribution's jars the analyzer class compiles against."""
    jars = []
    for prefix in _JARS:
        found = sorted((home / "lib").glob(f"{prefix}[0-9]*.jar"))
        if not found:
            raise EsDevError(f"{home}/lib has no {prefix}*.jar: cannot build the english "
                             "analyzer (Elasticsearch 8.7+ has the stable plugin API)")
        jars.append(str(found[0]))
    return os.pathsep.join(jars)


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise EsDevError(f"`{' '.join(cmd[:2])} …` failed (exit {done.returncode}) building the "
                         f"english analyzer: {(done.stdout + done.stderr).strip()[-2000:]}")


def add_english_analyzer(home: Path, version: str, java_home: Path) -> None:
    """Make the analyzer ``english`` available in the distribution at ``home`` (version
    ``version``), unless it has it; ``java_home`` must be a full JDK (``bin/javac``).

    Raises :class:`EsDevError` when the JDK has no compiler or the build fails."""
    if _has_english(home):
        return
    javac, jar = java_home / "bin" / "javac", java_home / "bin" / "jar"
    if not (javac.is_file() and jar.is_file()):
        raise EsDevError(f"{java_home} has no javac/jar: a full JDK is needed to build the "
                         "english analyzer for the minimal Elasticsearch distribution")
    with locked(distributions_dir() / ".plugin.lock"):
        if _has_english(home):
            return
        started = time.monotonic()
        with tempfile.TemporaryDirectory(dir=home / "plugins", prefix=".build-") as tmp:
            work = Path(tmp)
            source = work / "src" / (_CLASS.replace(".", "/") + ".java")
            source.parent.mkdir(parents=True)
            source.write_text(_SOURCE, encoding="utf-8")
            _run([str(javac), "--release", "17", "-nowarn", "-d", str(work / "classes"),
                  "-cp", _classpath(home), str(source)])
            plugin = work / PLUGIN
            plugin.mkdir()
            _run([str(jar), "cf", str(plugin / f"{PLUGIN}.jar"), "-C", str(work / "classes"), "."])
            (plugin / "stable-plugin-descriptor.properties").write_text(
                "description=the english analyzer (Lucene's EnglishAnalyzer) for tests\n"
                f"version=1.0\nname={PLUGIN}\njava.version=17\nelasticsearch.version={version}\n",
                encoding="utf-8")
            (plugin / "named_components.json").write_text(json.dumps(
                {"org.elasticsearch.plugin.analysis.AnalyzerFactory": {"english": _CLASS}}),
                encoding="utf-8")
            target = home / "plugins" / PLUGIN
            if target.exists():
                shutil.rmtree(target)
            os.replace(plugin, target)
        log.info("built the english analyzer plugin into %s in %.1fs", target,
                 time.monotonic() - started)
