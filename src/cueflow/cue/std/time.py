"""The CUE `time` package: Go durations and Go reference-time layouts.

Times are text (RFC 3339), durations are int nanoseconds. Layouts are Go's
(`2006-01-02T15:04:05Z07:00`): `layout_chunks` splits one into its elements,
which both `format_time` and `parse_time` follow. Nothing here reads the clock.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cueflow.cue.std.base import BuiltinError, package

NANOSECOND = 1
MICROSECOND = 1000 * NANOSECOND
MILLISECOND = 1000 * MICROSECOND
SECOND = 1000 * MILLISECOND
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
_INT64_MAX = (1 << 63) - 1

_UNITS = {
    "ns": NANOSECOND,
    "us": MICROSECOND,
    "µs": MICROSECOND,
    "μs": MICROSECOND,
    "ms": MILLISECOND,
    "s": SECOND,
    "m": MINUTE,
    "h": HOUR,
}
_DURATION_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")


def parse_duration(text: str) -> int:
    """Go's time.ParseDuration: "1h30m", "1.5s", "-2ms", "0" (int nanoseconds)."""
    invalid = BuiltinError(f'time: invalid duration "{text}"')
    body, sign = text, 1
    if body[:1] in ("+", "-"):
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return 0
    if not body:
        raise invalid
    total = 0
    position = 0
    while position < len(body):
        match = _DURATION_PART.match(body, position)
        assert match is not None
        whole, fraction, unit = match.group(1), match.group(2), match.group(3)
        if not whole and not fraction:
            raise invalid
        if not unit:
            raise BuiltinError(f'time: missing unit in duration "{text}"')
        if unit not in _UNITS:
            raise BuiltinError(f'time: unknown unit "{unit}" in duration "{text}"')
        scale = _UNITS[unit]
        value = int(whole or "0") * scale
        if fraction:
            # Go scales the fraction through a float64.
            value += int(float(int(fraction[:18])) * (scale / 10 ** len(fraction[:18])))
        total += value
        if total > _INT64_MAX + (sign < 0):
            raise invalid
        position = match.end()
    return sign * total


def _fraction(value: int, digits: int) -> str:
    """`value` with its last `digits` digits after a point, trailing zeros removed."""
    whole, rest = divmod(value, 10**digits)
    tail = f"{rest:0{digits}d}".rstrip("0")
    return f"{whole}.{tail}" if tail else str(whole)


def format_duration(d: int) -> str:
    """Go's Duration.String: "1h2m3.5s", "1.5ms", "0s"."""
    if not -(1 << 63) <= d <= _INT64_MAX:
        raise BuiltinError(f"duration {d} overflows int64")
    if d == 0:
        return "0s"
    sign = "-" if d < 0 else ""
    u = abs(d)
    if u < MICROSECOND:
        return f"{sign}{u}ns"
    if u < MILLISECOND:
        return f"{sign}{_fraction(u, 3)}µs"
    if u < SECOND:
        return f"{sign}{_fraction(u, 6)}ms"
    seconds, nanos = divmod(u, SECOND)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = _fraction(seconds * SECOND + nanos, 9) + "s"
    if minutes or hours:
        text = f"{minutes}m{text}"
    if hours:
        text = f"{hours}h{text}"
    return sign + text


# ---- Go layouts --------------------------------------------------------------

_CHUNK = re.compile(
    r"""(?P<std>January|Jan(?![a-z])|Monday|Mon(?![a-z])|MST|002|__2|_2(?!006)|2006|
    0[1-6]|15|[1-5]|PM|pm|
    [-Z](?:070000|07:00:00|0700|07:00|07)|
    [.,](?:0+|9+)(?![0-9]))""",
    re.VERBOSE,
)


def layout_chunks(layout: str) -> list[tuple[bool, str]]:
    """The layout as (is_element, text) pieces, in order."""
    pieces: list[tuple[bool, str]] = []
    position = 0
    for match in _CHUNK.finditer(layout):
        if match.start() > position:
            pieces.append((False, layout[position : match.start()]))
        pieces.append((True, match.group()))
        position = match.end()
    if position < len(layout):
        pieces.append((False, layout[position:]))
    return pieces


