"""The README says what the CLI does: its offline commands run as written, and every
``newsflow <command> --option`` it mentions exists."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from newsflow.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
OFFLINE = ("demo", "search", "show", "stats", "failures", "config", "feeds list")
"""Commands safe to run without network or services (the others need feeds or Elasticsearch)."""


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match[1]


def bash_commands(text: str) -> list[str]:
    """``newsflow …`` lines of the fenced bash blocks of ``text``, without comments."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith("newsflow "):
                lines.append(line)
    return lines


def mentions() -> list[str]:
    """Every ``newsflow <command> …`` the README shows: code spans and bash lines."""
    spans = re.findall(r"`(newsflow [^`]+)`", README)
    return [*spans, *bash_commands(README)]


def test_the_readme_commands_run_offline(tmp_path: Path) -> None:
    """Quick start and Commands as a new user types them (the demo on a free port, as the
    default 8765 may be taken on a shared machine), plus the offline commands of the table."""
    written = [line for title in ("Quick start", "Commands") for line in bash_commands(section(title))]
    assert any(" demo" in line for line in written) and any(" show " in line for line in written), written
    extra = ["newsflow --data-dir /tmp/nf stats", "newsflow --data-dir /tmp/nf failures",
             "newsflow --data-dir /tmp/nf config", "newsflow --data-dir /tmp/nf feeds list"]
    data_dir = str(tmp_path / "nf")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    doc_id = None
    ran = []
    for line in [*written, *extra]:
        words = shlex.split(line.replace("/tmp/nf", data_dir))
        command = " ".join(w for w in words[1:] if not w.startswith("-") and w != data_dir)
        if not command.startswith(OFFLINE):
            continue
        if words[-1] == "<id>":
            assert doc_id, "a search ran before show"
            words[-1] = doc_id
        if "demo" in words:
            words += ["--port", "0"]
        done = subprocess.run([sys.executable, "-m", "newsflow.cli", *words[1:]], capture_output=True, text=True,
                              env=env, timeout=900)
        assert done.returncode == 0, (line, done.stdout[-2000:], done.stderr[-2000:])
        assert "Traceback" not in done.stderr
        ran.append(next(name for name in OFFLINE if command.startswith(name)))
        if "search" in words and not doc_id:
            found = subprocess.run([sys.executable, "-m", "newsflow.cli", *words[1:], "--json"], capture_output=True,
                                   text=True, env=env, timeout=300, check=True)
            hits: list[dict[str, Any]] = json.loads(found.stdout)["hits"]
            doc_id = hits[0]["id"]
    assert set(ran) == set(OFFLINE), ran


def _options(command: Any) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts) if opt.startswith("-")} | {
        "--help"}


@pytest.mark.parametrize("mention", mentions())
def test_every_command_and_option_the_readme_mentions_exists(mention: str) -> None:
    root = typer.main.get_command(app)
    text = mention.replace("\\|", " ").replace("|", " ").replace("[", " ").replace("]", " ")
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    current: Any = root
    group: Any = root
    takes_value = False
    for word in words[1:]:
        commands = getattr(group, "commands", {})
        if word.startswith("--") or re.fullmatch(r"-[a-zA-Z]", word):
            option = word.split("=", 1)[0]
            assert option in _options(current), f"{mention!r}: {option} is not an option of {current.name!r}"
            param = next(p for p in current.params if option in (*p.opts, *p.secondary_opts)) if option != "--help" else None
            takes_value = param is not None and not getattr(param, "is_flag", False) and "=" not in word
        elif takes_value:
            takes_value = False  # the option's value
        elif word in commands:
            current = commands[word]
            if getattr(current, "commands", None):
                group = current
        elif current is root:
            pytest.fail(f"{mention!r}: {word!r} is not a newsflow command")
