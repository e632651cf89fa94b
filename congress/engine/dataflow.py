"""Every table of every policy, the rules between them, and incremental maintenance.

Tables are keyed ``(namespace, table)``. A table's rows come from its *base*
(facts and datasource rows) and from the rules whose head it is. The tables and
rules form a graph cut into strongly connected components, processed in
topological order after each change:

* A non-recursive table keeps, per row, the number of its derivations (its
  base row counts one). A change of a body table ``T`` (rows that appear,
  ``D+``, or disappear, ``D-``) changes the head's counts by the derivations
  that use the changed rows; only rows whose count moves from or to zero
  change the head in turn (the counting algorithm). Deletions are joined
  while ``T`` still holds the rows, insertions once it holds them; when ``T``
  occurs several times in one body, the other occurrences on one side of the
  driving one see ``T`` without the delta (``PlanSpec.filter``), so that every
  derivation is counted exactly once.
* A recursive component (only ``materialized``/``z3`` policies allow them)
  keeps plain sets. Insertions into its inputs continue semi-naive evaluation
  from the new derivations. Deletions (and insertions into negated inputs) use
  delete-and-rederive: the rows that may have lost a derivation, and what they
  derive inside the component, are removed; those still derivable are put back
  and semi-naive evaluation continues from them. Evaluated from scratch, a
  table that is a plain transitive closure is computed by ``closure`` instead;
  it holds the same rows either way, so maintenance goes on alike.

Rule changes reuse the same machinery: a new rule's derivations (evaluated
once) are added to its head's counts (or seed semi-naive evaluation when its
head is recursive); a deleted rule's are subtracted, and the components whose
shape the deletion changed are re-evaluated.

A delta much larger than the table a full evaluation would start from (a
snapshot, a table filled by a new rule) makes the head be re-evaluated
instead of joined with the delta, whichever ``plan.estimate`` finds cheaper.

A new rule may be added *deferred* (the engine does so while nobody listens to
changes): its head and every table downstream of it become *stale* -- left as
they are, skipped by propagation -- until ``settle`` re-evaluates them all once,
in topological order. Loading a policy rule by rule (``error`` before the
``same_group`` it negates) then evaluates each table once instead of once per
rule; everything that reads tables settles first.

``on_change(key, inserted, deleted)`` is called once per changed table, in
topological order.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet

from congress.datalog.graph import components
from congress.engine.closure import closure_input, transitive_closure
from congress.engine.compiled import NEGATIVE, CompiledRule, RelKey
from congress.engine.plan import FULL_COUNT, SEED_DRIVER, SEED_HEAD, PlanSpec, estimate, get_plan
from congress.engine.relation import Relation
from congress.engine.values import Row

ChangeListener = Callable[[RelKey, list[Row], list[Row]], None]

_FULL_SET = PlanSpec(emit="set")
LARGE_DELTA = 1000  # below this many rows a delta is always joined, without estimating
_SET_TYPES = (set, frozenset, type({}.keys()))  # taken as they are (an isinstance of the ABC costs more)


class Dataflow:
    def __init__(self) -> None:
        self.relations: dict[RelKey, Relation] = {}
        self.base: dict[RelKey, set[Row]] = {}
        self.rules_by_head: dict[RelKey, list[CompiledRule]] = {}
        self.readers: dict[RelKey, list[tuple[CompiledRule, int]]] = {}
        self.component: dict[RelKey, int] = {}
        self.members: list[list[RelKey]] = []
        self.recursive: list[bool] = []
        self.stale: set[RelKey] = set()
        self.on_change: ChangeListener | None = None

    # -- tables ---------------------------------------------------------------
    def relation(self, key: RelKey) -> Relation:
        found = self.relations.get(key)
        if found is None:
            found = self.relations[key] = Relation(f"{key[0]}:{key[1]}")
            self.component[key] = len(self.members)
            self.members.append([key])
            self.recursive.append(False)
        return found

    def base_rows(self, key: RelKey) -> AbstractSet[Row]:
        """The stored rows of a table (its facts or datasource rows).

        Tables no rule derives (all datasource tables) keep no separate copy:
        their rows are their base.
        """
        found = self.base.get(key)
        return found if found is not None else self.relation(key).rows.keys()

    def forget(self, key: RelKey) -> bool:
        """Drop an empty table no rule reads or derives: its arity may change, and a client creating and
        deleting rules with ever new heads would otherwise grow the graph every rule change walks.
        True if it was there (plans compiled outside the rules may still hold it)."""
        relation = self.relations.get(key)
        if relation is None or relation.rows or self.readers.get(key) or self.rules_by_head.get(key):
            return False
        del self.relations[key]
        self.base.pop(key, None)
        self.readers.pop(key, None)
        self.rules_by_head.pop(key, None)
        gone = self.component.pop(key)  # a component of its own: it has no edges
        del self.members[gone], self.recursive[gone]
        for other, component in self.component.items():
            if component > gone:
                self.component[other] = component - 1
        return True

    # -- changes --------------------------------------------------------------
    def change_base(self, changes: Iterable[tuple[RelKey, Iterable[Row], Iterable[Row]]]) -> None:
        """Insert and delete base rows of tables (deletes first); rows already in that state are ignored."""
        run = _Propagation(self)
        for key, inserted, deleted in changes:
            relation = self.relation(key)
            base = self.base.get(key)
            if base is None:  # only stored rows: apply the difference right away
                rows = relation.rows
                if not rows:
                    run.apply(key, [], dict.fromkeys(inserted, 1))
                    continue
                inserted = inserted if type(inserted) in _SET_TYPES else set(inserted)
                removed = [row for row in dict.fromkeys(deleted) if row in rows and row not in inserted]
                run.apply(key, removed, dict.fromkeys(inserted.difference(rows), 1))
                continue
            inserted = inserted if type(inserted) in _SET_TYPES else set(inserted)
            removed = base.intersection(deleted)
            base.difference_update(removed)
            added = inserted.difference(base)
            base.update(added)
            run.base_changed(key, added, removed)
        run.finish()

    def add_rule(self, rule: CompiledRule, defer: bool = False) -> None:
        """Add a rule and its derivations now, or (``defer``) mark what it changes stale."""
        if not defer:
            self.settle()
        if rule.head_key not in self.base:
            self.base[rule.head_key] = set(self.relation(rule.head_key).rows)
        self.rules_by_head.setdefault(rule.head_key, []).append(rule)
        for position, literal in enumerate(rule.body):
            if literal.key is not None:
                self.relation(literal.key)
                self.readers.setdefault(literal.key, []).append((rule, position))
        self.relation(rule.head_key)
        run = _Propagation(self)
        # A new rule only adds derivations: every row stays valid, even in components it merges.
        self._restructure()
        if defer:
            self._mark_stale(rule.head_key)
            return
        head_component = self.component[rule.head_key]
        if self.recursive[head_component]:
            self._derive_all(rule, run.seeds.setdefault(rule.head_key, set()))
        else:
            get_plan(rule, FULL_COUNT, self.relation)(None, None, run.counts_of(rule.head_key), 1)
        run.schedule(head_component)
        run.finish()

    def _derive_all(self, rule: CompiledRule, out: set[Row]) -> None:
        """Every row a rule of a recursive table derives now. Driving it from all the rows of one
        literal of its own component finds them all, with the indexes its incremental plans use."""
        inside = self.members[self.component[rule.head_key]]
        for position, literal in enumerate(rule.body):
            if literal.key in inside:
                rows = list(self.relations[literal.key].rows)
                spec = PlanSpec(SEED_DRIVER, position, None, "set")
                get_plan(rule, spec, self.relation)(rows, None, out, 0)
                return
        get_plan(rule, _FULL_SET, self.relation)(None, None, out, 0)

    def _mark_stale(self, key: RelKey) -> None:
        """``key``, its component and every table downstream of them become stale."""
        pending = [key]
        while pending:
            key = pending.pop()
            if key in self.stale:
                continue
            self.stale.add(key)
            pending.extend(self.members[self.component[key]])
            pending.extend(rule.head_key for rule, _ in self.readers.get(key, ()))

    def settle(self) -> None:
        """Re-evaluate the stale tables (see the module docstring), emitting their changes."""
        if not self.stale:
            return
        run = _Propagation(self)
        stale_components = {self.component[key] for key in self.stale}
        self.stale = set()
        run.recompute.update(stale_components)
        for component in stale_components:
            run.schedule(component)
        run.finish()

    def remove_rule(self, rule: CompiledRule) -> None:
        self.settle()
        run = _Propagation(self)
        if not self.recursive[self.component[rule.head_key]]:
            get_plan(rule, FULL_COUNT, self.relation)(None, None, run.counts_of(rule.head_key), -1)
        self.rules_by_head[rule.head_key].remove(rule)
        for position, literal in enumerate(rule.body):
            if literal.key is not None:
                self.readers[literal.key].remove((rule, position))
        reshaped = self._restructure()  # a table that left a cycle needs its counts again
        head_component = self.component[rule.head_key]
        if self.recursive[head_component]:
            reshaped.add(head_component)
        run.recompute.update(reshaped)
        for component in reshaped:
            run.schedule(component)
        run.schedule(head_component)
        run.finish()

    # -- structure ------------------------------------------------------------
    def edges(self) -> dict[RelKey, set[RelKey]]:
        edges: dict[RelKey, set[RelKey]] = {}
        for head, rules in self.rules_by_head.items():
            for rule in rules:
                for literal in rule.body:
                    if literal.key is not None:
                        edges.setdefault(literal.key, set()).add(head)
        return edges

    def _restructure(self) -> set[int]:
        """Recompute components; return the (new) ids of components whose shape changed."""
        edges = self.edges()
        old = {key: (frozenset(self.members[c]), self.recursive[c]) for key, c in self.component.items()}
        ordered = components(list(self.relations), edges)
        self.members = ordered
        self.component = {key: i for i, members in enumerate(ordered) for key in members}
        self.recursive = [
            len(members) > 1 or members[0] in edges.get(members[0], ()) for members in ordered
        ]
        changed = set()
        for key, c in self.component.items():
            if old.get(key) != (frozenset(self.members[c]), self.recursive[c]):
                changed.add(c)
        return changed


class _Propagation:
    """One round of change propagation through the components, in topological order."""

    def __init__(self, flow: Dataflow) -> None:
        self.flow = flow
        self.counts: dict[RelKey, dict[Row, int]] = {}
        self.seeds: dict[RelKey, set[Row]] = {}  # rows a recursive table may gain
        self.doubtful: dict[RelKey, set[Row]] = {}  # rows a recursive table may lose
        self.recompute: set[int] = set()
        self.queue: list[int] = []
        self.queued: set[int] = set()

    def schedule(self, component: int) -> None:
        if component not in self.queued:
            self.queued.add(component)
            heapq.heappush(self.queue, component)

    def counts_of(self, key: RelKey) -> dict[Row, int]:
        found = self.counts.get(key)
        if found is None:
            found = self.counts[key] = {}
        return found

    def base_changed(self, key: RelKey, added: set[Row], removed: set[Row]) -> None:
        flow = self.flow
        if key in flow.stale:  # its base is up to date; the rest waits for settle()
            return
        component = flow.component[key]
        if flow.recursive[component]:
            self.doubtful.setdefault(key, set()).update(removed)
            self.seeds.setdefault(key, set()).update(added)
        else:
            counts = self.counts_of(key)
            for row in removed:
                counts[row] = counts.get(row, 0) - 1
            for row in added:
                counts[row] = counts.get(row, 0) + 1
        if added or removed:
            self.schedule(component)

    def finish(self) -> None:
        flow = self.flow
        while self.queue:
            component = heapq.heappop(self.queue)
            members = flow.members[component]
            if flow.recursive[component]:
                self.process_recursive(component, members)
            elif component in self.recompute:
                self.recompute_counts(members[0])
            else:
                changes = self.counts.pop(members[0], None)
                if changes:
                    self.apply_counts(members[0], changes)

    # -- non-recursive tables ---------------------------------------------------
    def apply_counts(self, key: RelKey, changes: dict[Row, int]) -> None:
        rows = self.flow.relations[key].rows
        deleted: list[Row] = []
        inserted: dict[Row, int] = {}
        for row, change in changes.items():
            if not change:
                continue
            old = rows.get(row, 0)
            new = old + change
            if old == 0:
                inserted[row] = new
            elif new == 0:
                deleted.append(row)
            else:
                rows[row] = new
        self.apply(key, deleted, inserted)

    def recompute_counts(self, key: RelKey) -> None:
        flow = self.flow
        self.counts.pop(key, None)
        target = dict.fromkeys(flow.base_rows(key), 1)
        for rule in flow.rules_by_head.get(key, ()):
            get_plan(rule, FULL_COUNT, flow.relation)(None, None, target, 1)
        rows = flow.relations[key].rows
        deleted = [row for row in rows if target.get(row, 0) <= 0]
        inserted = {}
        for row, count in target.items():
            if count <= 0:
                continue
            if row in rows:
                rows[row] = count
            else:
                inserted[row] = count
        self.apply(key, deleted, inserted)

    # -- recursive components ---------------------------------------------------
    def process_recursive(self, component: int, members: list[RelKey]) -> None:
        flow = self.flow
        relations = [flow.relations[key] for key in members]
        if component in self.recompute:
            for key in members:
                self.seeds.pop(key, None)
                self.doubtful.pop(key, None)
            old = [dict(rel.rows) for rel in relations]
            for rel in relations:
                rel.clear()
            self.evaluate_recursive(members)
            new = [rel.rows for rel in relations]  # every row is new: the relations were empty
            if len(members) == 1 and not old[0]:  # a first evaluation: readers join the rows in place
                self.apply(members[0], [], new[0].keys(), stored=True)
                return
            changes = []
            for rel, before, after in zip(relations, old, new, strict=True):
                deleted = [r for r in before if r not in after]
                inserted = [r for r in after if r not in before]
                rel.remove(inserted)  # back to the state before, touching only the difference, for
                rel.add(deleted)  # apply() to feed the readers one member at a time
                changes.append((deleted, inserted))
            for key, (deleted, inserted) in zip(members, changes, strict=True):
                self.apply(key, deleted, dict.fromkeys(inserted, 1))
        else:
            start = {key: self.seeds.pop(key, set()) for key in members}
            doubtful = {key: self.doubtful.pop(key, set()) for key in members}
            removed = {key: set() for key in members}
            if any(doubtful.values()):
                removed, start = self.delete_rederive(members, doubtful, start)
            added = self.semi_naive(members, start)
            if len(members) == 1 and not removed[members[0]]:
                # Insertions only: readers can join them in place (self-join filters see the old state).
                self.apply(members[0], [], added[0], stored=True)
                return
            for key, rel, rows in zip(members, relations, added, strict=True):
                rel.remove(list(rows))  # every member back to the state before, for apply() to feed
                rel.add(list(removed[key]))  # the readers outside the component one member at a time
            for key, rows in zip(members, added, strict=True):
                self.apply(key, list(removed[key] - rows), dict.fromkeys(rows - removed[key], 1))

    def evaluate_recursive(self, members: list[RelKey]) -> None:
        """Fill the (empty) relations of a recursive component from scratch."""
        flow = self.flow
        if len(members) == 1 and not flow.base_rows(members[0]):
            edges = closure_input(members[0], flow.rules_by_head.get(members[0], ()))
            rows = transitive_closure(flow.relations[edges].rows) if edges is not None else None
            if rows is not None:
                flow.relations[members[0]].add_counted(rows)
                return
        start = {key: set(flow.base_rows(key)) for key in members}
        for key in members:
            for rule in flow.rules_by_head.get(key, ()):
                if not any(lit.key in start for lit in rule.body):  # the others wait for semi-naive
                    get_plan(rule, _FULL_SET, flow.relation)(None, None, start[key], 0)
        self.semi_naive(members, start, collect=False)

    def delete_rederive(
        self, members: list[RelKey], doubtful: dict[RelKey, set[Row]], seeds: dict[RelKey, set[Row]]
    ) -> tuple[dict[RelKey, set[Row]], dict[RelKey, set[Row]]]:
        """DRed: remove every row that may have lost its derivations (and what they derive in
        the component), then keep as seeds those still derivable, plus the seeds that still hold.
        Returns the removed rows and the seeds for semi-naive insertion."""
        flow = self.flow
        inside = set(members)
        removed = {key: set() for key in members}
        delta = doubtful
        while True:
            delta = {
                k: {r for r in rows.difference(removed[k]) if r in flow.relations[k].rows}
                for k, rows in delta.items()
            }
            delta = {k: rows for k, rows in delta.items() if rows}
            if not delta:
                break
            derived: dict[RelKey, set[Row]] = {}
            for key, rows in delta.items():
                removed[key] |= rows
                for rule, position in flow.readers.get(key, ()):
                    if rule.head_key in inside:
                        out = derived.setdefault(rule.head_key, set())
                        spec = PlanSpec(SEED_DRIVER, position, None, "set")
                        get_plan(rule, spec, flow.relation)(list(rows), None, out, 0)
            delta = derived
        for key, rows in removed.items():
            flow.relations[key].remove(list(rows))
        start = {
            key: {row for row in removed[key] | seeds.get(key, set()) if self.derivable(key, row)}
            for key in members
        }
        return removed, start

    def derivable(self, key: RelKey, row: Row) -> bool:
        """Whether ``row`` is stored or has a derivation in the current state."""
        flow = self.flow
        if row in flow.base_rows(key):
            return True
        spec = PlanSpec(SEED_HEAD, emit="exists")
        rules = flow.rules_by_head[key]
        return any(get_plan(rule, spec, flow.relation)([row], None, None, 0) for rule in rules)

    def semi_naive(
        self, members: list[RelKey], start: dict[RelKey, set[Row]], collect: bool = True
    ) -> list[set[Row]]:
        """Add ``start`` and everything it derives inside the component; return what was added
        (unless not ``collect``: empty sets then)."""
        flow = self.flow
        inside = set(members)
        added = {key: set() for key in members}
        delta = start
        while True:
            delta = {k: rows.difference(flow.relations[k].rows) for k, rows in delta.items()}
            delta = {k: rows for k, rows in delta.items() if rows}
            if not delta:
                break
            for key, rows in delta.items():
                flow.relations[key].add(rows)
                if collect:
                    added[key] |= rows
            derived: dict[RelKey, set[Row]] = {}
            for key, rows in delta.items():
                for rule, position in flow.readers.get(key, ()):
                    if rule.head_key in inside:
                        spec = PlanSpec(SEED_DRIVER, position, None, "set")
                        out = derived.setdefault(rule.head_key, set())
                        get_plan(rule, spec, flow.relation)(rows, None, out, 0)
            delta = derived
        return [added[key] for key in members]

    # -- applying a table's change and feeding its readers ------------------------
    def apply(
        self,
        key: RelKey,
        deleted: list[Row],
        inserted: dict[Row, int] | AbstractSet[Row],
        stored: bool = False,
    ) -> None:
        """Change a table and feed its readers. ``inserted`` maps new rows to their counts, or (``stored``:
        they are in the table already) is just the set of them."""
        if not deleted and not inserted:
            return
        flow = self.flow
        relation = flow.relations[key]
        component = flow.component[key]
        readers = [(r, p) for r, p in flow.readers.get(key, ()) if flow.component[r.head_key] != component]
        if deleted:
            removed = set(deleted)
            for rule, position in readers:
                self.feed(rule, position, deleted, removed, deleting=True)
            relation.remove(deleted)
        rows: list[Row] = []
        if inserted:
            if not stored:
                relation.add_counted(inserted)
            rows = list(inserted)
            for rule, position in readers:
                self.feed(rule, position, rows, inserted, deleting=False)
        if flow.on_change is not None:
            flow.on_change(key, rows, deleted)

    def feed(
        self, rule: CompiledRule, position: int, rows: list[Row], rowset: set[Row], deleting: bool
    ) -> None:
        flow = self.flow
        head = rule.head_key
        if head in flow.stale:
            return
        component = flow.component[head]
        self.schedule(component)
        spec, set_spec, sign = _feed_specs(rule, position, deleting)
        if flow.recursive[component]:
            if component not in self.recompute:
                out = (self.doubtful if sign < 0 else self.seeds).setdefault(head, set())
                get_plan(rule, set_spec, flow.relation)(rows, None, out, 0)
            return
        if component in self.recompute:
            return
        if len(rows) > LARGE_DELTA and (
            estimate(rule, spec, flow.relation, len(rows)) > estimate(rule, FULL_COUNT, flow.relation, 1)
        ):
            self.recompute.add(component)  # evaluating the head afresh is cheaper than joining this delta
            return
        get_plan(rule, spec, flow.relation)(rows, rowset, self.counts_of(head), sign)


def _feed_specs(rule: CompiledRule, position: int, deleting: bool) -> tuple[PlanSpec, PlanSpec, int]:
    """The plans a change of body literal ``position`` drives (counting, and set for recursive heads) and
    the sign of what they derive: negative when the head loses derivations. Cached on the rule."""
    found = rule.feeds.get((position, deleting))
    if found is None:
        key = rule.body[position].key
        shared = sum(1 for lit in rule.body if lit.key == key) > 1
        spec = PlanSpec(SEED_DRIVER, position, ("before" if deleting else "after") if shared else None)
        sign = -1 if deleting else 1
        if rule.body[position].kind == NEGATIVE:
            sign = -sign
        set_spec = PlanSpec(SEED_DRIVER, position, None, "set")
        found = rule.feeds[(position, deleting)] = (spec, set_spec, sign)
    return found