@dataclass(frozen=True)
class GoTime:
    """A wall-clock time with nanoseconds and a UTC offset (seconds east).

    Go's year 0 (a layout without a year) has no `datetime`: such a time is kept
    2000 years later, which has the same calendar, with `year_shift` = 2000.
    """

    wall: datetime  # naive, microsecond always 0
    nanos: int
    offset: int
    zone: str = ""
    year_shift: int = 0

    @property
    def year(self) -> int:
        return self.wall.year - self.year_shift

    def unix(self) -> int:
        return (
            calendar.timegm(self.wall.timetuple())
            - self.offset
            - _SHIFT_SECONDS * (self.year_shift // 2000)
        )

    def to_utc(self) -> GoTime:
        wall = self.wall - timedelta(seconds=self.offset)
        return GoTime(wall, self.nanos, 0, "UTC", self.year_shift)


# 2000 Gregorian years are five 400-year cycles: same weekdays, same leap years.
_SHIFT_SECONDS = 5 * 146097 * 86400


def _zone(offset: int, element: str) -> str:
    if offset == 0 and element.startswith("Z"):
        return "Z"
    sign = "-" if offset < 0 else "+"
    hours, rest = divmod(abs(offset), 3600)
    minutes, seconds = divmod(rest, 60)
    body = element[1:]
    if body == "07":
        return f"{sign}{hours:02d}"
    if body in ("0700", "070000"):
        return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if body == "070000" else "")
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if body == "07:00:00" else "")


def format_time(t: GoTime, layout: str) -> str:
    """Go's Time.Format."""
    w = t.wall
    hour12 = w.hour % 12 or 12
    values = {
        "January": calendar.month_name[w.month],
        "Jan": calendar.month_abbr[w.month],
        "Monday": calendar.day_name[w.weekday()],
        "Mon": calendar.day_abbr[w.weekday()],
        "2006": f"{t.year:04d}",
        "06": f"{t.year % 100:02d}",
        "01": f"{w.month:02d}",
        "1": str(w.month),
        "02": f"{w.day:02d}",
        "2": str(w.day),
        "_2": f"{w.day:2d}",
        "002": f"{w.timetuple().tm_yday:03d}",
        "__2": f"{w.timetuple().tm_yday:3d}",
        "15": f"{w.hour:02d}",
        "03": f"{hour12:02d}",
        "3": str(hour12),
        "04": f"{w.minute:02d}",
        "4": str(w.minute),
        "05": f"{w.second:02d}",
        "5": str(w.second),
        "PM": "PM" if w.hour >= 12 else "AM",
        "pm": "pm" if w.hour >= 12 else "am",
    }
    out: list[str] = []
    for is_element, text in layout_chunks(layout):
        if not is_element:
            out.append(text)
        elif text in values:
            out.append(values[text])
        elif text == "MST":
            out.append(t.zone or _zone(t.offset, "-0700"))  # no zone name: Go writes -0700
        elif text[0] in "-Z":
            out.append(_zone(t.offset, text))
        else:  # fractional seconds: ".000" fixed width, ".999" trailing zeros removed
            digits = f"{t.nanos:09d}"[: len(text) - 1]
            if text[1] == "9":
                digits = digits.rstrip("0")
                out.append(text[0] + digits if digits else "")
            else:
                out.append(text[0] + digits)
    return "".join(out)


_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTH_ABBRS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}


class _Scanner:
    """Reads a time value element by element, raising Go's parse error on mismatch."""

    def __init__(self, value: str, layout: str) -> None:
        self.value, self.layout, self.pos = value, layout, 0

    def fail(self, element: str) -> BuiltinError:
        rest = self.value[self.pos :]
        return BuiltinError(
            f'parsing time "{self.value}" as "{self.layout}": cannot parse "{rest}" as "{element}"'
        )

    def number(self, element: str, low: int, high: int) -> int:
        match = re.compile(rf"[0-9]{{{low},{high}}}").match(self.value, self.pos)
        if match is None:
            raise self.fail(element)
        self.pos = match.end()
        return int(match.group())

    def word(self, element: str, names: dict[str, int], size: int | None) -> int:
        text = self.value[self.pos :].lower()
        for name, index in sorted(names.items(), key=lambda item: -len(item[0])):
            if text.startswith(name) and (size is None or len(name) == size):
                self.pos += len(name)
                return index
        raise self.fail(element)

    def literal(self, text: str) -> None:
        """Match layout text; a run of spaces matches any run of spaces."""
        for part in re.split(r"( +)", text):
            if part.startswith(" "):
                spaces = re.compile(" +").match(self.value, self.pos)
                if spaces is None:
                    raise self.fail(text)
                self.pos = spaces.end()
            elif part:
                if not self.value.startswith(part, self.pos):
                    raise self.fail(text)
                self.pos += len(part)


