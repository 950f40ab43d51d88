"""Complete linkage taken again after nodes are added (duplicates.relink) gives exactly the
clusters of taking every pair again (_cliques): on random graphs with tied scores, where a new
node can pull a member out of an old cluster and the change spreads to its neighbours."""

from __future__ import annotations

import random

import pytest

from prodops_tui.core.feedback.duplicates import _cliques, relink


def random_graph(seed: int) -> tuple[int, int, dict[int, dict[int, float]]]:
    rng = random.Random(seed)
    nodes, added, density = rng.randint(2, 40), rng.randint(1, 3), rng.random()
    edges: dict[int, dict[int, float]] = {}
    for i in range(nodes):
        for j in range(i + 1, nodes):
            if rng.random() < density:
                score = rng.choice([40.0, 50.0, 60.0, round(rng.uniform(40, 100), 1)])  # ties on purpose
                edges.setdefault(i, {})[j] = edges.setdefault(j, {})[i] = score
    return nodes, max(1, nodes - added), edges


@pytest.mark.parametrize("block", range(10))
def test_relinking_the_added_nodes_gives_the_clusters_of_linking_every_pair(block):
    changed_elsewhere = 0
    for seed in range(block * 300, block * 300 + 300):
        nodes, before_count, edges = random_graph(seed)
        before_edges = {i: {j: s for j, s in linked.items() if j < before_count}
                        for i, linked in edges.items() if i < before_count}
        before: dict[int, list[int]] = {}
        _cliques([1] * before_count, before_edges, before)
        expected: dict[int, list[int]] = {}
        _cliques([1] * nodes, edges, expected)
        touched = relink(range(before_count, nodes), lambda node, edges=edges: edges.get(node, {}), before.__getitem__)
        for node in range(nodes):
            got = touched[node] if node in touched else before[node]
            assert sorted(got) == sorted(expected[node]), (seed, node)
        changed_elsewhere += any(sorted(before[n]) != sorted(expected[n]) for n in range(before_count))
    assert changed_elsewhere > 10  # the graphs do make added nodes regroup old ones
