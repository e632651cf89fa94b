"""Builtins: each group's answers, and failures that give no answer instead of raising."""

from __future__ import annotations

import datetime as dt

import pytest

from congress.datalog.builtins import BUILTINS, Z3_SUPPORTED, is_builtin_name, lookup


def run(name: str, *inputs):
    return BUILTINS[name].evaluate(inputs)


def holds(name: str, *inputs) -> bool:
    return run(name, *inputs) == ()


# -- registry ---------------------------------------------------------------------


def test_every_documented_builtin_is_registered_with_its_shape():
    shapes = {
        "lt": (2, 2), "lteq": (2, 2), "equal": (2, 2), "gt": (2, 2), "gteq": (2, 2), "max": (2, 3),
        "plus": (2, 3), "minus": (2, 3), "mul": (2, 3), "div": (2, 3), "float": (1, 2), "int": (1, 2),
        "concat": (2, 3), "len": (1, 2), "now": (0, 1), "unpack_date": (1, 4), "unpack_time": (1, 4),
        "unpack_datetime": (1, 7), "extract_date": (1, 2), "extract_time": (1, 2),
        "datetime_to_seconds": (1, 2), "pack_time": (3, 4), "pack_date": (3, 4), "pack_datetime": (6, 7),
        "datetime_plus": (2, 3), "datetime_minus": (2, 3), "datetime_lt": (2, 2), "datetime_lteq": (2, 2),
        "datetime_gt": (2, 2), "datetime_gteq": (2, 2), "datetime_equal": (2, 2), "ips_equal": (2, 2),
        "ips_lt": (2, 2), "ips_lteq": (2, 2), "ips_gt": (2, 2), "ips_gteq": (2, 2),
        "networks_equal": (2, 2), "networks_overlap": (2, 2), "ip_in_network": (2, 2),
        "validate_int": (3, 4), "validate_float": (3, 4), "validate_string": (5, 6),
        "or": (2, 3), "and": (2, 3), "bnot": (1, 2),
    }
    assert {n: (b.num_inputs, b.arity) for n, b in BUILTINS.items()} == shapes
    assert {n for n, b in BUILTINS.items() if b.z3_only} == {"or", "and", "bnot"}
    assert BUILTINS.keys() >= Z3_SUPPORTED


def test_lookup_by_prefix_arity_and_policy_kind():
    assert lookup("lt", None).name == "lt"
    assert lookup("lt", "builtin").name == "lt"
    assert lookup("lt", "nova") is None
    assert lookup("lt", None, arity=1) is None  # lt(x) is an ordinary table
    assert lookup("nosuch", None) is None
    assert lookup("and", None) is None
    assert lookup("and", None, z3=True).z3_only


def test_builtin_names_are_reserved_for_heads_regardless_of_arity():
    assert is_builtin_name("lt") and is_builtin_name("datetime_plus")
    assert not is_builtin_name("bnot") and is_builtin_name("bnot", z3=True)
    assert not is_builtin_name("error")


def test_wrong_number_of_inputs_is_a_programming_error():
    with pytest.raises(ValueError):
        BUILTINS["lt"].evaluate((1,))


# -- comparison --------------------------------------------------------------------


def test_comparisons_on_numbers_and_strings():
    assert holds("lt", 1, 2) and not holds("lt", 2, 1) and holds("lt", 1, 2.5)
    assert holds("lteq", 2, 2) and holds("gt", 3, 2) and holds("gteq", 3, 3)
    assert holds("lt", "Cherry", "apple") and holds("lt", "1", "a")


def test_equal_follows_python_numbers_across_int_and_float():
    assert holds("equal", 1, 1.0)
    assert not holds("equal", 1, "1")


def test_mixed_type_ordering_fails_the_row():
    assert run("lt", 1, "a") is None
    assert run("max", 1, "a") is None


def test_max():
    assert run("max", 1, 3) == (3,)
    assert run("max", "apple", "banana") == ("banana",)


