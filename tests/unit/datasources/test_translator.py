"""The translator against the worked examples of the reference semantics (outputs of the original)."""

import pytest

from congress.datasources import translator as tr
from congress.datasources.values import EnumType, IPAddress, Str, render_row

E = tr.EMPTY_HASH


def test_content_hash_matches_the_original_recipe():
    pairs = [
        ("component", "monasca-persister"),
        ("hostname", "ceilosca"),
        ("service", "monitoring"),
        ("url", "http://localhost:8091/metrics"),
    ]
    assert tr.content_hash(pairs) == "e138b5d90a4265c7525f480dd988210b"
    assert tr.content_hash([]) == E
    assert tr.content_hash(["8.8.8.8", "1.1.1.1"]) == tr.content_hash(["1.1.1.1", "8.8.8.8"])


PORTS = tr.HDict(
    table="ports",
    fields=(
        tr.Field("id"),
        tr.Field(
            "fixed_ips",
            tr.HDict(
                table="fixed_ips",
                parent_key="id",
                parent_col="port_id",
                in_list=True,
                fields=(tr.Field("ip_address", tr.Scalar(type=IPAddress)), tr.Field("subnet_id")),
            ),
        ),
        tr.Field("admin_state_up", col="up"),
        tr.Field("security_groups", tr.ListOf(table="port_sgs", parent_key="id", val_col="sg_id")),
        tr.Field("binding:profile", col="profile"),
        tr.Field("device_owner"),
    ),
)


def test_example_1_parent_keys_in_list_bools_none_repr_and_ip_typing():
    objs = [
        {
            "id": "p1",
            "admin_state_up": True,
            "binding:profile": {"a": 1},
            "fixed_ips": [
                {"ip_address": "2001:DB8:0:0::1", "subnet_id": "s6"},
                {"ip_address": "10.0.0.5", "subnet_id": "s4"},
            ],
            "security_groups": ["sg1", "sg2", "sg1"],
        },
        {"id": "p2", "admin_state_up": False, "fixed_ips": None, "security_groups": []},
    ]
    schema = tr.table_schemas(PORTS)
    assert {t: [c.name for c in cols] for t, cols in schema.items()} == {
        "ports": ["id", "up", "profile", "device_owner"],
        "fixed_ips": ["port_id", "ip_address", "subnet_id"],
        "port_sgs": ["parent_key", "sg_id"],
    }
    got = tr.translate(PORTS, objs)
    assert got == {
        "ports": {("p1", True, "{'a': 1}", None), ("p2", False, None, None)},
        "fixed_ips": {("p1", "2001:db8::1", "s6"), ("p1", "10.0.0.5", "s4")},
        "port_sgs": {("p1", "sg1"), ("p1", "sg2")},
    }
    assert {render_row(r) for r in got["ports"]} == {
        ("p1", "True", "{'a': 1}", "None"),
        ("p2", "False", "None", "None"),
    }


def test_example_2_generated_content_hash_ids():
    metrics = tr.HDict(
        table="metrics",
        fields=(
            tr.Field("name"),
            tr.Field(
                "dimensions", tr.VDict(table="dimensions", id_col="dim_id", key_col="key", val_col="value")
            ),
            tr.Field("dns", tr.ListOf(table="dns", id_col="dns_id", val_col="ip"), col="dns_id"),
        ),
    )
    objs = [
        {"name": "cpu", "dimensions": {"host": "h1", "svc": "nova"}, "dns": ["8.8.8.8", "1.1.1.1"]},
        {"name": "mem", "dimensions": {"svc": "nova", "host": "h1"}, "dns": ["1.1.1.1", "8.8.8.8"]},
        {"name": "disk", "dimensions": None, "dns": [["nested", 1]]},
    ]
    dim, dns, dns2 = (
        "da0334afd9edd2e40097caac02f70f67",
        "7652a91713cdfaa81584b8694b4de2ed",
        "ee73e27adbe50fe1d0ef2176b983f846",
    )
    assert [c.name for c in metrics.columns()] == ["name", "dimensions", "dns_id"]
    assert tr.translate(metrics, objs) == {
        "metrics": {("cpu", dim, dns), ("mem", dim, dns), ("disk", E, dns2)},
        "dimensions": {(dim, "host", "h1"), (dim, "svc", "nova")},
        "dns": {(dns, "8.8.8.8"), (dns, "1.1.1.1"), (dns2, "['nested', 1]")},
    }


class Obj:
    def __init__(self, **attrs):
        self.__dict__.update(attrs)