def parse_time(layout: str, value: str) -> GoTime:
    """Go's time.ParseInLocation(layout, value, UTC)."""
    scan = _Scanner(value, layout)
    year, month, day, hour, minute, second, nanos = 0, 1, 1, 0, 0, 0, 0
    year_day, pm, offset, zone = 0, None, 0, "UTC"
    chunks = layout_chunks(layout)
    for index, (is_element, text) in enumerate(chunks):
        if not is_element:
            scan.literal(text)
            continue
        if text == "2006":
            year = scan.number(text, 4, 4)
        elif text == "06":
            short = scan.number(text, 2, 2)
            year = short + (1900 if short >= 69 else 2000)
        elif text in ("January", "Jan"):
            month = scan.word(
                text,
                _MONTHS if text == "January" else _MONTH_ABBRS,
                None if text == "January" else 3,
            )
        elif text in ("Monday", "Mon"):
            names = calendar.day_name if text == "Monday" else calendar.day_abbr
            scan.word(text, {n.lower(): i for i, n in enumerate(names)}, None)
        elif text in ("01", "1"):
            month = scan.number(text, len(text), 2)
        elif text in ("02", "2", "_2"):
            if text == "_2" and value[scan.pos : scan.pos + 1] == " ":
                scan.pos += 1
            day = scan.number(text, 2 if text == "02" else 1, 2)
        elif text in ("002", "__2"):
            year_day = scan.number(text, 3 if text == "002" else 1, 3)
        elif text in ("15", "03", "3"):
            hour = scan.number(text, 2 if text == "03" else 1, 2)
        elif text in ("04", "4"):
            minute = scan.number(text, len(text), 2)
        elif text in ("05", "5"):
            second = scan.number(text, len(text), 2)
            following = chunks[index + 1][1] if index + 1 < len(chunks) else ""
            fraction = re.compile(r"[.,][0-9]+").match(value, scan.pos)
            if fraction and not re.fullmatch(r"[.,](?:0+|9+)", following):
                nanos = int(fraction.group()[1:10].ljust(9, "0"))
                scan.pos = fraction.end()
        elif text in ("PM", "pm"):
            marker = value[scan.pos : scan.pos + 2].upper()
            if marker not in ("AM", "PM"):
                raise scan.fail(text)
            pm = marker == "PM"
            scan.pos += 2
        elif text == "MST":
            match = re.compile(r"[A-Z]{3,5}|[-+][0-9]{2,4}").match(value, scan.pos)
            if match is None:
                raise scan.fail(text)
            zone = match.group()
            scan.pos = match.end()
        elif text[0] in "-Z":
            if text[0] == "Z" and value[scan.pos : scan.pos + 1] == "Z":
                scan.pos += 1
                offset = 0
                continue
            pattern = {"07": r"([-+])(\d\d)()()", "0700": r"([-+])(\d\d)(\d\d)()", "07:00": r"([-+])(\d\d):(\d\d)()",
                       "070000": r"([-+])(\d\d)(\d\d)(\d\d)", "07:00:00": r"([-+])(\d\d):(\d\d):(\d\d)"}[text[1:]]  # fmt: skip
            match = re.compile(pattern).match(value, scan.pos)
            if match is None:
                raise scan.fail(text)
            sign = -1 if match.group(1) == "-" else 1
            offset = sign * (
                int(match.group(2)) * 3600
                + int(match.group(3) or 0) * 60
                + int(match.group(4) or 0)
            )
            zone = ""
            scan.pos = match.end()
        else:  # fractional seconds in the layout
            width = len(text) - 1
            match = re.compile(
                r"[.,]([0-9]+)" if text[1] == "9" else rf"[.,]([0-9]{{{width}}})"
            ).match(value, scan.pos)
            if match is None:
                if text[1] == "9":
                    continue
                raise scan.fail(text)
            nanos = int(match.group(1)[:9].ljust(9, "0"))
            scan.pos = match.end()
    if scan.pos != len(value):
        raise BuiltinError(f'parsing time "{value}": extra text: "{value[scan.pos :]}"')
    if pm is not None:
        if hour > 12:
            raise BuiltinError(f'parsing time "{value}": hour out of range')
        hour = hour % 12 + (12 if pm else 0)
    for name, number, low, high in (
        ("month", month, 1, 12),
        ("day", day, 1, 31),
        ("hour", hour, 0, 23),
        ("minute", minute, 0, 59),
        ("second", second, 0, 59),
    ):
        if not low <= number <= high:
            raise BuiltinError(f'parsing time "{value}": {name} out of range')
    shift = 2000 if year == 0 else 0
    year += shift
    try:
        if year_day:
            wall = datetime(year, 1, 1, hour, minute, second) + timedelta(days=year_day - 1)
        else:
            wall = datetime(year, month, day, hour, minute, second)
    except (ValueError, OverflowError) as exc:
        raise BuiltinError(f'parsing time "{value}": day out of range') from exc
    return GoTime(wall, nanos, offset, zone, shift)