# -- arithmetic --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "y", "z"),
    [(7, 2, 3), (8, 2, 4), (7.5, 2, 3.75), (0.0, 1, 0.0), (9, 4.5, 2.0), (-7, 2, -4)],
)
def test_div_floors_ints_and_divides_floats(x, y, z):
    (result,) = run("div", x, y)
    assert result == z and type(result) is type(z)


@pytest.mark.parametrize(("x", "y"), [(1, 0), (2.0, 0.0), ("a", 1)])
def test_div_failures(x, y):
    assert run("div", x, y) is None


def test_plus_minus_mul_float_int():
    assert run("plus", 1, 2) == (3,) and run("plus", 1, 2.5) == (3.5,)
    assert run("plus", "a", "b") == ("ab",)
    assert run("minus", 5, 7) == (-2,)
    assert run("mul", 3, 4) == (12,)
    assert run("float", 3) == (3.0,) and run("float", "2.5") == (2.5,)
    assert run("int", 2.7) == (2,) and run("int", "12") == (12,)


@pytest.mark.parametrize(
    ("name", "inputs"),
    [("plus", (1, "a")), ("minus", ("a", "b")), ("mul", ("x", 1_000_000_000)), ("int", ("x",)),
     ("float", ("x",)), ("int", (float("inf"),))],
)
def test_arithmetic_failures(name, inputs):
    assert run(name, *inputs) is None


def test_bitwise_z3_builtins():
    assert run("or", 5, 2) == (7,) and run("and", 6, 3) == (2,) and run("bnot", 0) == (-1,)
    assert run("or", 1.5, 2) is None


# -- strings -----------------------------------------------------------------------


def test_concat_builds_strings():
    assert run("concat", "ab", "cd") == ("abcd",)
    # deliberate difference: numbers are rendered, the result is always a string
    assert run("concat", "vm", 1) == ("vm1",)
    assert run("concat", 1, 2) == ("12",)
    assert run("concat", 2.5, "x") == ("2.5x",)


def test_len_of_strings_only():
    assert run("len", "abc") == (3,)
    assert run("len", 5) is None


# -- datetime ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "plus", "minus"),
    [
        (10, "2015-03-04 05:06:17", "2015-03-04 05:05:57"),
        ("1:0:0", "2015-03-04 06:06:07", "2015-03-04 04:06:07"),
        ("1:1:1:1", "2015-03-05 06:07:08", "2015-03-03 04:05:06"),
        ("1:0:0:0:0", "2015-03-11 05:06:07", "2015-02-25 05:06:07"),
    ],
)
def test_datetime_plus_minus(delta, plus, minus):
    assert run("datetime_plus", "2015-03-04 05:06:07", delta) == (plus,)
    assert run("datetime_minus", "2015-03-04 05:06:07", delta) == (minus,)


def test_unpack_and_extract():
    assert run("unpack_date", "1999-12-31 23:59:59") == (1999, 12, 31)
    assert run("unpack_time", "2015-03-04 05:06:07") == (5, 6, 7)
    assert run("unpack_datetime", "2015-03-04 05:06:07") == (2015, 3, 4, 5, 6, 7)
    assert run("extract_date", "2015-03-04 05:06:07") == ("2015-03-04",)
    assert run("extract_time", "2015-03-04 05:06:07") == ("05:06:07",)
    assert run("datetime_to_seconds", "1900-01-02 00:00:01") == (86401,)


def test_pack_is_unpadded_and_round_trips_through_unpack():
    assert run("pack_date", 2015, 3, 4) == ("2015-3-4",)
    assert run("pack_time", 5, 6, 7) == ("5:6:7",)
    (packed,) = run("pack_datetime", 2015, 3, 4, 5, 6, 7)
    assert packed == "2015-3-4 5:6:7"
    assert run("unpack_datetime", packed) == (2015, 3, 4, 5, 6, 7)


