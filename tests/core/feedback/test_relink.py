"""Complete linkage taken again after nodes are added (duplicates.relink) gives exactly the
clusters of taking every pair again (_cliques): on random graphs with tied scores, where a new
node can pull a member out of an old cluster and the change spreads to its neighbours. And
_cliques, which checks two clusters found apart only once, gives what linking every pair does."""

from __future__ import annotations

import random

import pytest

from prodops_tui.core.feedback import duplicates
from prodops_tui.core.feedback.duplicates import _cliques, _link, relink


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


def blocks_graph(seed: int) -> tuple[int, dict[int, dict[int, float]]]:
    """Dense blocks (near copies: most pairs inside linked) with links between blocks, so
    clusters grow to many nodes and many pairs fall between clusters already found apart."""
    rng = random.Random(seed)
    nodes, blocks = rng.randint(20, 90), rng.randint(2, 6)
    block_of = [rng.randrange(blocks) for _ in range(nodes)]
    inside, across = rng.uniform(0.7, 1.0), rng.uniform(0.05, 0.6)
    edges: dict[int, dict[int, float]] = {}
    for i in range(nodes):
        for j in range(i + 1, nodes):
            if rng.random() < (inside if block_of[i] == block_of[j] else across):
                score = rng.choice([45.0, 60.0, 85.0, round(rng.uniform(40, 100), 1)])
                edges.setdefault(i, {})[j] = edges.setdefault(j, {})[i] = score
    return nodes, edges


def every_pair_linked(nodes: int, edges: dict[int, dict[int, float]]) -> list[list[int]]:
    """Complete linkage as defined: every pair, strongest first, then by i and j, through _link."""
    cluster_of: dict[int, list[int]] = {}
    for _score, i, j in sorted((-score, i, j) for i, linked in edges.items() for j, score in linked.items() if i < j):
        _link(cluster_of, edges, i, j)
    found = {id(cluster): sorted(cluster) for cluster in cluster_of.values()}
    return sorted(cluster for cluster in found.values() if len(cluster) > 1)


@pytest.mark.parametrize("block", range(4))
def test_cliques_give_what_linking_every_pair_gives(block):
    for seed in range(block * 100, block * 100 + 100):
        nodes, edges = blocks_graph(seed)
        assert _cliques([1] * nodes, edges) == every_pair_linked(nodes, edges), seed


def test_two_clusters_found_apart_are_not_checked_again_for_each_of_their_pairs(monkeypatch):
    """Two clusters of ten near copies, every pair across linked but one: the 99 pairs across
    are one check, not 99 (at a million items, clusters of hundreds of nodes)."""
    group_a, group_b = range(10), range(10, 20)
    edges: dict[int, dict[int, float]] = {}
    for group in (group_a, group_b):
        for i in group:
            for j in group:
                if i != j:
                    edges.setdefault(i, {})[j] = 90.0
    for i in group_a:
        for j in group_b:
            if (i, j) != (0, 10):
                edges[i][j] = edges[j][i] = 50.0
    checks: list[tuple[int, int]] = []
    all_linked = duplicates._all_linked

    def counted(first, second, linked):
        if {*first, *second} == {*group_a, *group_b}:
            checks.append((len(first), len(second)))
        return all_linked(first, second, linked)

    monkeypatch.setattr(duplicates, "_all_linked", counted)
    assert _cliques([1] * 20, edges) == [list(group_a), list(group_b)]
    assert checks == [(10, 10)]