RFC3339 = "2006-01-02T15:04:05Z07:00"
RFC3339_NANO = "2006-01-02T15:04:05.999999999Z07:00"


def _rfc3339(value: str) -> GoTime:
    return parse_time(RFC3339_NANO, value)


def is_time(value: str) -> bool:
    try:
        _rfc3339(value)
    except BuiltinError as exc:
        raise BuiltinError(f'invalid time "{value}"') from exc
    return True


def matches_format(value: str, layout: str) -> bool:
    try:
        parse_time(layout, value)
    except BuiltinError as exc:
        raise BuiltinError(f'invalid time "{value}"') from exc
    return True


def unix(seconds: int, nanos: int) -> str:
    extra, nanos = divmod(nanos, SECOND)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    try:
        wall = (epoch + timedelta(seconds=seconds + extra)).replace(tzinfo=None)
    except OverflowError as exc:
        raise BuiltinError(f"time out of range: {seconds}") from exc
    return format_time(GoTime(wall, nanos, 0, "UTC"), RFC3339_NANO)


def to_unix_nano(value: str) -> int:
    t = _rfc3339(value)
    return t.unix() * SECOND + t.nanos


def split(value: str) -> dict[str, int]:
    t = _rfc3339(value)
    w = t.wall
    return {
        "year": w.year,
        "month": w.month,
        "day": w.day,
        "hour": w.hour,
        "minute": w.minute,
        "second": w.second,
        "nanosecond": t.nanos,
    }


_LAYOUTS = {
    "ANSIC": "Mon Jan _2 15:04:05 2006",
    "UnixDate": "Mon Jan _2 15:04:05 MST 2006",
    "RubyDate": "Mon Jan 02 15:04:05 -0700 2006",
    "RFC822": "02 Jan 06 15:04 MST",
    "RFC822Z": "02 Jan 06 15:04 -0700",
    "RFC850": "Monday, 02-Jan-06 15:04:05 MST",
    "RFC1123": "Mon, 02 Jan 2006 15:04:05 MST",
    "RFC1123Z": "Mon, 02 Jan 2006 15:04:05 -0700",
    "RFC3339": RFC3339,
    "RFC3339Nano": RFC3339_NANO,
    "RFC3339Date": "2006-01-02",
    "Kitchen": "3:04PM",
    "Kitchen24": "15:04",
}
_CONSTANTS: dict[str, object] = {
    "Nanosecond": NANOSECOND,
    "Microsecond": MICROSECOND,
    "Millisecond": MILLISECOND,
    "Second": SECOND,
    "Minute": MINUTE,
    "Hour": HOUR,
    **_LAYOUTS,
    **{name: i for i, name in enumerate(calendar.month_name) if name},
    **{name: (i + 1) % 7 for i, name in enumerate(calendar.day_name)},
}

MEMBERS = package(
    "time",
    [
        ("Duration", lambda s: parse_duration(s) is not None, "string", "bool"),
        ("FormatDuration", format_duration, "int", "string"),
        ("ParseDuration", parse_duration, "string", "int"),
        ("Time", is_time, "string", "bool"),
        ("Format", matches_format, "string string", "bool"),
        (
            "FormatString",
            lambda layout, value: format_time(_rfc3339(value), layout),
            "string string",
            "string",
        ),
        (
            "Parse",
            lambda layout, value: format_time(parse_time(layout, value).to_utc(), RFC3339_NANO),
            "string string",
            "string",
        ),
        ("Unix", unix, "int int", "string"),
        ("ToUnix", lambda value: _rfc3339(value).unix(), "string", "int"),
        (
            "ToUnixNano",
            lambda value: _rfc3339(value).unix() * SECOND + _rfc3339(value).nanos,
            "string",
            "int",
        ),
        ("Split", split, "string", "struct"),
    ],
    _CONSTANTS,
)
