import pytest

from congress.datasources.base import DriverConfigError
from congress.datasources.push_driver import PushDriver
from congress.dse.bus import LocalBus
from congress.dse.messages import TableUpdate, datasource_topic
from congress.exceptions import UpdateNotPermitted


def started(config):
    bus = LocalBus()
    got: list[TableUpdate] = []
    bus.subscribe(datasource_topic("ext"), got.append)
    driver = PushDriver("ext", {"description": "d", **config}, bus)
    driver.start()
    return driver, got


def test_declared_tables_start_empty_and_push_replaces_with_delta():
    driver, got = started({"schema": {"servers": ["id", "name", "owner"]}})
    assert got == [TableUpdate("ext", "servers", replace=True)]
    assert [c.name for c in driver.schema()[0].columns] == ["id", "name", "owner"]

    driver.push_rows("servers", [["s1", "web", "alice"], ["s2", "db", None]])
    assert got[-1].insert and not got[-1].replace
    assert set(got[-1].insert) == {("s1", "web", "alice"), ("s2", "db", "None")}

    driver.push_rows("servers", [["s1", "web", "alice"], ["s3", "x", True]])
    assert set(got[-1].insert) == {("s3", "x", "True")}
    assert set(got[-1].delete) == {("s2", "db", "None")}
    assert sorted(driver.tables()["servers"]) == [("s1", "web", "alice"), ("s3", "x", "True")]
    assert driver.status().table_row_counts == {"servers": 2}


def test_schema_accepted_as_json_text_as_the_cli_sends_it():
    driver, _ = started({"schema": '{"t": ["a", "b"]}'})
    driver.push_rows("t", [[1, 2]])
    assert driver.tables() == {"t": [(1, 2)]}


def test_wrong_width_or_unknown_table_is_refused_and_changes_nothing():
    driver, got = started({"schema": {"t": ["a", "b"]}})
    driver.push_rows("t", [[1, 2]])
    published = len(got)
    with pytest.raises(UpdateNotPermitted):
        driver.push_rows("t", [[3, 4], [5]])
    with pytest.raises(UpdateNotPermitted):
        driver.push_rows("other", [[1, 2]])
    with pytest.raises(UpdateNotPermitted):
        driver.push_delta("t", [[7, 8, 9]], [])
    assert driver.tables() == {"t": [(1, 2)]}
    assert len(got) == published


def test_nested_cells_become_text_like_the_original():
    driver, _ = started({"schema": {"t": ["a", "b"]}})
    driver.push_rows("t", [[{"k": 1}, [1, "a"]], [True, None]])
    assert sorted(driver.tables()["t"]) == [("True", "None"), ("{'k': 1}", "[1, 'a']")]


def test_push_delta_inserts_and_deletes():
    driver, got = started({"schema": {"t": ["a", "b"]}})
    driver.push_rows("t", [[1, 2], [3, 4]])
    driver.push_delta("t", insert=[[5, 6]], delete=[[1, 2]])
    assert sorted(driver.tables()["t"]) == [(3, 4), (5, 6)]
    assert got[-1] == TableUpdate("ext", "t", insert=((5, 6),), delete=((1, 2),))


def test_without_schema_the_first_push_fixes_a_tables_width():
    driver, _ = started({})
    driver.push_rows("anything", [["a", 1]])
    with pytest.raises(UpdateNotPermitted):
        driver.push_rows("anything", [["a", 1, 2]])
    assert [t.table_id for t in driver.schema()] == ["anything"]


@pytest.mark.parametrize(
    "config",
    [
        {"schema": "{not json"},
        {"schema": {"t": []}},
        {"schema": {"t": ["a", "a"]}},
        {"schema": ["t"]},
        {"colour": "red"},
    ],
)
def test_bad_config_is_a_clear_error(config):
    with pytest.raises(DriverConfigError):
        PushDriver("ext", {"description": "d", **config}, LocalBus())


def test_description_is_required_like_the_original():
    with pytest.raises(DriverConfigError, match="description"):
        PushDriver("ext", {}, LocalBus())


def test_info_matches_the_original_push_driver():
    info = PushDriver.info()
    assert info.id == "push"
    assert info.config == {"description": "required", "persist_data": "(optional)", "schema": "(optional)"}
    assert info.secret is None
    assert [(t.table_id, t.columns) for t in info.tables] == [("data", ())]
