"""`vela/time`: dates to unix timestamps and back, with Go reference-time layouts.

Templates write layouts the Go way (`2006-01-02 15:04:05`, `Jan _2`, `Z07:00`),
so this module translates a layout into tokens once and uses them both to
format and to parse (through a regular expression).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from cueflow.providers import params
from cueflow.providers.base import ProviderContext, ProviderError, ProviderPackage

__all__ = ["RFC3339", "date", "format_go", "package", "parse_go", "timestamp"]

PACKAGE_PATH = "vela/time"
RFC3339 = "2006-01-02T15:04:05Z07:00"

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Longest first within each leading character, as Go's layout scanner decides.
_TOKENS = [
    "January", "Jan", "Monday", "Mon", "MST",
    "2006", "002", "01", "02", "03", "04", "05", "06", "__2", "_2", "15", "1", "2", "3", "4",
    "5", "PM", "pm",
    "Z07:00:00", "Z070000", "Z07:00", "Z0700", "Z07",
    "-07:00:00", "-070000", "-07:00", "-0700", "-07",
]
_FRACTION = re.compile(r"[.,](0+|9+)(?!\d)")


def _tokens(layout: str) -> list[str]:
    """Split a layout into reference tokens and literal text (prefixed with `'`)."""
    out: list[str] = []
    position = 0
    while position < len(layout):
        fraction = _FRACTION.match(layout, position)
        if fraction and out and out[-1] in ("05", "5"):
            out.append(fraction.group(0))
            position = fraction.end()
            continue
        token = next((t for t in _TOKENS if layout.startswith(t, position)), None)
        if token is None:
            out.append("'" + layout[position])
            position += 1
        else:
            out.append(token)
            position += len(token)
    return out


def _offset(moment: datetime, token: str) -> str:
    delta = moment.utcoffset() or timedelta(0)
    if token.startswith("Z") and not delta:
        return "Z"
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    body = token.lstrip("Z-")
    text = f"{sign}{hours:02d}"
    if body == "07":
        return text
    separator = ":" if ":" in body else ""
    text += f"{separator}{minutes:02d}"
    if len(body.replace(":", "")) == 6:
        text += f"{separator}{secs:02d}"
    return text


def _format_token(moment: datetime, token: str) -> str:
    hour12 = moment.hour % 12 or 12
    simple: dict[str, Callable[[], str]] = {
        "January": lambda: _MONTHS[moment.month - 1],
        "Jan": lambda: _MONTHS[moment.month - 1][:3],
        "Monday": lambda: _DAYS[moment.weekday()],
        "Mon": lambda: _DAYS[moment.weekday()][:3],
        "MST": lambda: moment.tzname() or "UTC",
        "2006": lambda: f"{moment.year:04d}", "06": lambda: f"{moment.year % 100:02d}",
        "01": lambda: f"{moment.month:02d}", "1": lambda: str(moment.month),
        "02": lambda: f"{moment.day:02d}", "2": lambda: str(moment.day),
        "_2": lambda: f"{moment.day:2d}",
        "002": lambda: f"{moment.timetuple().tm_yday:03d}",
        "__2": lambda: f"{moment.timetuple().tm_yday:3d}",
        "15": lambda: f"{moment.hour:02d}", "03": lambda: f"{hour12:02d}",
        "3": lambda: str(hour12), "04": lambda: f"{moment.minute:02d}",
        "4": lambda: str(moment.minute), "05": lambda: f"{moment.second:02d}",
        "5": lambda: str(moment.second),
        "PM": lambda: "PM" if moment.hour >= 12 else "AM",
        "pm": lambda: "pm" if moment.hour >= 12 else "am",
    }
    if token.startswith("'"):
        return token[1:]
    if token in simple:
        return simple[token]()
    if token[0] in ".,":
        digits = f"{moment.microsecond:06d}000"[: len(token) - 1]
        if token[1] == "9":
            digits = digits.rstrip("0")
            return token[0] + digits if digits else ""
        return token[0] + digits
    return _offset(moment, token)


def format_go(moment: datetime, layout: str) -> str:
    """Format `moment` with a Go layout."""
    return "".join(_format_token(moment, token) for token in _tokens(layout))


_PATTERNS = {
    "January": "(?P<month_name>" + "|".join(_MONTHS) + ")",
    "Jan": "(?P<month_abbr>" + "|".join(m[:3] for m in _MONTHS) + ")",
    "Monday": "(?:" + "|".join(_DAYS) + ")", "Mon": "(?:" + "|".join(d[:3] for d in _DAYS) + ")",
    "MST": r"(?:[A-Z]{3,5}|[+-]\d{2})",
    "2006": r"(?P<year>\d{4})", "06": r"(?P<yy>\d{2})",
    "01": r"(?P<month>\d{2})", "1": r"(?P<month>\d{1,2})",
    "02": r"(?P<day>\d{2})", "2": r"(?P<day>\d{1,2})", "_2": r" ?(?P<day>\d{1,2})",
    "002": r"(?P<yday>\d{3})", "__2": r" {0,2}(?P<yday>\d{1,3})",
    "15": r"(?P<hour>\d{2})", "03": r"(?P<hour12>\d{2})", "3": r"(?P<hour12>\d{1,2})",
    "04": r"(?P<minute>\d{2})", "4": r"(?P<minute>\d{1,2})",
    "05": r"(?P<second>\d{2})", "5": r"(?P<second>\d{1,2})",
    "PM": r"(?P<ampm>AM|PM)", "pm": r"(?P<ampm>am|pm)",
}


def _parse_pattern(tokens: list[str]) -> re.Pattern[str]:
    parts: list[str] = []
    for index, token in enumerate(tokens):
        if token.startswith("'"):
            parts.append(re.escape(token[1:]))
        elif token in _PATTERNS:
            parts.append(_PATTERNS[token])
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            if token in ("05", "5") and following[:1] not in (".", ","):
                parts.append(r"(?:[.,](?P<fraction>\d+))?")
        elif token[0] in ".,":
            digits = r"\d*" if token[1] == "9" else rf"\d{{{len(token) - 1}}}"
            parts.append(rf"(?:[.,](?P<fraction>{digits}))" + ("?" if token[1] == "9" else ""))
        else:
            zulu = "Z|" if token.startswith("Z") else ""
            parts.append(rf"(?P<offset>{zulu}[+-]\d{{2}}(?::?\d{{2}}){{0,2}})")
    return re.compile("^" + "".join(parts) + "$")


def parse_go(text: str, layout: str) -> datetime:
    """Parse `text` with a Go layout; without an offset in the layout the time is UTC."""
    match = _parse_pattern(_tokens(layout)).match(text)
    if match is None:
        raise ValueError(f'"{text}" does not match layout "{layout}"')
    found = {k: v for k, v in match.groupdict().items() if v is not None}
    year = int(found["year"]) if "year" in found else (
        2000 + int(found["yy"]) if int(found.get("yy", 0)) < 69 else 1900 + int(found["yy"]))
    if "month_name" in found:
        month = _MONTHS.index(found["month_name"]) + 1
    elif "month_abbr" in found:
        month = [m[:3] for m in _MONTHS].index(found["month_abbr"]) + 1
    else:
        month = int(found.get("month", 1))
    hour = int(found.get("hour", 0))
    if "hour12" in found:
        hour = int(found["hour12"]) % 12 + (12 if found.get("ampm", "").lower() == "pm" else 0)
    zone = UTC
    offset = found.get("offset", "Z")
    if offset != "Z":
        digits = offset[1:].replace(":", "")
        seconds = int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60 + int(digits[4:6] or 0)
        zone = timezone(timedelta(seconds=-seconds if offset[0] == "-" else seconds))
    micro = int((found.get("fraction", "") + "000000")[:6])
    if "yday" in found:
        start = datetime(year, 1, 1, tzinfo=zone) + timedelta(days=int(found["yday"]) - 1)
        month, day = start.month, start.day
    else:
        day = int(found.get("day", 1))
    return datetime(year, month, day, hour, int(found.get("minute", 0)),
                    int(found.get("second", 0)), micro, tzinfo=zone)


async def timestamp(ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any]:
    """`#DateToTimestamp`: `{"timestamp": <unix seconds>}`."""
    text = params.require_str(args, "date", allow_empty=True)
    if not text:
        raise ProviderError("empty date to convert")
    layout = params.optional_str(args, "layout") or RFC3339
    try:
        return {"timestamp": int(parse_go(text, layout).timestamp())}
    except ValueError as exc:
        raise ProviderError(f"cannot parse date: {exc}") from exc


async def date(ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any]:
    """`#TimestampToDate`: `{"date": <text>}`, formatted in UTC."""
    seconds = params.require_int(args, "timestamp")
    layout = params.optional_str(args, "layout") or RFC3339
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ProviderError(f"timestamp {seconds} is out of range") from exc
    return {"date": format_go(moment, layout)}


def package() -> ProviderPackage:
    return ProviderPackage(path=PACKAGE_PATH, provider="time", schema=params.load_schema("time"),
                           functions={"timestamp": timestamp, "date": date})
