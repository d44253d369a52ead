"""Leg 3 of .ci/run: the multi-node topology (tests/scale/topology.py), started once for this folder's tests.

Skipped unless SCALE_TESTS=1 (.ci/run's leg 3 sets it): the topology starts eleven processes and costs a few
minutes, and legs 1-2 already cover the code on one node. Skipped with the reason, too, where a program is missing
(PostgreSQL 15's initdb, pgbouncer, nginx, redis-server, SeaweedFS's weed from the `scale` extra)."""

import os
import signal
import sys

import pytest

from tests.scale.topology import Topology, missing_programs


def pytest_collection_modifyitems(config, items):
    reason = None
    if os.environ.get("SCALE_TESTS") != "1":
        reason = "multi-node topology: run by .ci/run leg 3 (SCALE_TESTS=1)"
    elif missing := missing_programs():
        reason = f"multi-node topology needs {', '.join(missing)} (.ci/run installs them)"
    if reason:
        for item in items:
            if "tests/scale/" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def stack():
    # A CI timeout or ^C sends SIGTERM: leave through the finally below, so no server outlives the test.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    topology = Topology()
    try:
        topology.start()
        topology.migrate()
        seeded = topology.action("seed", takers=6, questions=10, holders=60)
        for node in ("node1", "node2"):
            topology.start_node(node)
        topology.start_workers()
        for node in ("node1", "node2"):
            topology.wait_for_node(node)
        topology.start_nginx()
        topology.seeded = seeded
        yield topology
    finally:
        topology.stop()
