"""Only the C extension lives here; everything else is in pyproject.toml.

congress.engine._closure is the engine's transitive closure in C. It is optional: without a C compiler the
install goes on and congress/engine/closure.py computes closures in Python.
"""

from setuptools import Extension, setup

closure = Extension("congress.engine._closure", ["congress/engine/_closure.c"], extra_compile_args=["-O2"],
                    optional=True)
setup(ext_modules=[closure])
