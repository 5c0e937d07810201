"""``python -m benchmarks``: run the benchmarks, print Markdown tables, record them.

Results go to ``benchmarks/results/latest.json`` and, between the markers of each section,
into ``benchmarks/README.md``. Everything runs on this machine against loopback servers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return "(no rows)"
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def es_section(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import es_bulk
    from newsflow import es_dev

    url = os.environ.get("NEWSFLOW_ES_URL")
    if url:
        return es_bulk.run(url, sizes)
    with es_dev.running_node() as node:
        return es_bulk.run(node.url, sizes)


SECTIONS: dict[str, Callable[[tuple[int, ...]], list[dict[str, Any]]]] = {
    "es-bulk": es_section,
}


def record(name: str, rows: list[dict[str, Any]], header: str) -> None:
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    block = f"<!-- {name}:start -->\n{header}\n\n{markdown_table(rows)}\n<!-- {name}:end -->"
    pattern = re.compile(rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", re.S)
    text = pattern.sub(block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}")
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes N")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(","))
    machine = f"{dt.date.today()} · {os.cpu_count()} cores · {platform.processor() or platform.machine()} · Python {platform.python_version()}"
    results: dict[str, Any] = {"machine": machine}
    for name in args.only.split(","):
        rows = SECTIONS[name](sizes)
        results[name] = rows
        print(f"\n## {name}\n\n{markdown_table(rows)}")
        record(name, rows, f"Measured {machine}.")
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
