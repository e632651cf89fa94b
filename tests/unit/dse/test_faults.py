"""Remote exceptions: CongressErrors come back as the same (or nearest known) class, others as RemoteError."""

from __future__ import annotations

import json

import pytest

from congress.datasources.base import ActionError
from congress.dse import codec
from congress.dse.bus import RemoteError
from congress.dse.faults import describe, rebuild
from congress.exceptions import CongressError, PolicyNotExists, PolicySyntaxError
from congress.service.errors import NamedError


def over_the_wire(exc: BaseException) -> Exception:
    """What the calling process raises for ``exc`` raised by the serving one."""
    info = codec.decode(json.loads(json.dumps(codec.encode(describe(exc)))))
    return rebuild("svc", "op", info)


def test_a_congress_error_keeps_class_message_data_and_attributes():
    back = over_the_wire(PolicySyntaxError("unexpected ')'", line=3, column=7))
    assert type(back) is PolicySyntaxError
    assert (str(back), back.message, back.line, back.column) == ("line 3, column 7: unexpected ')'",) * 2 + (
        3,
        7,
    )
    back = over_the_wire(ActionError("no such action", data={"known": ("a", 1)}))
    assert type(back) is ActionError and back.data == {"known": ("a", 1)} and back.code == "execute_error"


def test_a_per_instance_code_survives():
    back = over_the_wire(NamedError("policy_name_must_be_provided", "give a name"))
    assert type(back) is NamedError and back.code == "policy_name_must_be_provided"


def test_a_class_unknown_here_arrives_as_its_nearest_known_congress_ancestor():
    class OnlyThere(PolicyNotExists):
        pass

    info = describe(OnlyThere("no policy alpha"))
    info["congress_types"].insert(0, "congress.not_loaded_module.OnlyThere")
    back = rebuild("svc", "op", info)
    assert type(back) is PolicyNotExists and str(back) == "no policy alpha"


def test_data_that_cannot_travel_is_sent_as_its_repr():
    back = over_the_wire(CongressError("bad", data=object))
    assert back.data == repr(object)


@pytest.mark.parametrize(
    "name",
    ["os.system", "builtins.ValueError", "congress.dse.bus.RemoteError", "congress.exceptions.nothing"],
)
def test_only_congress_error_classes_are_ever_built(name):
    info = describe(ValueError("x"))
    info["congress_types"] = [name]
    back = rebuild("svc", "op", info)
    assert type(back) is RemoteError


def test_other_errors_become_remote_errors_naming_the_remote_class():
    back = over_the_wire(KeyError("k"))
    assert type(back) is RemoteError
    assert (back.exc_type, back.message, back.service, back.method) == (
        "builtins.KeyError",
        "'k'",
        "svc",
        "op",
    )
    assert str(back) == "svc.op failed remotely: builtins.KeyError: 'k'"
