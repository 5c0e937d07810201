"""A throw-away Elasticsearch cluster of several nodes on loopback, for tests and development::

    with running_cluster(nodes=3) as cluster:
        print(cluster.url)          # every node's URL, comma-separated (NEWSFLOW_ES_URL)
        cluster.nodes[1].kill()     # a crash
        cluster.restart(1)          # the same node back, on its data directory

Each node is a :class:`~newsflow_dev.es_node.EsNode` of :mod:`newsflow_dev.es_node` with its
own directory, HTTP and transport port on 127.0.0.1; they share one cluster name and find each
other through ``discovery.seed_hosts`` (every transport port); all are master-eligible and
bootstrap together (``cluster.initial_master_nodes``). The heap defaults to 256m per node
(``NEWSFLOW_ES_HEAP`` overrides): three nodes fit a small machine.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from newsflow_dev.es_distribution import DEFAULT_VERSION, EsDevError
from newsflow_dev.es_node import (
    ClusterLayout,
    EsNode,
    launch_and_wait,
    prepare_node,
    resolve_distribution,
    wait_for_health,
)
from newsflow_dev.es_process import free_port, remove_workdir

log = logging.getLogger(__name__)


@dataclass
class EsCluster:
    """Running nodes of one cluster. ``stop()`` ends them all and removes their directories."""

    name: str
    nodes: list[EsNode]
    names: list[str]
    """Node names (``node.name``), in the order of :attr:`nodes`."""

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    @property
    def url(self) -> str:
        """Every node's URL, comma-separated: what ``es_url`` takes."""
        return ",".join(self.urls)

    @property
    def version(self) -> str:
        return self.nodes[0].version

    def restart(self, index: int, *, timeout: float = 120) -> EsNode:
        """Start node ``index`` again (after :meth:`EsNode.kill`) on its directory and ports;
        return once the cluster has all its nodes again (yellow or green)."""
        node = self.nodes[index]
        if node.alive():
            raise EsDevError(f"node {index} ({node.url}) is still running; kill it first")
        node.launch()
        wait_for_health(node, timeout=timeout, nodes=len(self.nodes))
        return node

    def stop(self, timeout: float = 30) -> None:
        for node in self.nodes:
            node.stop(timeout=timeout)

    def state(self) -> dict[str, Any]:
        """JSON-ready description (see :meth:`EsNode.state`), one entry per node."""
        return {"url": self.url, "version": self.version, "cluster": self.name,
                "nodes": [n.state() for n in self.nodes]}


def start_cluster(
    nodes: int = 3,
    version: str = DEFAULT_VERSION,
    *,
    timeout: float = 240,
    heap: str | None = None,
    fallback: bool | None = None,
) -> EsCluster:
    """Start ``nodes`` nodes on 127.0.0.1 as one cluster; return once all have joined and it
    is yellow or green. ``heap`` per node (default ``NEWSFLOW_ES_HEAP``, else 256m).

    Raises :class:`EsDevError` (with a log tail) when a node does not start or join in
    ``timeout`` seconds; then every node is stopped."""
    if nodes < 1:
        raise EsDevError("a cluster needs at least one node")
    version, dist, java_home = resolve_distribution(version, fallback)
    heap = heap or os.environ.get("NEWSFLOW_ES_HEAP", "256m")
    name = f"newsflow-dev-cluster-{uuid.uuid4().hex[:8]}"
    ports: list[tuple[int, int]] = []
    taken: set[int] = set()
    while len(ports) < nodes:
        pair = (free_port(), free_port())
        if len({*pair, *taken}) == len(taken) + 2:
            ports.append(pair)
            taken.update(pair)
    names = tuple(f"node-{i}" for i in range(nodes))
    seeds = tuple(f"127.0.0.1:{transport}" for _, transport in ports)
    prepared: list[EsNode] = []
    try:
        for i, (http, transport) in enumerate(ports):
            layout = ClusterLayout(name=name, node_name=names[i], seed_hosts=seeds,
                                   initial_masters=names)
            prepared.append(prepare_node(version, dist, java_home, http_port=http,
                                         transport_port=transport, heap=heap, cluster=layout))
    except BaseException:
        for node in prepared:
            remove_workdir(node.workdir)
        raise
    launch_and_wait(prepared, timeout=timeout)
    log.info("Elasticsearch cluster %s of %d nodes up: %s", name, nodes,
             ", ".join(n.url for n in prepared))
    return EsCluster(name=name, nodes=prepared, names=list(names))


@contextlib.contextmanager
def running_cluster(nodes: int = 3, version: str = DEFAULT_VERSION, **kwargs: Any) -> Iterator[EsCluster]:
    """Start a cluster for the duration of a ``with`` block (see :func:`start_cluster`)."""
    cluster = start_cluster(nodes, version, **kwargs)
    try:
        yield cluster
    finally:
        cluster.stop()
