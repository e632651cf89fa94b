"""The policy engine: incremental Datalog evaluation over indexed relations.

``PolicyEngine`` implements ``interface.PolicyEngineProtocol``; ``render_proof``
prints ``explain``'s proof trees.
"""

from congress.engine.engine import PolicyEngine
from congress.engine.explain import render as render_proof

__all__ = ["PolicyEngine", "render_proof"]
