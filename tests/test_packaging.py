"""What a user installs is what runs: declared dependencies and packaged runtime data.

A new venv's bundled pip (23.2) ignores extras of dependencies (``lxml[html_clean]``), so every
distribution whose modules newsflow imports must be a direct dependency; and ``pip install .``
(not editable) must carry the demo corpus, the feed list and the index template.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "plugins" / "newsflow", ROOT / "extractors"]
# imported only by the Airflow/benchmark/PostgreSQL/semantic-search code paths, declared in those extras
OPTIONAL_EXTRAS = ("airflow", "nlp", "bench", "postgres", "semantic")


def _imported_top_level(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in OPTIONAL_EXTRAS:
        reqs += project["optional-dependencies"][extra]
    return {Requirement(r).name.lower().replace("_", "-") for r in reqs}


def test_every_imported_distribution_is_declared() -> None:
    modules: set[str] = set()
    for src in SOURCES:
        for py in src.rglob("*.py"):
            modules |= _imported_top_level(py)
    owners = packages_distributions()
    stdlib = set(sys.stdlib_module_names)
    declared = _declared()
    missing = {}
    for module in sorted(modules - stdlib - {"newsflow", "extractors", "__future__"}):
        dists = {d.lower().replace("_", "-") for d in owners.get(module, [])}
        if dists and not dists & declared:
            missing[module] = sorted(dists)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, **kwargs)  # type: ignore[call-overload,no-any-return]


def test_plain_install_carries_its_runtime_data(tmp_path: Path) -> None:
    """``pip install .`` (a wheel, not editable) runs ``newsflow demo`` outside the repository."""
    wheels = tmp_path / "wheels"
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                  "-w", str(wheels), str(ROOT)])
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheels.glob("newsflow-*.whl")
    site = tmp_path / "site"
    installed = _run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                      "--target", str(site), str(wheel)])
    assert installed.returncode == 0, installed.stderr[-2000:]
    assert not (site / "newsflow" / "seeds").is_symlink()
    assert (site / "newsflow" / "seeds" / "elasticsearch" / "index-template.json").is_file()
    # the search page's templates and world outline (newsflow serve)
    assert (site / "newsflow" / "web" / "templates" / "search.html").is_file()
    assert (site / "newsflow" / "web" / "data" / "world.json").is_file()

    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "NO_COLOR": "1",
           "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))}
    script = (
        "import sys, newsflow, newsflow.index.elastic as es\n"
        "print(newsflow.__file__); print(es.TEMPLATE_FILE)\n"
        "sys.argv = ['newsflow', '--data-dir', sys.argv[1], 'demo', '--json']\n"
        "from newsflow.cli import main\nmain()\n"
    )
    result = _run([sys.executable, "-c", script, str(tmp_path / "data")], cwd=workdir, env=env)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    module_file, template_file, *rest = result.stdout.splitlines()
    assert module_file.startswith(str(site)), module_file
    assert template_file.startswith(str(site)), template_file
    report = json.loads("\n".join(rest))
    assert report["summary"]["articles_new"] > 0, report["summary"]
    assert report["search"]["total"] > 0, report["search"]


@pytest.mark.parametrize("name", ["feeds.yaml", "demo/feeds.yaml", "elasticsearch/index-template.json"])
def test_seeds_are_package_resources(name: str) -> None:
    import importlib.resources

    resource = importlib.resources.files("newsflow") / "seeds" / name
    assert resource.is_file()
    assert resource.read_bytes() == (ROOT / "seeds" / name).read_bytes()


def test_ci_runs_the_readme_blocks_and_never_upgrades_pip() -> None:
    """.ci/run installs as the README does: its steps are the README's marked blocks."""
    import re

    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    steps = re.findall(r"^step (\S+)", ci, re.M)
    assert {"quickstart", "tests"} <= set(steps)
    for name in steps:
        assert f"<!-- step: {name} -->\n```bash\n" in readme, name
    assert not re.search(r"pip install[^\n]*(-U|--upgrade)[^\n]*\bpip\b", ci + readme)
    assert "pip install" not in ci  # every install comes from the README
