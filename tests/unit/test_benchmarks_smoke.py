"""The benchmarks at tiny sizes: every workload runs, and the engine answers exactly what DuckDB answers."""

from __future__ import annotations

import importlib

import pytest

pytest.importorskip("duckdb")
pytest.importorskip("numpy")

from benchmarks import graph, memory, w1_full_eval, w2_incremental, w3_reachability, w4_simulate  # noqa: E402
from benchmarks.cloud import (  # noqa: E402
    CloudData,
    duckdb_errors,
    engine_errors,
    insert_error_policy,
    load_duckdb,
    load_engine_data,
    loaded_pair,
)
from benchmarks.harness import Result, Target, duckdb_connect, format_table, parse_sizes, use_clock  # noqa: E402


def _engine_available() -> bool:
    return hasattr(importlib.import_module("congress.engine"), "PolicyEngine")


needs_engine = pytest.mark.skipif(not _engine_available(), reason="no congress.engine.PolicyEngine yet")

TINY = 50


@pytest.fixture(scope="module")
def cloud() -> CloudData:
    # A high violation rate so that both violating and clean servers exist at 50 servers.
    return CloudData.generate(TINY, seed=3, violation_rate=0.3)


# -- the shared parts, no engine needed ----------------------------------------


def test_generator_is_deterministic_and_seeded() -> None:
    assert CloudData.generate(TINY, seed=5).ports == CloudData.generate(TINY, seed=5).ports
    assert CloudData.generate(TINY, seed=5).ports != CloudData.generate(TINY, seed=6).ports
    assert graph.generate(100, cyclic=True, seed=5) == graph.generate(100, cyclic=True, seed=5)


def test_generated_cloud_has_the_declared_shape(cloud: CloudData) -> None:
    assert len(cloud.servers) == TINY
    assert 2 * TINY <= len(cloud.ports) <= 4 * TINY
    assert {len(row) for row in cloud.servers} == {11}
    assert {port[7] for port in cloud.ports} == {server[0] for server in cloud.servers}


def test_new_server_violates_exactly_when_asked(cloud: CloudData) -> None:
    con = duckdb_connect()
    load_duckdb(con, cloud)
    before = duckdb_errors(con)
    for k, violating in enumerate([True, False, True, False]):
        server, port = cloud.new_server(k, violating)
        con.execute("INSERT INTO servers VALUES (" + ", ".join("?" * len(server)) + ")", list(server))
        con.execute("INSERT INTO ports VALUES (" + ", ".join("?" * len(port)) + ")", list(port))
        assert (server[0] in duckdb_errors(con)) is violating
    assert before <= duckdb_errors(con)


def test_duckdb_keeps_int_and_str_columns(cloud: CloudData) -> None:
    con = duckdb_connect()
    load_duckdb(con, cloud)
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'servers'").fetchall())
    assert types["flavor_id"] == "BIGINT" and types["id"] == "VARCHAR"
    assert sorted(con.execute("SELECT * FROM servers").fetchall()) == sorted(cloud.servers)


def test_graph_shapes_have_and_lack_cycles() -> None:
    closures = {}
    for cyclic in (False, True):
        con = duckdb_connect()
        edges = graph.generate(200, cyclic)
        assert len(edges) == len(set(edges)) == 200
        graph.load_duckdb(con, edges)
        graph.duckdb_closure(con)
        closures[cyclic] = w3_reachability.duckdb_reach(con)
    assert not any(x == y for x, y in closures[False])
    assert any(x == y for x, y in closures[True])


def test_parse_sizes_and_verdicts() -> None:
    assert parse_sizes("1e3,1e4, 50") == [1000, 10000, 50]
    ratio = Target(5.0, relative=True, text="<=5x")
    absolute = Target(1e-3, relative=False, text="<1ms")
    lines = format_table([
        Result("W", "a", 4.0, 1.0, ratio),
        Result("W", "b", 6.0, 1.0, ratio),
        Result("W", "c", 2e-3, None, absolute),
        Result("W", "d", 1.0, None, None),
    ]).splitlines()
    assert [line.split()[-1] for line in lines[2:6]] == ["PASS", "MISS", "MISS", "-"]
    assert "4x" in lines[2]
    with pytest.raises(ValueError, match="unknown clock"):
        use_clock("sundial")


# -- engine against DuckDB -------------------------------------------------------


@needs_engine
def test_engine_error_equals_duckdb(cloud: CloudData) -> None:
    from congress.engine import PolicyEngine

    engine = PolicyEngine()
    load_engine_data(engine, cloud)
    insert_error_policy(engine, "smoke")
    con = duckdb_connect()
    load_duckdb(con, cloud)
    expected = duckdb_errors(con)
    assert 0 < len(expected) < TINY
    assert engine_errors(engine, "smoke") == expected


@needs_engine
def test_engine_error_follows_changes_like_duckdb(cloud: CloudData) -> None:
    engine, con = loaded_pair(cloud, w2_incremental.POLICY)
    todo = w2_incremental.changes(cloud, 10, seed=2)
    ours = [w2_incremental.apply_engine(engine, change) for change in todo]
    theirs = [w2_incremental.apply_duckdb(con, change) for change in todo]
    assert ours == theirs == [change.violates for change in todo]
    assert True in ours
    assert engine_errors(engine, w2_incremental.POLICY) == duckdb_errors(con)


@needs_engine
@pytest.mark.parametrize("cyclic", [False, True])
def test_engine_closure_equals_duckdb(cyclic: bool) -> None:
    edges = graph.generate(120, cyclic)
    con = duckdb_connect()
    graph.load_duckdb(con, edges)
    graph.duckdb_closure(con)
    assert w3_reachability.engine_closure(edges)[2] == w3_reachability.duckdb_reach(con)


@needs_engine
def test_engine_simulate_equals_duckdb_and_leaves_no_trace(cloud: CloudData) -> None:
    engine, con = loaded_pair(cloud, w4_simulate.POLICY)
    engine.create_policy(w4_simulate.ACTIONS, "action")
    before = engine_errors(engine, w4_simulate.POLICY)
    for k, violating in enumerate([True, False, True]):
        case = w4_simulate.NewServer.make(cloud, k, violating)
        answer = w4_simulate.simulate_engine(engine, case)
        assert answer == w4_simulate.simulate_duckdb(con, case)
        assert answer == ([f'error+("{case.server[0]}")'] if violating else [])
    assert engine_errors(engine, w4_simulate.POLICY) == before == duckdb_errors(con)


@needs_engine
@pytest.mark.parametrize("workload", [w1_full_eval, w2_incremental, w3_reachability, w4_simulate, memory])
def test_each_workload_runs_at_tiny_size(workload) -> None:
    # run() raises BenchmarkMismatch when the engine and DuckDB disagree.
    results = workload.run([TINY], 2, 1)
    assert results and all(r.engine > 0 for r in results)
    assert all(r.peer is not None and r.peer > 0 for r in results)
