"""Incremental maintenance against evaluation from scratch, on random histories.

Hypothesis draws a history of datasource updates and rule/fact inserts and
deletes over a pool of rules that exercises every maintenance path: counting
through joins, self-joins and negation, recursion (semi-naive insertion and
re-evaluation on deletion; a plain closure the first evaluation computes node by
node), negation of a recursive table, cross-policy reads
and a fact stored in a derived table. After every step each derived table must
equal what a deliberately naive reference evaluator (nested loops to a fixpoint,
stratum by stratum) computes from the current rules and data.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from congress.datalog.ast import Atom, Constant, Rule, Variable
from congress.datalog.parser import parse_rule
from congress.engine import PolicyEngine

DOMAIN = range(4)

# (policy, rule text) in stratum order; the reference evaluates tables in this order.
POOL: list[tuple[str, str]] = [
    ("m", "path(x, y) :- ds:e(x, y)"),
    ("m", "path(x, z) :- path(x, y), ds:e(y, z)"),
    ("m", "same(x) :- ds:e(x, x)"),
    ("m", "lonely(x) :- ds:v(x), not path(x, x)"),
    ("m", "reach(x, y) :- ds:e(x, y), not ds:v(x)"),
    ("m", "reach(x, z) :- reach(x, y), reach(y, z)"),
    ("m", "two(x, z) :- path(x, y), path(y, z), lt(x, z)"),
    ("m", "odd(x, y) :- ds:e(x, y)"),
    ("m", "even(x, z) :- odd(x, y), ds:e(y, z)"),
    ("m", "odd(x, z) :- even(x, y), ds:e(y, z)"),
    ("m", "tri(x) :- ds:e(x, y), ds:e(y, z), ds:e(z, x)"),
    ("m", "down(a, b) :- ds:e(a, b)"),
    ("m", "down(a, c) :- ds:e(a, b), down(b, c)"),
    ("m", "path(3, 0)"),
    ("m", "even(1, 1)"),
    ("n", "q(x) :- m:path(x, y), ds:v(y)"),
    ("n", "q(3)"),
    ("n", "r(x) :- ds:v(x), not q(x)"),
    ("n", "s(x, y) :- ds:e(x, y), ds:e(y, x)"),
    ("n", "s(x, y) :- m:two(x, y), ds:v(x), ds:v(y)"),
    ("n", "t(x) :- s(x, x), not m:same(x)"),
    ("n", "u(x) :- m:reach(x, x)"),
    ("n", "both(x) :- m:odd(x, x), m:even(x, x)"),
    ("n", "inc(x, y) :- ds:v(x), plus(x, 1, y)"),
    ("n", "chain(x) :- inc(x, y), ds:v(y), not m:tri(y)"),
    ("n", "oneway(x, y) :- ds:e(x, y), not ds:e(y, x)"),
    ("n", "loop(x) :- m:down(x, x), not m:lonely(x)"),
]
ORDER = [
    ("m", "path"), ("m", "same"), ("m", "lonely"), ("m", "reach"), ("m", "two"), ("m", "odd"), ("m", "even"),
    ("m", "tri"), ("m", "down"), ("n", "q"), ("n", "r"), ("n", "s"), ("n", "t"), ("n", "u"), ("n", "both"),
    ("n", "inc"), ("n", "chain"), ("n", "oneway"), ("n", "loop"),
]
MUTUAL = {("m", "odd"), ("m", "even")}  # one recursive component: evaluated together

edges = st.tuples(st.sampled_from(DOMAIN), st.sampled_from(DOMAIN))
steps = st.one_of(
    st.tuples(st.just("e"), st.lists(edges, max_size=4), st.lists(edges, max_size=3)),
    st.tuples(st.just("v"), st.lists(st.tuples(st.sampled_from(DOMAIN)), max_size=3),
              st.lists(st.tuples(st.sampled_from(DOMAIN)), max_size=2)),
    st.tuples(st.just("rule"), st.integers(0, len(POOL) - 1)),
    st.tuples(st.just("replace"), st.lists(edges, max_size=6)),
)


def reference(rules: dict[str, list[Rule]], data: dict[str, set]) -> dict[tuple[str, str], set]:
    """Naive stratified evaluation: every rule by nested loops, each table to its fixpoint."""
    tables: dict[tuple[str, str], set] = {("ds", name): set(rows) for name, rows in data.items()}
    for key in ORDER:
        tables[key] = set()
    for policy, table in ORDER:
        group = MUTUAL if (policy, table) in MUTUAL else {(policy, table)}
        mine = [(r, (p, r.head.table)) for p, t in group for r in rules[p] if r.head.table == t]
        while True:
            grown = False
            for rule, key in mine:
                new = _derive(rule, key[0], tables) - tables[key]
                if new:
                    tables[key] |= new
                    grown = True
            if not grown:
                break
    return {key: tables[key] for key in ORDER}


def _derive(rule: Rule, policy: str, tables: dict) -> set:
    out = set()

    def value(term, binding):
        return binding[term.name] if isinstance(term, Variable) else term.value

    def walk(index: int, binding: dict) -> None:
        if index == len(rule.body):
            out.add(tuple(value(t, binding) for t in rule.head.args))
            return
        lit = rule.body[index]
        if lit.table == "lt":
            if value(lit.args[0], binding) < value(lit.args[1], binding):
                walk(index + 1, binding)
            return
        if lit.table == "plus":
            total = value(lit.args[0], binding) + value(lit.args[1], binding)
            walk(index + 1, {**binding, lit.args[2].name: total})
            return
        rows = tables.get((lit.theory or policy, lit.table), set())
        if lit.negated:
            if tuple(value(t, binding) for t in lit.args) not in rows:
                walk(index + 1, binding)
            return
        for row in rows:
            extended = dict(binding)
            if all(extended.setdefault(t.name, v) == v if isinstance(t, Variable) else t.value == v
                   for t, v in zip(lit.args, row, strict=True)):
                walk(index + 1, extended)

    walk(0, {})
    return out


class History:
    """A history on one engine. ``listening``: a delta listener is registered, so rules are evaluated as they
    come and every change is emitted (the listener's replay must equal the tables too); otherwise new rules
    are added deferred and their tables evaluated when read."""

    def __init__(self, listening: bool = True) -> None:
        self.engine = PolicyEngine()
        self.heard: dict[tuple[str, str], set] | None = None
        if listening:
            self.heard = {}
            self.engine.add_delta_listener(self.hear)
        self.engine.create_datasource("ds", {"e": ["a", "b"], "v": ["a"]})
        self.engine.create_policy("m", "materialized")
        self.engine.create_policy("n", "nonrecursive")
        self.ids: dict[int, str] = {}
        self.data: dict[str, set] = {"e": set(), "v": set()}

    def hear(self, deltas) -> None:
        for delta in deltas:
            rows = self.heard.setdefault((delta.policy, delta.table), set())
            assert not rows & set(delta.inserted), delta
            assert set(delta.deleted) <= rows, delta
            rows.difference_update(delta.deleted)
            rows.update(delta.inserted)

    def apply(self, step) -> None:
        kind = step[0]
        if kind == "rule":
            index = step[1]
            policy, text = POOL[index]
            if index in self.ids:
                self.engine.delete_rule(policy, self.ids.pop(index))
            else:
                self.ids[index] = self.engine.insert_rule(policy, text).id
        elif kind == "replace":
            self.engine.replace_table("ds", "e", step[1])
            self.data["e"] = set(step[1])
        else:
            table, inserted, deleted = step
            self.engine.update_table("ds", table, insert=inserted, delete=deleted)
            self.data[table] = (self.data[table] - set(deleted)) | set(inserted)

    def check(self) -> None:
        rules: dict[str, list[Rule]] = {"m": [], "n": []}
        for index in sorted(self.ids):
            policy, text = POOL[index]
            rules[policy].append(parse_rule(text))
        expected = reference(rules, self.data)
        if self.heard is None:
            self.engine.settle()
        for (policy, table), rows in expected.items():
            assert set(self.engine.flow.relation((policy, table)).rows) == rows, (policy, table)
            if self.heard is not None:
                assert self.heard.get((policy, table), set()) == rows, (policy, table)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps, min_size=1, max_size=25), st.sets(st.integers(0, len(POOL) - 1)), st.booleans())
def test_incremental_equals_from_scratch(history_steps, initial_rules, listening) -> None:
    history = History(listening)
    for index in sorted(initial_rules):
        history.apply(("rule", index))
    history.check()
    for number, step in enumerate(history_steps):
        history.apply(step)
        if listening or number % 3 == 2:  # deferred: stale tables also live through several updates
            history.check()
    history.check()


def test_counts_survive_alternative_derivations() -> None:
    """A row derived twice stays until both derivations are gone (counting)."""
    history = History()
    for text in ("path(x, y) :- ds:e(x, y)", "q(x) :- m:path(x, y), ds:v(y)"):
        history.apply(("rule", [t for _, t in POOL].index(text)))
    history.apply(("e", [(1, 2), (1, 3)], []))
    history.apply(("v", [(2,), (3,)], []))
    assert history.engine.rows("n", "q") == [(1,)]
    history.apply(("e", [], [(1, 2)]))
    assert history.engine.rows("n", "q") == [(1,)]
    history.apply(("e", [], [(1, 3)]))
    assert history.engine.rows("n", "q") == []


def test_every_pool_rule_is_accepted() -> None:
    history = History()
    for index in range(len(POOL)):
        history.apply(("rule", index))
    history.apply(("replace", list(itertools.product(DOMAIN, DOMAIN))[::3]))
    history.check()
    assert Atom("q", (Constant(3),)) in history.engine.select("n", "q(x)")
