"""config (cfg validator): host reports with oslo-config-generator namespace data become the 17 tables."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from congress.datasources.cfgvalidator_driver import ValidatorDriver
from congress.datasources.cfgvalidator_report import build_report
from congress.datasources.translator import content_hash
from congress.dse.bus import LocalBus
from congress.exceptions import UpdateNotPermitted

NAMESPACE = json.loads(
    (Path(__file__).parents[2] / "data" / "drivers" / "config_namespace_oslo_log.json").read_text()
)  # real `oslo-config-generator --namespace oslo.log --format json` output, trimmed to five options


def report(host="compute-1", values=None, **extra):
    return {
        "host": host,
        "files": [
            {
                "path": "/etc/nova/nova.conf",
                "template": "nova",
                "values": values
                if values is not None
                else {"DEFAULT": {"debug": "true", "log_date_format": "%Y", "no_such_option": "x"}},
            }
        ],
        "templates": {"nova": ["oslo.log"]},
        "namespaces": {"oslo.log": NAMESPACE},
        **extra,
    }


def opt_id(name):
    return content_hash(["oslo.log", "DEFAULT", name])


def started():
    driver = ValidatorDriver("cfg", {}, LocalBus())
    driver.start()
    driver.request_refresh()
    return driver


def test_before_any_report_the_tables_exist_and_are_empty():
    driver = started()
    assert set(driver.tables()) == set(ValidatorDriver.table_columns)
    assert all(rows == [] for rows in driver.tables().values())


def test_a_report_fills_the_tables():
    driver = started()
    driver.webhook(
        report(
            services=[{"service": "nova-compute", "version": "20.0.0"}],
            modules=[{"base_dir": "/usr/lib/python3/dist-packages", "module": "nova"}],
        )
    )
    t = {name: set(rows) for name, rows in driver.tables().items()}
    host, ns, tpl = (
        content_hash(["host", "compute-1"]),
        content_hash(["namespace", "oslo.log"]),
        content_hash(["template", "nova"]),
    )
    file_id = content_hash(["compute-1", "/etc/nova/nova.conf"])
    assert t["host"] == {(host, "compute-1")}
    assert t["file"] == {(file_id, host, tpl, "/etc/nova/nova.conf")}
    assert t["template"] == {(tpl, "nova")} and t["template_ns"] == {(tpl, ns)}
    assert t["namespace"] == {(ns, "oslo.log")}
    assert {r[3] for r in t["option"]} == {
        "debug", "log-date-format", "log_rotation_type", "default_log_levels", "rate_limit_burst"
    }  # fmt: skip
    assert t["binding"] == {(opt_id("debug"), file_id, "true"), (opt_id("log-date-format"), file_id, "Y")}
    info = {r[0]: r for r in t["option_info"]}
    flags = ("boolean value", "False", "False", "", "True", "False", "False", "")
    assert info[opt_id("debug")][:9] == (opt_id("debug"), *flags)
    assert info[opt_id("log-date-format")][2] == "Y-m-d H:M:S"  # '%' removed
    assert t["int_type"] == {(opt_id("rate_limit_burst"), "", "", "")}
    assert (opt_id("log_rotation_type"), "", "", "", "", "interval,size,none") in t["string_type"]
    assert t["list_type"] == {(opt_id("default_log_levels"), "", "")}
    assert t["service"] == {("nova-compute", host, "20.0.0")}
    assert t["module"] == {
        (content_hash(["/usr/lib/python3/dist-packages", "nova"]), "/usr/lib/python3/dist-packages", "nova")
    }


def test_a_new_report_replaces_the_hosts_earlier_one_only():
    driver = started()
    driver.webhook(report("compute-1"))
    driver.webhook(report("compute-2"))
    driver.webhook(report("compute-1", values={"DEFAULT": {"debug": "false"}}))
    vals = {(r[1], r[2]) for r in driver.tables()["binding"]}
    f1, f2 = (
        content_hash(["compute-1", "/etc/nova/nova.conf"]),
        content_hash(["compute-2", "/etc/nova/nova.conf"]),
    )
    assert vals == {(f1, "false"), (f2, "true"), (f2, "Y")}
    driver.request_refresh()
    assert {(r[1], r[2]) for r in driver.tables()["binding"]} == vals


@pytest.mark.parametrize(
    "payload",
    [
        None,
        {"files": []},
        {"host": ""},
        {"host": "h", "files": [{"values": {}}]},
        {"host": "h", "namespaces": "x"},
    ],
)
def test_bad_reports_are_refused_and_change_nothing(payload):
    driver = started()
    driver.webhook(report())
    before = driver.tables()
    with pytest.raises(UpdateNotPermitted):
        driver.webhook(payload)
    assert driver.tables() == before
    driver.request_refresh()
    assert driver.tables() == before


def test_the_real_generator_output_is_accepted():
    out = subprocess.run(
        [sys.executable, "-m", "oslo_config.generator", "--namespace", "oslo.log", "--format", "json"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    data = json.loads(out.stdout)
    driver = started()
    driver.webhook({"host": "h", "namespaces": {"oslo.log": data}})
    expected = sum(len(group["opts"]) for group in data["options"].values())
    assert len(driver.tables()["option"]) == expected == len(driver.tables()["option_info"])


def test_a_report_built_from_a_real_config_file(tmp_path):
    conf = tmp_path / "nova.conf"
    conf.write_text(
        "[DEFAULT]\ndebug = True\nlog-date-format = %Y\nrate_limit_burst = 5\n[vnc]\nenabled = false\n"
    )
    built = build_report("h1", [("nova", "oslo.log")], [(str(conf), "nova")], [("nova-compute", "20.0.0")])
    assert built["files"][0]["values"] == {
        "DEFAULT": {"debug": "True", "log-date-format": "%Y", "rate_limit_burst": "5"},
        "vnc": {"enabled": "false"},
    }
    driver = started()
    driver.webhook(built)
    file_id = content_hash(["h1", str(conf)])
    assert set(driver.tables()["binding"]) == {
        (opt_id("debug"), file_id, "True"),
        (opt_id("log-date-format"), file_id, "Y"),
        (opt_id("rate_limit_burst"), file_id, "5"),
    }


def test_report_files_must_name_declared_templates(tmp_path):
    conf = tmp_path / "x.conf"
    conf.write_text("[DEFAULT]\n")
    with pytest.raises(ValueError, match="undeclared"):
        build_report("h1", [], [(str(conf), "nova")])


def test_lazy_tables_are_published_once_subscribed():
    driver = ValidatorDriver("cfg", {"lazy_tables": "option_info,binding"}, LocalBus())
    driver.start()
    driver.webhook(report())
    assert driver.lazy_tables() == {"option_info", "binding"}
    assert "binding" not in driver.tables() and len(driver.tables()["option"]) == 5
    driver.subscribe_table("binding")
    driver.request_refresh()
    assert len(driver.tables()["binding"]) == 2 and "option_info" not in driver.tables()
