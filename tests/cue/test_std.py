"""Unit tests of the standard-library functions, called directly (no evaluator)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from cueflow.cue import numbers
from cueflow.cue.std import PACKAGES, Builtin, BuiltinError


def call(path: str, *args: Any) -> Any:
    package, _, name = path.rpartition(".")
    member = PACKAGES[package][name]
    assert isinstance(member, Builtin)
    return member(*args)


# (function, arguments, expected result); the result's Python type is checked too.
CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    # numbers
    ("strings.ToUpper", ("straße",), "STRAßE"),
    ("strings.ToTitle", ("hello wOrld  x",), "Hello WOrld  X"),
    ("strings.ToCamel", ("Hello World",), "hello world"),
    ("strings.Index", ("héllo", "l"), 3),
    ("strings.LastIndex", ("go gopher", "go"), 3),
    ("strings.IndexAny", ("golang", "ny"), 4),
    ("strings.Count", ("five", ""), 5),
    ("strings.Split", ("a,b,c", ","), ["a", "b", "c"]),
    ("strings.Split", ("abc", ""), ["a", "b", "c"]),
    ("strings.SplitN", ("a,b,c,d", ",", 2), ["a", "b,c,d"]),
    ("strings.SplitN", ("a,b", ",", 0), []),
    ("strings.SplitN", ("abc", "", 2), ["a", "bc"]),
    ("strings.SplitAfter", ("a,b,c", ","), ["a,", "b,", "c"]),
    ("strings.SplitAfterN", ("a,b,c", ",", 2), ["a,", "b,c"]),
    ("strings.Fields", ("  a b\t\nc\u00a0d\x1ce ",), ["a", "b", "c", "d\x1ce"]),
    ("strings.TrimSpace", ("\u00a0 x \n",), "x"),
    ("strings.Trim", ("xxhixx", "x"), "hi"),
    ("strings.TrimLeft", ("xxhixx", "x"), "hixx"),
    ("strings.TrimPrefix", ("git://repo", "git://"), "repo"),
    ("strings.Replace", ("aaa", "a", "b", 2), "bba"),
    ("strings.Replace", ("ab", "", "-", -1), "-a-b-"),
    ("strings.Repeat", ("ab", 3), "ababab"),
    ("strings.ByteAt", ("é", 1), 0xA9),
    ("strings.ByteSlice", ("héllo", 1, 3), "é".encode()),
    ("strings.ByteSlice", (b"hello", 1, 3), b"el"),
    ("strings.Runes", ("aé",), [97, 233]),
    ("strings.SliceRunes", ("héllo", 1, 3), "él"),
    ("strings.MinRunes", ("héllo", 5), True),
    ("strings.MaxRunes", ("héllo", 4), False),
    ("strings.Compare", ("a", "b"), -1),
    ("strings.ContainsAny", ("failure", "ui"), True),
    ("strings.Join", (["a", "b"], "-"), "a-b"),
    # strconv
    ("strconv.FormatInt", (255, 16), "ff"),
    ("strconv.FormatInt", (-255, 2), "-11111111"),
    ("strconv.FormatInt", (2**70, 16), "400000000000000000"),
    ("strconv.ParseInt", ("-0x1F", 0, 64), -31),
    ("strconv.ParseInt", ("1_000", 0, 64), 1000),
    ("strconv.ParseInt", ("777", 8, 64), 511),
    ("strconv.ParseUint", ("255", 10, 8), 255),
    ("strconv.Atoi", ("-42",), -42),
    ("strconv.Atoi", ("123456789012345678901234567890",), 123456789012345678901234567890),
    ("strconv.ParseBool", ("T",), True),
    ("strconv.FormatBool", (False,), "false"),
    ("strconv.ParseFloat", ("1.0", 64), D("1")),
    ("strconv.ParseFloat", ("0.1", 64), D("0.1")),
    ("strconv.ParseFloat", ("1e21", 64), D("1E+21")),
    ("strconv.ParseNumber", ("1.5Ki",), 1536),
    ("strconv.ParseNumber", ("2.50",), D("2.50")),
    ("strconv.FormatFloat", (D("3.14159"), "f", 2, 64), "3.14"),
    ("strconv.FormatFloat", (D("3.14159"), ord("e"), 3, 64), "3.142e+00"),
    ("strconv.FormatFloat", (D("1000000"), "g", -1, 64), "1e+06"),
    ("strconv.FormatFloat", (D("123456"), "g", -1, 64), "123456"),
    ("strconv.FormatFloat", (D("1234.5678"), "g", 3, 64), "1.23e+03"),
    ("strconv.FormatFloat", (D("2.5"), "f", 0, 64), "2"),
    ("strconv.FormatFloat", (D("1e-7"), "f", -1, 64), "0.0000001"),
    ("strconv.FormatFloat", (1234567, "E", -1, 64), "1.234567E+06"),
    ("strconv.Quote", ('hi\n"é\x01',), '"hi\\n\\"é\\x01"'),
    ("strconv.QuoteToASCII", ("é😀",), '"\\u00e9\\U0001f600"'),
    ("strconv.QuoteRune", (ord("'"),), "'\\''"),
    ("strconv.Unquote", ('"a\\tb\\u00e9"',), "a\tbé"),
    ("strconv.Unquote", ('#"a\\nb"#',), "a\\nb"),
    ("strconv.Unquote", ('"""\n    a\n     b\n    """',), "a\n b"),
    ("strconv.IsPrint", (0xA0,), False),
    ("strconv.IsGraphic", (0xA0,), True),
    # list
    ("list.Concat", ([[1], [2, 3], []],), [1, 2, 3]),
    ("list.FlattenN", ([[1, [2]], [3]], 1), [1, [2], 3]),
    ("list.FlattenN", ([1, [2, [3, [4]]]], -1), [1, 2, 3, 4]),
    ("list.Repeat", ([1, 2], 2), [1, 2, 1, 2]),
    ("list.Take", ([1, 2, 3], 5), [1, 2, 3]),
    ("list.Drop", ([1, 2, 3], 2), [3]),
    ("list.Slice", ([1, 2, 3], 1, 3), [2, 3]),
    ("list.Reverse", ([1, 2, 3],), [3, 2, 1]),
    ("list.Contains", ([1, "a", {"b": 2}], {"b": D("2.0")}), True),
    ("list.Contains", ([1], True), False),
    ("list.UniqueItems", ([1, True, "1"],), True),
    ("list.Sum", ([1, 2, 3],), 6),
    ("list.Sum", ([1, D("2.5")],), D("3.5")),
    ("list.Sum", ([D("1.5"), D("1.5")],), 3),
    ("list.Product", ([2, D("1.5")],), 3),
    ("list.Avg", ([1, 2],), D("1.5")),
    ("list.Max", ([1, D("2.5"), 2],), D("2.5")),
    ("list.Min", ([3, 1, 2],), 1),
    ("list.Range", (0, 5, 2), [0, 2, 4]),
    ("list.Range", (5, 0, -2), [5, 3, 1]),
    ("list.Range", (0, 1, D("0.25")), [0, D("0.25"), D("0.50"), D("0.75")]),
    ("list.SortStrings", (["b", "a", "C"],), ["C", "a", "b"]),
    ("list.IsSortedStrings", (["a", "b"],), True),
    ("list.MinItems", ([1, 2], 2), True),
    ("list.MaxItems", ([1, 2], 3), True),
    ("struct.MinFields", ({"a": 1}, 1), True),
]


@pytest.mark.parametrize(
    ("function", "args", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_builtin_returns_go_semantics(function: str, args: tuple[Any, ...], expected: Any) -> None:
    result = call(function, *args)
    assert result == expected
    assert type(result) is type(expected)
    if isinstance(expected, D):
        assert str(result) == str(expected)


ERRORS: list[tuple[str, tuple[Any, ...], str]] = [
    ("strings.Repeat", ("a", -1), "negative count"),
    ("strings.ByteAt", ("abc", 3), "index out of range"),
    ("strings.SliceRunes", ("abc", 2, 1), "index out of range"),
    ("strconv.Atoi", ("12a",), 'parsing "12a": invalid syntax'),
    ("strconv.ParseInt", ("300", 10, 8), "value out of range"),
    ("strconv.ParseBool", ("yes",), "invalid syntax"),
    ("strconv.ParseFloat", ("abc", 64), "invalid syntax"),
    ("strconv.FormatInt", (1, 1), "invalid base"),
    ("strconv.Unquote", ('"a',), "invalid syntax"),
    ("list.Concat", ([1],), "as list"),
    ("list.Slice", ([1, 2], 2, 1), "invalid index: 2 > 1"),
    ("list.Slice", ([1, 2], 1, 3), "slice bounds out of range"),
    ("list.Take", ([1], -1), "negative index"),
    ("list.Avg", ([],), "empty list"),
    ("list.Range", (0, 5, 0), "step must be non zero"),
    ("list.Range", (5, 0, 1), "end must be greater than start"),
    ("list.Sum", (["a"],), "as number"),
]

# A failing validator: (function, arguments, the reason `check` gives); a direct call is false.
FAILED_VALIDATIONS: list[tuple[str, tuple[Any, ...], str]] = [
    ("list.MinItems", ([1, 2], 3), "len(list) < MinItems(3) (2 < 3)"),
    ("list.MaxItems", ([1, 2], 1), "len(list) > MaxItems(1) (2 > 1)"),
    ("list.UniqueItems", ([1, D("1.0")],), "equal value (1) at position 0 and 1"),
    ("list.UniqueItems", (["a", "b", "a"],), 'equal value ("a") at position 0 and 2'),
    ("list.UniqueItems", ([{"a": 1}, 2, {"a": 1}],), "equal values at position 0 and 2"),
    ("struct.MinFields", ({"a": 1}, 2), "len(fields) < MinFields(2) (1 < 2)"),
    ("struct.MaxFields", ({"a": 1, "b": 2}, 1), "len(fields) > MaxFields(1) (2 > 1)"),
    ("strings.MinRunes", ("héllo", 6), ""),
]


@pytest.mark.parametrize(
    ("function", "args", "reason"), FAILED_VALIDATIONS, ids=[f[0] for f in FAILED_VALIDATIONS]
)
def test_failed_validation_is_false_with_a_reason(
    function: str, args: tuple[Any, ...], reason: str
) -> None:
    package, _, name = function.rpartition(".")
    member = PACKAGES[package][name]
    assert isinstance(member, Builtin)
    assert member(*args) is False
    assert member.check(*args) == reason


def test_check_passes_and_reports_call_errors() -> None:
    minimum = PACKAGES["list"]["MinItems"]
    duration = PACKAGES["time"]["Duration"]
    assert isinstance(minimum, Builtin) and isinstance(duration, Builtin)
    assert minimum.check([1, 2], 2) is None
    assert duration.check("1m30s") is None
    with pytest.raises(BuiltinError, match='unknown unit "x"'):
        duration.check("1x")


@pytest.mark.parametrize(
    ("function", "args", "message"), ERRORS, ids=[f"{c[0]}-{i}" for i, c in enumerate(ERRORS)]
)
def test_builtin_failure_is_builtin_error(
    function: str, args: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(BuiltinError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(function, *args)


def test_sort_with_marker_comparators_and_refuses_others() -> None:
    ascending, descending = PACKAGES["list"]["Ascending"], PACKAGES["list"]["Descending"]
    assert call("list.Sort", [3, D("1.5"), 2], ascending) == [D("1.5"), 2, 3]
    assert call("list.SortStable", ["b", "c", "a"], descending) == ["c", "b", "a"]
    assert call("list.IsSorted", [1, 2, 2], ascending) is True
    with pytest.raises(BuiltinError, match="comparator"):
        call("list.Sort", [1, 2], {"x": 1, "y": 2, "less": True})


def test_validators_are_the_bool_functions() -> None:
    validators = {
        f"{p}.{n}"
        for p, ms in PACKAGES.items()
        for n, m in ms.items()
        if isinstance(m, Builtin) and m.validator
    }
    assert {
        "strings.MinRunes",
        "strings.Contains",
        "list.UniqueItems",
        "list.MaxItems",
    } <= validators
    assert "strings.ToLower" not in validators


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (7, 2, "3.5"),
        (10, 5, "2.0"),
        (1, 3, "0.3333333333333333333333333333333333"),
        (2, 3, "0.6666666666666666666666666666666667"),
        (D("100.0"), 4, "25.0"),
        (10**12, D("2.0"), "5.0E+11"),
        (D("1e50"), 3, "3.333333333333333333333333333333333E+49"),
        (D("1e40"), 1, "1E+40"),
        (0, 5, "0.0"),
    ],
)
def test_division_spelling(a: int | D, b: int | D, expected: str) -> None:
    assert numbers.format_float(numbers.quo(a, b)) == expected


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("1.0", "1.0"),
        ("2.50", "2.50"),
        ("1e3", "1E+3"),
        ("1e-7", "1E-7"),
        ("0.0000001", "1E-7"),
        ("0.000001", "0.000001"),
        ("-0.0", "0.0"),
        ("123.456e2", "12345.6"),
        ("5e-1", "0.5"),
    ],
)
def test_float_literal_spelling(literal: str, expected: str) -> None:
    value = numbers.parse_number_literal(literal)
    assert isinstance(value, D)
    assert numbers.format_number(value) == expected


def test_float_arithmetic_uses_34_digits() -> None:
    product = numbers.mul(D("123456789012345678901234567890.0"), 3)
    assert numbers.format_float(product) == "370370367037037036703703703670.0"
    assert numbers.format_float(numbers.add(D("0.1"), D("0.2"))) == "0.3"
    assert numbers.format_number(1001) == "1001"


@pytest.mark.parametrize("literal", ["", "abc", "1__0", "0x", "1.5e", "01"])
def test_bad_number_literal(literal: str) -> None:
    with pytest.raises(ValueError):
        numbers.parse_number_literal(literal)
