"""Authorization with oslo.policy: reads for any authenticated user, writes for admins.

Every route checks ``<resource>:<operation>`` (``policy:get``, ``policy:create``,
``policy:simulate``, ``datasource_row:replace``...), each defaulting to
``rule:reader`` or ``rule:admin``; deployers override any of them in the
policy file (``[oslo_policy] policy_file``). A denial is 403 in the JSON error
shape. ``python -m congress.api.authz`` prints every rule with its default, as
a sample policy file.
"""

from __future__ import annotations

from collections.abc import Iterable

from oslo_config import cfg
from oslo_context import context
from oslo_policy import policy
from webob import Request

from congress.exceptions import CongressError

BASE_RULES = (
    policy.RuleDefault("admin", "role:admin", description="Who may change anything."),
    policy.RuleDefault("reader", "", description="Who may read: any authenticated user."),
)


class Forbidden(CongressError):
    code = "forbidden"


def route_rules(rules: Iterable[tuple[str, bool]]) -> list[policy.RuleDefault]:
    return [
        policy.RuleDefault(
            name, "rule:reader" if read else "rule:admin", description="read" if read else "write"
        )
        for name, read in rules
    ]


class Authorizer:
    """The router's ``authorize`` callback for the keystone strategy."""

    def __init__(self, conf: cfg.ConfigOpts, rules: Iterable[tuple[str, bool]]) -> None:
        self._enforcer = policy.Enforcer(conf)
        self._enforcer.register_defaults([*BASE_RULES, *route_rules(rules)])

    def __call__(self, req: Request, rule: str, read: bool) -> None:
        creds = context.RequestContext.from_environ(req.environ).to_policy_values()
        if not self._enforcer.enforce(rule, {}, creds):
            raise Forbidden(f"Policy doesn't allow {rule} to be performed.")


def sample(rules: Iterable[tuple[str, bool]]) -> str:
    """A policy file listing every rule with its default, commented out."""
    lines = ["# Congress API authorization rules (oslo.policy). Uncomment a rule to change it.", ""]
    for default in [*BASE_RULES, *route_rules(rules)]:
        lines.append(f"# {default.description}")
        lines.append(f'#"{default.name}": "{default.check_str}"')
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    from congress.api.app import route_table

    print(sample(route_table()), end="")
