"""/v1/policies and its element actions: simulate, query (extension) and execute (contract §5.2)."""

from __future__ import annotations

from webob import Request, Response

from congress.api.router import Router
from congress.api.webutils import created, flag, json_body, json_object, reply
from congress.service.container import Services
from congress.service.errors import BadRequest, NamedError
from congress.service.validation import check_fields

SIMULATE_FIELDS = ("query", "sequence", "action_policy")
EXECUTE_FIELDS = ("name", "args")


def register(router: Router, services: Services) -> None:
    policies = services.policies
    library = services.library

    def list_(req: Request, params: dict[str, str]) -> Response:
        return reply({"results": policies.list_policies()})

    def create(req: Request, params: dict[str, str]) -> Response:
        library_id = req.GET.get("library_policy")
        if library_id is None:
            return created(req, policies.create_policy(json_object(req)))
        body = json_body(req, optional=True)
        if body not in ({}, None):
            raise BadRequest("A policy created from a library policy takes an empty body: {}")
        template = library.get(library_id, include_rules=True)
        del template["id"]
        return created(req, policies.create_policy(template))

    def show(req: Request, params: dict[str, str]) -> Response:
        return reply(policies.get_policy(params["policy"]))

    def delete(req: Request, params: dict[str, str]) -> Response:
        return reply(policies.delete_policy(params["policy"]))

    def simulate(req: Request, params: dict[str, str]) -> Response:
        body = json_object(req)
        missing = [k for k in SIMULATE_FIELDS if not isinstance(body.get(k), str)]
        if missing:
            raise NamedError("incomplete_simulate_args")
        check_fields(body, SIMULATE_FIELDS, "simulate request")
        answers, trace = policies.simulate(
            params["policy"],
            body["query"],
            body["sequence"],
            body["action_policy"],
            delta=flag(req, "delta"),
            trace=flag(req, "trace"),
        )
        result: dict[str, object] = {"result": answers}
        if trace is not None:
            result["trace"] = trace
        return reply(result)

    def query(req: Request, params: dict[str, str]) -> Response:
        body = json_object(req)
        if not isinstance(body.get("query"), str):
            raise BadRequest('query requires a body {"query": "<literal or rule>"}')
        check_fields(body, ("query",), "query request")
        return reply({"result": policies.query(params["policy"], body["query"])})

    def execute(req: Request, params: dict[str, str]) -> Response:
        body = json_object(req)
        name = body.get("name")
        if not isinstance(name, str) or name.count(":") != 1:
            raise NamedError("service_action_syntax")
        check_fields(body, EXECUTE_FIELDS, "execute request")
        service, action = name.split(":")
        positional, named = parse_action_args(body.get("args"))
        policies.execute(params["policy"], service, action, positional, named)
        return reply({})

    router.collection("/v1/policies", "policy", get=list_, post=create)
    router.element(
        "/v1/policies/{policy}",
        "policy",
        get=show,
        delete=delete,
        actions={"simulate": simulate, "query": query, "execute": execute},
        read_actions=frozenset({"simulate", "query"}),
    )


def parse_action_args(args: object) -> tuple[list, dict]:
    """``{"positional": [...], "named": {...}}`` (both optional) -> (positional, named)."""
    if args is None:
        return [], {}
    if not isinstance(args, dict):
        raise NamedError("execute_action_args_syntax")
    positional = args.get("positional", [])
    named = args.get("named", {})
    if not isinstance(positional, list) or not isinstance(named, dict) or set(args) - {"positional", "named"}:
        raise NamedError("execute_action_args_syntax")
    return positional, named