def test_example_3_list_of_hdicts_with_ids_dot_selector_enum_and_vdict_parent_key():
    routers = tr.HDict(
        table="routers",
        selector="dot",
        fields=(
            tr.Field("id"),
            tr.Field("status", tr.Scalar(type=EnumType("Status", ("ACTIVE", "DOWN"), "OTHER"))),
            tr.Field(
                "routes",
                tr.ListOf(
                    table="routes",
                    id_col="routes_id",
                    val_col="route_id",
                    translator=tr.HDict(
                        table="route",
                        id_col="route_id",
                        fields=(tr.Field("destination"), tr.Field("nexthop")),
                    ),
                ),
                col="routes_id",
            ),
            tr.Field(
                "info",
                tr.VDict(
                    table="router_info", parent_key="id", parent_col="router_id", key_col="k", val_col="v"
                ),
            ),
            tr.Field("zone"),
        ),
    )
    objs = [
        Obj(
            id="r1",
            status="PENDING_UPDATE",
            routes=[{"destination": "10.1.0.0/16", "nexthop": "10.0.0.1"}, None],
            info={"ha": True, "flavor": None},
        ),
        Obj(id="r2", status="ACTIVE", routes=None, info={}),
    ]
    routes, route = "1dcfe32a5ecfb37daa95b9bc2d7fb562", "405855db28c20d81341e8212d9399700"
    assert {t: [c.name for c in cols] for t, cols in tr.table_schemas(routers).items()} == {
        "routers": ["id", "status", "routes_id", "zone"],
        "routes": ["routes_id", "route_id"],
        "route": ["route_id", "destination", "nexthop"],
        "router_info": ["router_id", "k", "v"],
    }
    assert tr.translate(routers, objs) == {
        "routers": {("r1", "OTHER", routes, None), ("r2", "ACTIVE", E, None)},
        "routes": {(routes, route), (routes, E)},
        "route": {(route, "10.1.0.0/16", "10.0.0.1")},
        "router_info": {("r1", "ha", True), ("r1", "flavor", None)},
    }


def test_extract_runs_on_none_and_typing_failures_keep_the_value():
    t = tr.HDict(
        table="t",
        fields=(
            tr.Field("a", tr.Scalar(extract=lambda v: str(v))),
            tr.Field("b", tr.Scalar(type=Str)),
            tr.Field("c", tr.Scalar(type=IPAddress)),
        ),
    )
    assert tr.translate(t, [{"b": 5, "c": "not-an-ip"}]) == {"t": {("None", 5, "not-an-ip")}}


def test_vdict_of_containers_and_id_callable():
    t = tr.HDict(
        table="hosts",
        fields=(
            tr.Field("name"),
            tr.Field(
                "nics",
                tr.VDict(
                    table="nics",
                    parent_key="name",
                    parent_col="host",
                    key_col="nic",
                    translator=tr.HDict(
                        table="nic_ips", parent_key="nic", in_list=True, fields=(tr.Field("ip"),)
                    ),
                ),
            ),
        ),
    )
    assert [c.name for c in t.children()[0].columns()] == ["host", "nic"]
    got = tr.translate(t, [{"name": "h1", "nics": {"eth0": [{"ip": "1.1.1.1"}]}}])
    assert got == {"hosts": {("h1",)}, "nics": {("h1", "eth0")}, "nic_ips": {("eth0", "1.1.1.1")}}
    with_id = tr.HDict(table="x", id_col=lambda obj: obj["k"].upper(), fields=(tr.Field("k"),))
    assert [c.name for c in with_id.columns()] == ["id-col", "k"]
    assert tr.translate(with_id, [{"k": "a"}]) == {"x": {("A", "a")}}


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: tr.HDict(table="t", fields=()), "needs fields"),
        (lambda: tr.HDict(table="t", parent_key="a", id_col="i", fields=(tr.Field("a"),)), "cannot both"),
        (
            lambda: tr.HDict(table="t", fields=(tr.Field("a"), tr.Field("l", tr.ListOf(table="c")))),
            "needs parent_key or id_col",
        ),
        (
            lambda: tr.HDict(
                table="t", fields=(tr.Field("a"), tr.Field("l", tr.ListOf(table="c", parent_key="zz")))
            ),
            "parent_key 'zz'",
        ),
        (lambda: tr.HDict(table="t", fields=(tr.Field("a"), tr.Field("b", col="a"))), "duplicate column"),
        (
            lambda: tr.ListOf(table="t", translator=tr.HDict(table="u", fields=(tr.Field("a"),))),
            "needs id_col",
        ),
        (lambda: tr.HDict(table="t", in_list=True, fields=(tr.Field("a"),)), "in_list"),
        (lambda: tr.check_roots([tr.ListOf(table="t"), tr.ListOf(table="t")]), "declared twice"),
    ],
)
def test_bad_declarations_fail_at_construction_with_a_clear_message(build, message):
    with pytest.raises(tr.InvalidTranslator, match=message):
        build()


def test_an_empty_list_of_containers_gets_the_empty_hash_instead_of_the_originals_crash():
    routes = tr.ListOf(
        table="routes",
        id_col="routes_id",
        val_col="route_id",
        translator=tr.HDict(table="route", id_col="route_id", fields=(tr.Field("nexthop"),)),
    )
    routers = tr.HDict(table="routers", fields=(tr.Field("id"), tr.Field("routes", routes, col="routes_id")))
    assert tr.translate(routers, [{"id": "r", "routes": []}]) == {
        "routers": {("r", E)},
        "routes": set(),
        "route": set(),
    }


def test_a_root_cannot_link_to_a_parent():
    with pytest.raises(tr.InvalidTranslator, match="root table"):
        tr.check_roots([tr.ListOf(table="t", parent_key="id")])
