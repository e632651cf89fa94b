"""Builtin outputs bind the inputs of further builtins, however long the chain (finding F8)."""

from __future__ import annotations

import pytest

from congress.datalog.checks import check_rule
from congress.datalog.parser import parse_rule
from congress.exceptions import PolicySyntaxError


def check(text: str) -> None:
    check_rule(parse_rule(text))


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 6])
def test_chains_of_builtin_outputs_are_safe(depth):
    steps = [f"builtin:concat(v{i}, 'x', v{i + 1})" for i in range(depth)]
    check(f"p(v{depth}) :- q(v0), {', '.join(steps)}")
    check(f"p(v{depth}) :- {', '.join(reversed(steps))}, q(v0)")  # body order does not matter


def test_the_library_json_builder_is_safe():
    """TagBasedNetworkSecurityZone's rule: four concats, each taking the previous one's output."""
    check(
        "execute[neutronv2:create_security_group(json)] :- zone_missing_sg(zone), "
        "admin_project_id(project_id), "
        'builtin:concat(\'{"security_group": {"name": "\', zone, j1), '
        'builtin:concat(j1, \'", "project_id": "\', j2), '
        "builtin:concat(j2, project_id, j3), "
        'builtin:concat(j3, \'", "description": "security group for security zone"}}\', json)'
    )


def test_an_unbound_chain_is_still_unsafe():
    with pytest.raises(PolicySyntaxError, match="unsafe"):
        check(
            "p(v3) :- q(v0), builtin:concat(v0, 'x', v1), "
            "builtin:concat(w, 'x', v2), builtin:concat(v2, 'x', v3)"
        )
