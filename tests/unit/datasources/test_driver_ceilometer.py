"""ceilometer is not in drivers.json: its description is checked against the compatibility notes here."""

from congress.datasources import registry
from congress.datasources.ceilometer_driver import with_resource

# The table schema of the install guide's ceilometer driver (copied from the project's reference notes).
TABLES = {
    "meters": ["meter_id", "name", "type", "unit", "source", "resource_id", "user_id", "project_id"],
    "alarms": [
        "alarm_id", "name", "state", "enabled", "threshold_rule_id", "type", "description",
        "time_constraints", "user_id", "project_id", "alarm_actions", "ok_actions",
        "insufficient_data_actions", "repeat_actions", "timestamp", "state_timestamp",
    ],
    "alarms.threshold_rule": ["threshold_rule_id", "key", "value"],
    "events": ["message_id", "event_type", "generated"],
    "events.traits": ["event_message_id", "name", "type", "value"],
    "statistics": [
        "meter_name", "resource_id", "avg", "count", "duration", "duration_start", "duration_end", "max",
        "min", "period", "period_end", "period_start", "sum", "unit",
    ],
}  # fmt: skip


def test_registered_under_the_install_guides_class_path():
    factory = registry.resolve("congress.datasources.ceilometer_driver.CeilometerDriver")
    assert factory is registry.resolve("ceilometer")
    assert factory.info().id == "ceilometer"


def test_schema_config_and_secret():
    info = registry.resolve("ceilometer").info()
    assert {t.table_id: [c.name for c in t.columns] for t in info.tables} == TABLES
    assert list(info.config) == [
        "auth_url", "endpoint", "region", "username", "password", "user_domain_name", "project_domain_name",
        "tenant_name", "project_name", "poll_time", "lazy_tables",
    ]  # fmt: skip
    assert info.config["password"] == "required" and info.config["tenant_name"] == "(optional)"
    assert info.secret == ("password",)


def test_statistics_take_resource_id_from_groupby():
    assert with_resource([{"avg": 1, "groupby": {"resource_id": "r1"}}, {"avg": 2, "groupby": None}]) == [
        {"avg": 1, "groupby": {"resource_id": "r1"}, "resource_id": "r1"},
        {"avg": 2, "groupby": None, "resource_id": None},
    ]
