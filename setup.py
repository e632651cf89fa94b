"""Only the C extensions live here; everything else is in pyproject.toml.

Three accelerators of the engine, all optional: without a C compiler the install goes on and the engine does
the same work in Python.
- congress.engine._closure: the transitive closure of a table (congress/engine/closure.py);
- congress.engine._join: a rule's full, counted evaluation (congress/engine/native_plan.py);
- congress.engine._index: building an index over a whole table (congress/engine/relation.py).
"""

from setuptools import Extension, setup


def accelerator(name: str) -> Extension:
    return Extension(f"congress.engine.{name}", [f"congress/engine/{name}.c"], extra_compile_args=["-O2"],
                     optional=True)


setup(ext_modules=[accelerator("_closure"), accelerator("_join"), accelerator("_index")])
