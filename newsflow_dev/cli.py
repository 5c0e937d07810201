"""``newsflow-dev``: a throw-away Elasticsearch node for development and tests.

    newsflow-dev java   [--version V]            the JDK it would run on (or why none fits)
    newsflow-dev fetch  [--version V]            download + unpack (cached)
    newsflow-dev start  [--version V] [--port P] [--nodes N]
                                                 start in the background, print its URL(s)
    newsflow-dev status                          exit 0 when it answers
    newsflow-dev stop                            stop it, remove its data
    newsflow-dev url                             print the URL(s) (for NEWSFLOW_ES_URL)
    newsflow-dev run    [--version V] [--port P] [--nodes N]
                                                 run one in the foreground until Ctrl-C

``--nodes N`` (N > 1) starts a cluster of N nodes on loopback instead (see
:mod:`newsflow_dev.es_cluster`; any free ports, 256m heap each); its URL is every node's URL,
comma-separated, as ``NEWSFLOW_ES_URL`` takes it.

``scripts/es-test-server`` is the same command run from a checkout. The background node's
state (URL, pid, directory) lives in ``$NEWSFLOW_ES_STATE``, else ``.es/state.json`` at the
root of the checkout (or in newsflow's cache directory outside one).
Typical use: ``export NEWSFLOW_ES_URL=$(scripts/es-test-server start)``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from newsflow.cache import cache_dir
from newsflow_dev.es_cluster import running_cluster, start_cluster
from newsflow_dev.es_distribution import DEFAULT_VERSION, EsDevError, install_distribution
from newsflow_dev.es_java import find_java_home
from newsflow_dev.es_node import running_node, start_node, stop_from_state

_CHECKOUT = Path(__file__).resolve().parent.parent


def state_file() -> Path:
    """Where the background node's state is kept (see the module's docstring)."""
    if os.environ.get("NEWSFLOW_ES_STATE"):
        return Path(os.environ["NEWSFLOW_ES_STATE"])
    if (_CHECKOUT / "pyproject.toml").is_file():
        return _CHECKOUT / ".es" / "state.json"
    return cache_dir() / "es-state.json"


def read_state() -> dict[str, Any] | None:
    try:
        return dict(json.loads(state_file().read_text()))
    except (OSError, ValueError):
        return None


def health(url: str) -> dict[str, Any] | None:
    """The cluster health as the first node of ``url`` (comma-separated URLs) that answers
    gives it, or ``None``."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for one in url.split(","):
        try:
            with opener.open(f"{one}/_cluster/health", timeout=5) as resp:
                return dict(json.loads(resp.read()))
        except (OSError, ValueError, urllib.error.URLError):
            continue
    return None


def stop_recorded(state: dict[str, Any], timeout: float) -> None:
    """Stop the node, or every node of the cluster, a state file describes."""
    for node in state.get("nodes") or [state]:
        stop_from_state(node, timeout=timeout)


def cmd_java(args: argparse.Namespace) -> int:
    print(find_java_home(args.version))
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    print(install_distribution(args.version))
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    state = read_state()
    if state and health(state["url"]):
        print(state["url"])
        return 0
    path = state_file()
    if state:  # stale: a node that died or a reboot
        stop_recorded(state, timeout=10)
        path.unlink(missing_ok=True)
    if args.nodes > 1:
        cluster = start_cluster(args.nodes, args.version, timeout=args.timeout)
        started, url, recorded = cluster.nodes[0].started_in, cluster.url, cluster.state()
    else:
        node = start_node(args.version, port=args.port, timeout=args.timeout)
        started, url, recorded = node.started_in, node.url, node.state()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(recorded | {"started_in": round(started, 1)}, indent=2))
    print(url)
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    state = read_state()
    if not state:
        print("no Elasticsearch node recorded in", state_file(), file=sys.stderr)
        return 0
    stop_recorded(state, timeout=args.timeout)
    state_file().unlink(missing_ok=True)
    print("stopped", state["url"], file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    state = read_state()
    if not state:
        print("not running (no state file)", file=sys.stderr)
        return 1
    info = health(state["url"])
    print(json.dumps({**state, "health": info}, indent=2))
    return 0 if info else 1


def cmd_url(args: argparse.Namespace) -> int:
    state = read_state()
    if not state:
        print("not running (no state file)", file=sys.stderr)
        return 1
    print(state["url"])
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    running = (running_cluster(args.nodes, args.version, timeout=args.timeout) if args.nodes > 1
               else running_node(args.version, port=args.port or None, timeout=args.timeout))
    with running as node:
        what = f"a cluster of {args.nodes} nodes" if args.nodes > 1 else "one node"
        print(f"Elasticsearch {node.version}, {what}, at {node.url} (Ctrl-C stops it); use: "
              f"newsflow --backend elasticsearch --es-url {node.url} es setup, then run/search",
              file=sys.stderr)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def parser(prog: str = "newsflow-dev") -> argparse.ArgumentParser:
    """The command line of :func:`main`."""
    p = argparse.ArgumentParser(prog=prog, description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)
    for name, func in (("java", cmd_java), ("fetch", cmd_fetch), ("start", cmd_start),
                       ("run", cmd_run)):
        cmd = sub.add_parser(name)
        cmd.add_argument("--version", default=DEFAULT_VERSION)
        cmd.set_defaults(func=func)
        if name in ("start", "run"):
            cmd.add_argument("--port", type=int, default=9200 if name == "run" else None,
                             help="HTTP port on 127.0.0.1 (0 or none: any free port)")
            cmd.add_argument("--timeout", type=float, default=240)
            cmd.add_argument("--nodes", type=int, default=1,
                             help="more than 1: a cluster of that many nodes (ports: any free)")
    stop = sub.add_parser("stop")
    stop.add_argument("--timeout", type=float, default=30)
    stop.set_defaults(func=cmd_stop)
    sub.add_parser("status").set_defaults(func=cmd_status)
    sub.add_parser("url").set_defaults(func=cmd_url)
    return p


def main(argv: list[str] | None = None, prog: str = "newsflow-dev") -> int:
    """Run one command; the exit code (1 with the reason on stderr when it failed)."""
    args = parser(prog).parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return int(args.func(args))
    except EsDevError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
