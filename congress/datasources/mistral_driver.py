"""Mistral (workflow v2): workflows, actions, workflow executions and action executions.

Mistral returns ``input``, ``params`` and similar fields as JSON text; they are kept as that text.
As mistralclient did, one GET per table reads the server's default page.
"""

from __future__ import annotations

from typing import Any

from congress.datasources import translator as tr
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service


def _without(args: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in args.items() if k != name}


WORKFLOWS = tr.HDict(
    table="workflows",
    selector="dot",
    fields=tr.fields(
        "name",
        "id",
        "scope",
        "input",
        "namespace",
        "project_id",
        "created_at",
        "updated_at",
        "definition",
        "description",
    ),
)
ACTIONS = tr.HDict(
    table="actions",
    selector="dot",
    fields=tr.fields(
        "id", "name", "input", "created_at", "updated_at", "is_system", "definition", "description", "scope"
    ),
)
WORKFLOW_EXECUTIONS = tr.HDict(
    table="workflow_executions",
    selector="dot",
    fields=tr.fields(
        "id",
        "workflow_name",
        "input",
        "created_at",
        "updated_at",
        "state",
        "state_info",
        "description",
        "workflow_id",
        "workflow_namespace",
        "params",
    ),
)
ACTION_EXECUTIONS = tr.HDict(
    table="action_executions",
    selector="dot",
    fields=tr.fields(
        "id",
        "name",
        "state_info",
        "workflow_name",
        "task_execution_id",
        "task_name",
        "description",
        "input",
        "created_at",
        "updated_at",
        "accepted",
        "state",
        "workflow_namespace",
    ),
)


class MistralDriver(OpenStackDriver):
    driver_id = "mistral"
    description = "Datasource driver that interfaces with Mistral."
    translators = (WORKFLOWS, ACTIONS, WORKFLOW_EXECUTIONS, ACTION_EXECUTIONS)
    service = Service(("workflowv2",), version="v2")
    listings = {
        "workflows": Listing("/workflows", "workflows"),
        "actions": Listing("/actions", "actions"),
        "workflow_executions": Listing("/executions", "executions"),
        "action_executions": Listing("/action_executions", "action_executions"),
    }
    rest_actions = {
        "executions.create": RestAction(
            "POST",
            "/executions",
            ("workflow_identifier",),
            lambda a: {"workflow_name": a["workflow_identifier"], **_without(a, "workflow_identifier")},
            "Start a workflow execution (named args: input, params as JSON text)",
        ),
        "executions.delete": RestAction(
            "DELETE", "/executions/{execution}", ("execution",), description="Delete an execution"
        ),
        "workflows.delete": RestAction(
            "DELETE", "/workflows/{workflow}", ("workflow",), description="Delete a workflow"
        ),
        "action_executions.delete": RestAction(
            "DELETE",
            "/action_executions/{execution}",
            ("execution",),
            description="Delete an action execution",
        ),
    }
