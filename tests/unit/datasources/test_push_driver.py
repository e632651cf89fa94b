import pytest

from congress.datasources.base import DriverConfigError
from congress.datasources.interface import TableChange
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


def _columns(driver):
    return {t.table_id: [c.name for c in t.columns] for t in driver.schema()}


def test_without_schema_the_first_push_fixes_a_tables_width():
    driver, got = started({})
    assert _columns(driver) == {"data": []} and got == []
    driver.push_rows("anything", [["a", 1]])
    assert got == [TableUpdate("ext", "anything", (("a", 1),), replace=True)]
    with pytest.raises(UpdateNotPermitted):
        driver.push_rows("anything", [["a", 1, 2]])
    driver.push_delta("data", [[1, 2, 3]], [])
    assert _columns(driver) == {"anything": ["col0", "col1"], "data": ["col0", "col1", "col2"]}
    assert driver.status().initialized and driver.tables() == {"anything": [("a", 1)], "data": [(1, 2, 3)]}


def test_without_schema_an_empty_first_push_holds_nothing_and_fixes_nothing():
    driver, got = started({})
    driver.push_rows("t", [])
    driver.push_delta("t", [], [["x"]])
    assert got == [] and driver.tables() == {} and _columns(driver) == {"data": []}
    driver.push_rows("t", [["x", "y"]])
    assert _columns(driver)["t"] == ["col0", "col1"]


@pytest.mark.parametrize("table", ["", "has space", "1abc", "a..b", "a-b"])
def test_without_schema_a_table_needs_a_policy_table_name(table):
    driver, got = started({})
    with pytest.raises(UpdateNotPermitted, match="not a table name"):
        driver.push_rows(table, [[1]])
    assert got == [] and _columns(driver) == {"data": []}


def test_a_row_needs_a_value():
    driver, _ = started({})
    with pytest.raises(UpdateNotPermitted):
        driver.push_rows("t", [[]])
    assert _columns(driver) == {"data": []}


class RefusingStore:
    def __init__(self):
        self.seen = []
        self.refuse = False

    def __call__(self, changes):
        if self.refuse:
            raise UpdateNotPermitted("store refused")
        self.seen.append(list(changes))


def test_a_refused_change_changes_nothing_not_even_a_new_tables_width():
    driver, got = started({})
    store = RefusingStore()
    driver.set_change_store(store)
    store.refuse = True
    with pytest.raises(UpdateNotPermitted, match="store refused"):
        driver.push_rows("t", [[1, 2]])
    with pytest.raises(UpdateNotPermitted, match="store refused"):
        driver.push_delta("data", [[1]], [])
    assert got == [] and driver.tables() == {} and _columns(driver) == {"data": []}
    assert not driver.status().initialized
    store.refuse = False
    driver.push_rows("t", [[1, 2, 3]])  # the width was not fixed by the refused push
    assert driver.tables() == {"t": [(1, 2, 3)]}


def test_the_store_gets_snapshots_for_puts_and_only_real_changes_for_deltas():
    driver, got = started({"schema": {"t": ["a", "b"]}})
    store = RefusingStore()
    driver.set_change_store(store)
    driver.push_rows("t", [[1, "a"], [2, "b"], [1, "a"]])
    assert store.seen[-1] == [TableChange("t", ((1, "a"), (2, "b")), replace=True)]
    driver.push_delta("t", insert=[[1, "a"], [3, "c"], [3, "c"]], delete=[[2, "b"], [9, "z"]])
    assert store.seen[-1] == [TableChange("t", ((3, "c"),), ((2, "b"),))]
    assert got[-1] == TableUpdate("ext", "t", insert=((3, "c"),), delete=((2, "b"),))
    published = len(got)
    driver.push_delta("t", insert=[[1, "a"]], delete=[[5, "e"]])  # changes nothing
    assert len(store.seen) == 2 and len(got) == published


def test_a_row_both_deleted_and_inserted_stays():
    driver, got = started({"schema": {"t": ["a"]}})
    driver.push_rows("t", [[1], [2]])
    driver.push_delta("t", insert=[[1], [3]], delete=[[1], [3]])
    assert sorted(driver.tables()["t"]) == [(1,), (2,), (3,)]
    assert got[-1] == TableUpdate("ext", "t", insert=((3,),))


def test_int_float_and_bool_cells_are_different_rows():
    driver, got = started({"schema": {"t": ["a"]}})
    driver.push_rows("t", [[1], [1.0], [True]])
    assert sorted(map(repr, driver.tables()["t"])) == ["('True',)", "(1,)", "(1.0,)"]
    driver.push_delta("t", insert=[], delete=[[1.0]])
    assert got[-1] == TableUpdate("ext", "t", delete=((1.0,),))
    assert type(got[-1].delete[0][0]) is float
    assert sorted(map(repr, driver.tables()["t"])) == ["('True',)", "(1,)"]


def test_a_fact_goes_with_the_last_row_rendering_to_it():
    """None and "None" are two rows but one fact."""
    driver, got = started({"schema": {"t": ["a"]}})
    driver.push_rows("t", [[None], ["None"]])
    assert driver.tables() == {"t": [("None",)]}
    driver.push_delta("t", insert=[], delete=[[None]])
    assert driver.tables() == {"t": [("None",)]} and driver.raw_tables() == {"t": {("None",)}}
    driver.push_delta("t", insert=[], delete=[["None"]])
    assert driver.tables() == {"t": []} and got[-1] == TableUpdate("ext", "t", delete=(("None",),))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_refused_and_change_nothing(bad):
    driver, got = started({"schema": {"t": ["a", "b"]}})
    store = RefusingStore()
    driver.set_change_store(store)
    driver.push_rows("t", [[1, 2]])
    published = len(got)
    with pytest.raises(UpdateNotPermitted, match="not a value"):
        driver.push_rows("t", [[3, bad]])
    with pytest.raises(UpdateNotPermitted, match="not a value"):
        driver.push_delta("t", [[bad, 4]], [])
    assert driver.tables() == {"t": [(1, 2)]} and len(got) == published and len(store.seen) == 1


def test_restored_tables_are_published_by_start_and_fix_widths():
    bus = LocalBus()
    got: list[TableUpdate] = []
    bus.subscribe(datasource_topic("ext"), got.append)
    driver = PushDriver("ext", {"description": "d"}, bus)
    store = RefusingStore()
    driver.set_change_store(store)
    driver.restore_tables({"t": [(1, None), (2.0, True)]})
    assert got == [] and store.seen == []
    assert _columns(driver) == {"data": [], "t": ["col0", "col1"]}
    driver.start()
    assert got == [TableUpdate("ext", "t", ((1, "None"), (2.0, "True")), replace=True)]
    assert driver.status().initialized
    with pytest.raises(UpdateNotPermitted):
        driver.push_delta("t", [[1]], [])
    driver.push_delta("t", [], [[2.0, True]])
    assert store.seen == [[TableChange("t", (), ((2.0, True),))]]


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
