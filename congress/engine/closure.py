"""A recursive table that is a plain transitive closure, evaluated node by node.

``closure_input`` recognises a table defined by exactly the two rules
``r(x, y) :- e(x, y)`` and ``r(x, z) :- e(x, y), r(y, z)`` (or the left-linear
``r(x, z) :- r(x, y), e(y, z)``), any variable names, ``e`` another table.
``transitive_closure`` then computes ``r`` from ``e``'s rows with set unions
per node instead of joins per row: a node's reachable set is the union of its
successors and their sets. Rounds first complete every node whose successors
are complete (cheap while most nodes are); the rest goes through the strongly
connected components (Tarjan), which complete in reverse topological order.
Every node of a component reaches the same set, which is shared, so a cycle
costs one union instead of re-deriving its rows round it.

The same search, written in C (``_closure.c``), is used when the package was
built with it (``pip install`` compiles it where a C compiler is present):
there building the answer's tuples is most of the work, in Python the search is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain, repeat

from congress.datalog.ast import Variable
from congress.engine.compiled import POSITIVE, CompiledRule, Literal, RelKey
from congress.engine.values import Row

try:
    from congress.engine._closure import transitive_closure as native_closure
except ImportError:  # built without a C compiler
    native_closure = None

_DONE = 1 << 62  # what a visit returns once its node's component is complete


def closure_input(key: RelKey, rules: Sequence[CompiledRule]) -> RelKey | None:
    """The edge table ``e`` if ``rules`` (all the rules of ``key``) define ``key`` as its closure."""
    if len(rules) != 2:
        return None
    base, step = sorted(rules, key=lambda rule: len(rule.body))
    if len(base.body) != 1 or len(step.body) != 2:
        return None
    head = _names(base.head_args)
    edge = base.body[0]
    if head is None or edge.key == key or _literal_names(edge) != head:
        return None
    outer, left, right = _names(step.head_args), _literal_names(step.body[0]), _literal_names(step.body[1])
    if outer is None or left is None or right is None:
        return None
    (x, z), (a, b), (c, d) = outer, left, right
    if not (a == x and d == z and b == c and b not in (x, z)):
        return None
    first, second = step.body
    if (first.key, second.key) in ((edge.key, key), (key, edge.key)):
        return edge.key
    return None


def _names(args: Sequence) -> tuple[str, str] | None:
    """The two distinct variable names of a binary atom's arguments, or None."""
    if len(args) != 2 or not all(isinstance(arg, Variable) for arg in args):
        return None
    names = (args[0].name, args[1].name)
    return names if names[0] != names[1] else None


def _literal_names(literal: Literal) -> tuple[str, str] | None:
    return _names(literal.args) if literal.kind == POSITIVE else None


def transitive_closure(edges: Iterable[Row]) -> dict[Row, int] | None:
    """Every ``(x, z)`` with a path of one or more edges from ``x`` to ``z``, each counted once; None when
    the graph is too deep for the recursion limit of the Python search (the caller then evaluates the
    rules)."""
    if native_closure is not None:
        return native_closure(edges)
    return python_closure(edges)


def python_closure(edges: Iterable[Row]) -> dict[Row, int] | None:
    """``transitive_closure`` in Python."""
    successors: dict = {}
    for x, y in edges:
        found = successors.get(x)
        if found is None:
            successors[x] = {y}
        else:
            found.add(y)
    reach: dict = {}  # node -> every node it reaches, once its component is complete
    number: dict = {}  # node -> order of visit
    stack: list = []  # visited nodes whose component is not complete yet

    def visit(node, out: set) -> int:
        """Tarjan's visit; returns the lowest visit number ``node`` reaches on the stack (or _DONE)."""
        mine = number[node] = len(number)
        lowest = mine
        bottom = len(stack)
        stack.append(node)
        for other in out:
            if other in reach:
                continue
            onward = successors.get(other)
            if onward is None:  # no edges out: reaches nothing
                continue
            low = number.get(other)
            if low is None:
                low = visit(other, onward)
            if low < lowest:
                lowest = low
        if lowest < mine:
            return lowest
        members = stack[bottom:]
        del stack[bottom:]
        if len(members) > 1:
            out = set().union(*[successors[member] for member in members])
        reached = _with_below(out, reach)
        for member in members:
            reach[member] = reached
        return _DONE

    pending = _peel(successors, reach)
    try:
        for node in pending:
            if node not in reach:
                visit(node, successors[node])
    except RecursionError:
        return None
    reached = list(reach.values())
    sources = chain.from_iterable(map(repeat, reach.keys(), map(len, reached)))
    return dict.fromkeys(zip(sources, chain.from_iterable(reached), strict=True), 1)


def _peel(successors: dict, reach: dict) -> set:
    """Complete, a round at a time, the nodes whose successors are all complete (or have no edges out),
    while a round completes a good part of what is left; return the nodes left (cycles, long paths)."""
    pending = set(successors)
    while pending:
        ready = [node for node in pending if successors[node].isdisjoint(pending)]
        if len(ready) * 4 < len(pending):
            break
        pending.difference_update(ready)
        for node in ready:
            reach[node] = _with_below(successors[node], reach)
    return pending


def _with_below(out: set, reach: dict) -> set:
    """``out`` and what its complete nodes reach (``out`` itself if none: no set changes once made)."""
    below = [reach[other] for other in out if other in reach]
    return out.union(*below) if below else out
