"""Join plans: a rule body ordered for evaluation and compiled to Python code.

A plan starts from a *seed* -- nothing, the rows of a delta of one body literal
(the driver), or head rows -- and visits the other literals in an order chosen
from what is bound: builtins and negations as soon as their inputs are bound,
then the positive literal with the most bound columns (a membership test when
all are bound, an index lookup when some are, a scan otherwise). The order is
turned into nested ``for`` loops over tuples, compiled once with ``exec``: no
per-row objects besides the tuples themselves.

Every plan is called as ``run(delta, dset, out, sign)``:

* ``delta``: the seed rows (ignored when there is no seed);
* ``dset``: the rows of the delta as a set, for *self-join filters*: when the
  driver's relation occurs again in the body, the other occurrences on the
  ``filter`` side see the relation without the delta (see ``dataflow``);
* ``out`` and ``sign``: where results go, per ``emit``:
  ``count`` adds ``sign`` to ``out[head_row]``; ``set`` adds head rows to the set
  ``out``; ``bindings`` appends the tuple of all body variables (in
  ``CompiledRule.variables()`` order) to the list ``out``; ``exists`` returns
  True at the first derivation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from congress.datalog.ast import Constant, Variable
from congress.engine.compiled import BUILTIN, NEGATIVE, POSITIVE, CompiledRule, Literal, RelKey
from congress.engine.native_plan import full_count_plan
from congress.engine.relation import Relation
from congress.engine.values import norm, plain
from congress.exceptions import PolicySyntaxError

Plan = Callable[..., object]
RelationOf = Callable[[RelKey], Relation]

SEED_NONE, SEED_DRIVER, SEED_HEAD = "none", "driver", "head"


@dataclass(frozen=True, slots=True)
class PlanSpec:
    seed: str = SEED_NONE
    driver: int | None = None
    filter: str | None = None  # "before" | "after": which other occurrences of the driver see no delta
    emit: str = "count"


FULL_COUNT = PlanSpec(emit="count")  # every derivation, counted: run in C where it can (native_plan)


def get_plan(rule: CompiledRule, spec: PlanSpec, relation_of: RelationOf) -> Plan:
    """The compiled plan for ``spec``, cached on the rule."""
    plan = rule.plans.get(spec)
    if plan is None:
        if spec == FULL_COUNT:
            plan = full_count_plan(rule, order_body(rule, set()), relation_of)
        if plan is None:
            plan = python_plan(rule, spec, relation_of)
        rule.plans[spec] = plan
    return plan


def python_plan(rule: CompiledRule, spec: PlanSpec, relation_of: RelationOf) -> Plan:
    """The plan for ``spec`` as generated Python (not cached)."""
    return _Generator(rule, spec, relation_of).build()


def order_body(rule: CompiledRule, bound: set[str], skip: int | None = None) -> list[int]:
    """Greedy evaluation order of the body literals (indexes), given bound variables."""
    bound = set(bound)
    remaining = [i for i in range(len(rule.body)) if i != skip]
    order: list[int] = []
    while remaining:
        choice = _next_literal(rule.body, remaining, bound)
        if choice is None:
            unsafe = ", ".join(str(rule.body[i].atom) for i in remaining)
            raise PolicySyntaxError(f"Could not order rule {rule.rule}: unsafe literals {unsafe}")
        remaining.remove(choice)
        order.append(choice)
        lit = rule.body[choice]
        if lit.kind != NEGATIVE:
            bound.update(lit.variables())
    return order


def estimate(rule: CompiledRule, spec: PlanSpec, relation_of: RelationOf, seed_rows: int) -> float:
    """Rough number of rows a plan visits: each positive literal multiplies by its expected matches."""
    if spec.seed == SEED_DRIVER:
        bound = set(rule.body[spec.driver].variables())
    elif spec.seed == SEED_HEAD:
        bound = {t.name for t in rule.head_args if isinstance(t, Variable)}
    else:
        bound = set()
    width = float(seed_rows)
    total = width
    skip = spec.driver if spec.seed == SEED_DRIVER else None
    for position in order_body(rule, bound, skip):
        lit = rule.body[position]
        if lit.kind == POSITIVE:
            relation = relation_of(lit.key)
            columns = tuple(c for c, t in enumerate(lit.args) if isinstance(t, Constant) or t.name in bound)
            if not columns:
                width *= len(relation.rows)
            elif len(columns) < len(lit.args) and relation.rows:
                index = relation.indexes.get(columns)  # not built just to estimate: count distinct keys
                keys = len(index) if index is not None else len(set(map(itemgetter(*columns), relation.rows)))
                width *= len(relation.rows) / keys
            total += width
            bound.update(lit.variables())
    return total


def _next_literal(body: tuple[Literal, ...], remaining: list[int], bound: set[str]) -> int | None:
    best, best_score = None, None
    for i in remaining:
        lit = body[i]
        if lit.kind == BUILTIN:
            inputs = lit.args[: lit.builtin.num_inputs]
            inputs_bound = all(not isinstance(t, Variable) or t.name in bound for t in inputs)
            if inputs_bound and (not lit.negated or all(v in bound for v in lit.variables())):
                return i
            continue
        if lit.kind == NEGATIVE:
            if all(v in bound for v in lit.variables()):
                return i
            continue
        n_bound = sum(1 for t in lit.args if not isinstance(t, Variable) or t.name in bound)
        score = (n_bound == len(lit.args) and n_bound > 0, n_bound)
        if best_score is None or score > best_score:
            best, best_score = i, score
    return best


def _needed_variables(rule: CompiledRule, all_of_them: bool) -> set[str]:
    """Variables whose value is used: in the head, or in two places of the body (a join or a check)."""
    seen: dict[str, int] = {}
    for lit in rule.body:
        for name in lit.variables():
            seen[name] = seen.get(name, 0) + 1
    needed = {name for name, count in seen.items() if count > 1 or all_of_them}
    needed.update(t.name for t in rule.head_args if isinstance(t, Variable))
    return needed


class _Generator:
    def __init__(self, rule: CompiledRule, spec: PlanSpec, relation_of: RelationOf) -> None:
        self.rule = rule
        self.spec = spec
        self.relation_of = relation_of
        self.objects: list[object] = []
        self.lines: list[str] = []
        self.names: dict[str, str] = {}  # rule variable -> python local
        self.depth = 1
        self.rows = 0
        self.needed = _needed_variables(rule, spec.emit == "bindings")
        self.hoisted: list[str] = []  # lines run once before the loops
        self.head_row: str | None = None  # a row variable holding exactly the head tuple, to reuse

    # -- helpers ------------------------------------------------------------
    def obj(self, value: object) -> str:
        self.objects.append(value)
        return f"k{len(self.objects) - 1}"

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def row_var(self) -> str:
        self.rows += 1
        return f"r{self.rows}"

    def expr(self, term) -> str:
        if isinstance(term, Constant):
            value = term.value
            if type(value) is int and abs(value) < 1 << 60 or type(value) is str and value.isidentifier():
                return repr(value)
            return self.obj(value)
        return self.names[term.name]

    def input_expr(self, term) -> str:
        """A builtin input: builtins see plain values (``equal(1, 1.0)`` holds)."""
        if isinstance(term, Constant):
            return self.expr(Constant(plain(term.value)))
        return f"_p({self.names[term.name]})"

    def is_bound(self, term) -> bool:
        return not isinstance(term, Variable) or term.name in self.names

    def tuple_expr(self, exprs: list[str]) -> str:
        if len(exprs) == 1:
            return f"({exprs[0]},)"
        return f"({', '.join(exprs)})"

    def bind_row(self, row: str, args, skip_columns: frozenset[int] = frozenset()) -> None:
        """Bind/check the columns of ``row`` against ``args`` (columns in skip_columns already matched)."""
        if self.unpackable(args, skip_columns):
            self.emit(f"{self.unpack_targets(args, skip_columns)} = {row}")
            return
        for col, term in enumerate(args):
            if col in skip_columns:
                continue
            if isinstance(term, Variable) and term.name not in self.names:
                if term.name in self.needed:
                    local = f"v{len(self.names)}"
                    self.names[term.name] = local
                    self.emit(f"{local} = {row}[{col}]")
            else:
                self.emit(f"if {row}[{col}] != {self.expr(term)}: continue")

    def unpackable(self, args, skip_columns: frozenset[int]) -> bool:
        """Whether one tuple unpacking binds the row best: every column not already matched a new, distinct
        variable, at least half of the columns used (unpacking stores every column; indexing costs more
        per column)."""
        free = [t for c, t in enumerate(args) if c not in skip_columns]
        if not all(isinstance(t, Variable) and t.name not in self.names for t in free):
            return False
        names = [t.name for t in free]
        return len(set(names)) == len(names) and 2 * sum(n in self.needed for n in names) >= len(args)

    def is_head_row(self, args, matched: frozenset[int]) -> bool:
        """Whether rows of this literal are the head's tuples themselves (``p(x, y) :- q(x, y), ...``)."""
        return (self.head_row is None and not matched and tuple(args) == tuple(self.rule.head_args)
                and self.unpackable(args, matched))

    def unpack_targets(self, args, skip_columns: frozenset[int]) -> str:
        """``v0, _, v1,``: binds the needed variables (see ``unpackable``)."""
        targets = []
        for col, term in enumerate(args):
            if col not in skip_columns and term.name in self.needed:
                targets.append(f"v{len(self.names)}")
                self.names[term.name] = targets[-1]
            else:
                targets.append("_")
        return ", ".join(targets) + ","

    # -- literals -------------------------------------------------------------
    def filtered(self, position: int) -> bool:
        spec = self.spec
        if spec.filter is None or spec.driver is None or position == spec.driver:
            return False
        if self.rule.body[position].key != self.rule.body[spec.driver].key:
            return False
        return position < spec.driver if spec.filter == "before" else position > spec.driver

    def positive(self, position: int, lit: Literal) -> None:
        relation = self.relation_of(lit.key)
        bound_cols = tuple(c for c, t in enumerate(lit.args) if self.is_bound(t))
        if bound_cols and len(bound_cols) == len(lit.args):
            rows = self.obj(relation.rows)
            row = self.row_var()
            self.emit(f"{row} = {self.tuple_expr([self.expr(t) for t in lit.args])}")
            self.emit(f"if {row} not in {rows}: continue")
            if self.filtered(position):
                self.emit(f"if {row} in dset: continue")
        elif bound_cols:
            index = self.obj(relation.index(bound_cols))
            exprs = [self.expr(lit.args[c]) for c in bound_cols]
            key = exprs[0] if len(exprs) == 1 else self.tuple_expr(exprs)
            self.hoisted.append(f"    g{index} = {index}.get")
            self.loop(position, lit.args, f"g{index}({key}, ())", frozenset(bound_cols))
        else:
            self.loop(position, lit.args, self.obj(relation.rows), frozenset())

    def loop(self, position: int, args, rows: str, matched: frozenset[int]) -> None:
        """``for`` over candidate rows binding ``args`` (columns in ``matched`` already match); the row is
        unpacked in the loop header when nothing else needs it."""
        is_head = self.is_head_row(args, matched)
        if not is_head and not self.filtered(position) and self.unpackable(args, matched):
            self.emit(f"for {self.unpack_targets(args, matched)} in {rows}:")
            self.depth += 1
            return
        row = self.row_var()
        self.emit(f"for {row} in {rows}:")
        self.depth += 1
        self.bind_row(row, args, matched)
        if is_head:
            self.head_row = row
        if self.filtered(position):
            self.emit(f"if {row} in dset: continue")

    def negative(self, position: int, lit: Literal) -> None:
        relation = self.relation_of(lit.key)
        rows = self.obj(relation.rows)
        if not all(self.is_bound(t) for t in lit.args):
            raise PolicySyntaxError(f"Negated literal {lit.atom} has unbound variables")
        row = self.row_var()
        self.emit(f"{row} = {self.tuple_expr([self.expr(t) for t in lit.args])}")
        if self.filtered(position):
            self.emit(f"if {row} in {rows} and {row} not in dset: continue")
        else:
            self.emit(f"if {row} in {rows}: continue")

    def builtin(self, lit: Literal) -> None:
        builtin = lit.builtin
        evaluate = self.obj(builtin.evaluate)
        inputs = [self.input_expr(t) for t in lit.args[: builtin.num_inputs]]
        outputs = lit.args[builtin.num_inputs:]
        call = f"{evaluate}({self.tuple_expr(inputs) if inputs else '()'})"
        if lit.negated:
            checks = [f"_n(_o[{j}]) == {self.expr(t)}" for j, t in enumerate(outputs) if self.is_bound(t)]
            condition = " and ".join(["_o is not None", *checks])
            self.emit(f"_o = {call}")
            self.emit(f"if {condition}: continue")
            return
        self.emit(f"_o = {call}")
        self.emit("if _o is None: continue")
        for j, term in enumerate(outputs):
            if isinstance(term, Variable) and term.name not in self.names:
                local = f"v{len(self.names)}"
                self.names[term.name] = local
                self.emit(f"{local} = _n(_o[{j}])")
            else:
                self.emit(f"if _n(_o[{j}]) != {self.expr(term)}: continue")

    # -- the whole plan -------------------------------------------------------
    def build(self) -> Plan:
        rule, spec = self.rule, self.spec
        if spec.seed == SEED_DRIVER:
            self.emit("for r0 in delta:")
            self.depth += 1
            if self.is_head_row(rule.body[spec.driver].args, frozenset()):
                self.head_row = "r0"
            self.bind_row("r0", rule.body[spec.driver].args)
            skip = spec.driver
        elif spec.seed == SEED_HEAD:
            self.emit("for r0 in delta:")
            self.depth += 1
            self.bind_row("r0", rule.head_args)
            skip = None
        else:
            self.emit("for r0 in _one:")
            self.depth += 1
            skip = None
        counted_at = None  # depth of the loop after which derivations are counted (see finish)
        for position in order_body(rule, set(self.names), skip):
            lit = rule.body[position]
            if counted_at is None and spec.emit == "count" and self.head_bound() and self.opens_loop(lit):
                counted_at = self.depth
                self.emit("_c = 0")
            if lit.kind == POSITIVE:
                self.positive(position, lit)
            elif lit.kind == NEGATIVE:
                self.negative(position, lit)
            else:
                self.builtin(lit)
        self.finish(counted_at)
        return self.compile()

    def head_bound(self) -> bool:
        return all(self.is_bound(t) for t in self.rule.head_args)

    def opens_loop(self, lit: Literal) -> bool:
        return lit.kind == POSITIVE and not all(self.is_bound(t) for t in lit.args)

    def finish(self, counted_at: int | None) -> None:
        """Emit the result. When the head is bound before the last loops open, ``count`` plans
        count the derivations in those loops and update the head's count once after them."""
        emit = self.spec.emit
        if emit in ("count", "set"):
            head_args = self.rule.head_args
            head = self.tuple_expr([self.expr(t) for t in head_args]) if head_args else "()"
            head = self.head_row or head
            if emit == "count" and counted_at is not None:
                self.emit("_c += 1")
                self.depth = counted_at
                self.emit("if _c:")
                self.depth += 1
                self.emit(f"h = {head}")
                self.emit("out[h] = _get(h, 0) + sign * _c")
            elif emit == "count":
                self.emit(f"h = {head}")
                self.emit("out[h] = _get(h, 0) + sign")
            else:
                self.emit(f"_add({head})")
        elif emit == "bindings":
            names = [self.names[v] for v in self.rule.variables()]
            self.emit(f"_append({self.tuple_expr(names) if names else '()'})")
        else:
            self.emit("return True")

    def compile(self) -> Plan:
        params = ", ".join(f"k{i}" for i in range(len(self.objects)))
        prologue = {
            "count": "    _get = out.get",
            "set": "    _add = out.add",
            "bindings": "    _append = out.append",
            "exists": "",
        }[self.spec.emit]
        source = "\n".join(
            [
                f"def _make({params}):",
                "  def run(delta, dset, out, sign):",
                prologue,
                *self.hoisted,
                *self.lines,
                "    return False" if self.spec.emit == "exists" else "    return None",
                "  return run",
            ]
        )
        namespace = {"_p": plain, "_n": norm, "_one": (None,)}
        exec(compile(source, f"<plan {self.rule.rule}>", "exec"), namespace)  # noqa: S102
        run = namespace["_make"](*self.objects)
        run.source = source
        return run
