"""/v1/policies/{policy}/rules, a rule, and the policy and rule status documents (contract §5.3, §5.6)."""

from __future__ import annotations

from webob import Request, Response

from congress.api.router import Router
from congress.api.webutils import created, json_object, reply
from congress.service.container import Services
from congress.service.errors import BadRequest
from congress.service.validation import check_fields

RULE_FIELDS = ("rule", "name", "comment")


def register(router: Router, services: Services) -> None:
    policies = services.policies

    def list_(req: Request, params: dict[str, str]) -> Response:
        return reply({"results": policies.list_rules(params["policy"])})

    def create(req: Request, params: dict[str, str]) -> Response:
        body = json_object(req)
        check_fields(body, RULE_FIELDS, "rule")
        text = body.get("rule")
        name = body.get("name")
        comment = body.get("comment")
        if not isinstance(text, str):
            raise BadRequest('A rule must be given as a string: {"rule": "p(x) :- q(x)"}')
        if (
            name is not None
            and not isinstance(name, str)
            or comment is not None
            and not isinstance(comment, str)
        ):
            raise BadRequest("Rule name and comment must be strings")
        return created(req, policies.create_rule(params["policy"], text, name=name, comment=comment or ""))

    def show(req: Request, params: dict[str, str]) -> Response:
        return reply(policies.get_rule(params["policy"], params["rule"]))

    def delete(req: Request, params: dict[str, str]) -> Response:
        return reply(policies.delete_rule(params["policy"], params["rule"]))

    def policy_status(req: Request, params: dict[str, str]) -> Response:
        return reply(policies.policy_status(params["policy"]))

    def rule_status(req: Request, params: dict[str, str]) -> Response:
        return reply(policies.rule_status(params["policy"], params["rule"]))

    router.collection("/v1/policies/{policy}/rules", "policy_rule", get=list_, post=create)
    router.element("/v1/policies/{policy}/rules/{rule}", "policy_rule", get=show, delete=delete)
    router.element("/v1/policies/{policy}/status", "policy_status", get=policy_status)
    router.element("/v1/policies/{policy}/rules/{rule}/status", "policy_status", get=rule_status)
