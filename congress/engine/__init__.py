"""The policy engine: incremental Datalog evaluation over indexed relations.

``PolicyEngine`` implements ``interface.PolicyEngineProtocol``; ``render_proof``
prints ``explain``'s proof trees as an indented text tree.

How it is built, one module per job:

* ``values``: rows are plain tuples; only integral floats are wrapped
  (``IFloat``) so that ``3`` and ``3.0`` never meet in a set, index or join.
* ``relation``: a table's rows (row -> derivation count) with hash indexes on
  the column sets plans ask for, maintained on every change.
* ``compiled`` / ``plan``: rules resolved to table keys and builtins, ordered
  by what is bound, and compiled to nested Python loops (one function per
  rule, seed and purpose, cached on the rule).
* ``graph`` / ``dataflow``: all policies' tables in one graph, processed by
  strongly connected components in topological order; counting for
  non-recursive tables, semi-naive insertion and delete-and-rederive for
  recursive ones (``materialized``/``z3`` policies). Rules added while nobody
  listens leave their tables stale until the first read evaluates them once.
* ``closure``: that evaluation of a table that is a plain transitive closure
  of another, with set unions per node instead of joins per row.
* ``policy`` / ``engine``: policies, rule bookkeeping and checks, datasource
  data, the streams of table deltas and execution requests.
* ``query``, ``simulate``, ``explain``: reading, what-if, and why.
"""

from congress.engine.engine import PolicyEngine
from congress.engine.explain import render as render_proof

__all__ = ["PolicyEngine", "render_proof"]
