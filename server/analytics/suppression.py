"""Which nodes of a hierarchy of counts to suppress: pure arithmetic, no database.

A hierarchy is a tree of nodes, each a total of its children (a district's figures are the sum of
its schools', a school's the sum of its cells'), each with the number of distinct teachers behind
it. `suppressed(teachers, parent_of, k)` answers, for every node, False (published),
"fewer_than_k" (primary: fewer than k teachers) or "complementary".

Complementary suppression runs to a fixpoint on every equation "parent = sum of its children":
whenever exactly one of its terms is suppressed, that term would be the published ones' difference,
so one more term is suppressed: the published child with the fewest teachers (ties broken by the
node's key, so every run chooses alike), or the parent itself if no child is left published. Then
no equation holds exactly one suppressed term, and because the equations form a tree, no linear
combination of published figures isolates a suppressed one.
"""
from collections.abc import Hashable, Mapping

FEWER_THAN_K, COMPLEMENTARY = "fewer_than_k", "complementary"


def suppressed(teachers: Mapping[Hashable, int], parent_of: Mapping[Hashable, Hashable], k: int) -> dict:
    """{node: False | "fewer_than_k" | "complementary"} for every node of `teachers` ({node: n
    distinct teachers}); `parent_of` maps each node but the roots to its parent."""
    status = {node: FEWER_THAN_K if count < k else False for node, count in teachers.items()}
    children: dict = {}
    for node in teachers:
        parent = parent_of.get(node)
        if parent is not None:
            children.setdefault(parent, []).append(node)
    order = lambda node: (teachers[node], _sortable(node))  # noqa: E731
    for parent in children:
        children[parent].sort(key=order)
    changed = True
    while changed:
        changed = False
        for parent in sorted(children, key=_sortable):
            terms = [parent, *children[parent]]
            if sum(1 for term in terms if status[term]) != 1:
                continue
            published = [child for child in children[parent] if not status[child]]
            status[published[0] if published else parent] = COMPLEMENTARY
            changed = True
    return status


def _sortable(node) -> tuple:
    """A node's key that sorts whatever it holds (None before any text)."""
    parts = node if isinstance(node, tuple) else (node,)
    return tuple((part is not None, str(part)) for part in parts)