def test_other_date_spellings():
    assert run("unpack_datetime", "2015-03-04T05:06:07.250000+02:00") == (2015, 3, 4, 5, 6, 7)
    assert run("unpack_time", "05:06") == (5, 6, 0)
    today = dt.date.today()
    assert run("unpack_date", "05:06:07") == (today.year, today.month, today.day)


def test_datetime_comparisons():
    assert holds("datetime_lt", "2015-03-04", "2015-03-04 00:00:01")
    assert holds("datetime_equal", "2015-03-04", "2015-03-04 00:00:00")
    assert holds("datetime_gteq", "2016-01-01", "2015-12-31 23:59:59")
    assert not holds("datetime_gt", "2015-01-01", "2015-01-02")


def test_now_has_the_original_format():
    (now,) = run("now")
    assert dt.datetime.strptime(now, "%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(
    ("name", "inputs"),
    [("unpack_date", ("not a date",)), ("unpack_date", (20150304,)), ("datetime_plus", ("2015-02-30", 1)),
     ("datetime_plus", ("2015-03-04", "1:2:3:4:5:6")), ("datetime_plus", ("9999-12-31 23:59:59", 1)),
     ("datetime_lt", ("2015-03-04", "x"))],
)
def test_datetime_failures(name, inputs):
    assert run(name, *inputs) is None


# -- network -------------------------------------------------------------------------


def test_ipv4_and_ipv6_addresses():
    assert holds("ips_equal", "::1", "0:0:0:0:0:0:0:1")
    assert holds("ips_lt", "::1", "fe80::1") and holds("ips_lt", "10.0.0.2", "10.0.0.10")
    assert holds("ips_gteq", "10.0.0.10", "10.0.0.10") and holds("ips_gt", "10.0.1.0", "10.0.0.255")
    assert holds("ips_lt", "255.255.255.255", "::")  # IPv4 sorts before IPv6
    assert holds("ip_in_network", "fe80::1", "fe80::/64")
    assert not holds("ip_in_network", "10.1.0.1", "10.0.0.0/16")


def test_networks():
    assert holds("networks_equal", "10.0.0.0/24", "10.0.0.9/24")
    assert not holds("networks_equal", "10.0.0.0/24", "10.0.0.0/16")


def test_networks_overlap_is_symmetric():
    # deliberate fix: the original answered only the first of these
    assert holds("networks_overlap", "10.0.0.0/16", "10.0.1.0/24")
    assert holds("networks_overlap", "10.0.1.0/24", "10.0.0.0/16")
    assert not holds("networks_overlap", "10.0.0.0/24", "10.0.1.0/24")


@pytest.mark.parametrize(
    ("name", "inputs"),
    [("ips_equal", ("bogus", "::1")), ("ips_lt", ("::1", 5.5)), ("ip_in_network", ("::", "0.0.0.0/0")),
     ("networks_overlap", ("::/0", "0.0.0.0/0")), ("networks_equal", ("10.0.0.0/33", "10.0.0.0/24"))],
)
def test_network_failures(name, inputs):
    assert not holds(name, *inputs)


# -- option types ------------------------------------------------------------------------


def test_validate_int():
    assert run("validate_int", 1, 10, 5) == ("",)
    assert run("validate_int", "", "", 5) == ("",)
    (error,) = run("validate_int", 1, 10, 50)
    assert "10" in error


def test_validate_float_and_string():
    assert run("validate_float", "", "", "2.5") == ("",)
    assert run("validate_float", 0, 1, 2.5) != ("",)
    assert run("validate_string", "^a", "", False, False, "abc") == ("",)
    assert run("validate_string", "^a", "", False, False, "xyz") != ("",)
    assert run("validate_string", "", 2, False, False, "xyz") != ("",)
    assert run("validate_string", "[", "", False, False, "x") != ("",)  # a bad regex is a message too
