"""Graph walks over plain data."""


def connected_components(pairs):
    """The groups of nodes linked by ``pairs`` (an iterable of 2-tuples), as sorted lists.

    Union-find with path halving: linear in the number of pairs. Groups come sorted by
    their smallest node, so the result does not depend on the order of the pairs.
    """
    parent = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for first, second in pairs:
        root_a, root_b = find(first), find(second)
        if root_a != root_b:
            if root_b < root_a:
                root_a, root_b = root_b, root_a
            parent[root_b] = root_a
    groups = {}
    for node in parent:
        groups.setdefault(find(node), []).append(node)
    return sorted((sorted(members) for members in groups.values()), key=lambda members: members[0])
