"""vela/time with Go reference layouts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cueflow.providers import time as vtime
from cueflow.providers.base import ProviderError
from cueflow.testing.doubles import provider_context

MOMENT = datetime(2021, 3, 7, 15, 4, 5, 120000, tzinfo=UTC)


@pytest.mark.parametrize(("layout", "text"), [
    ("", "2021-03-07T15:04:05Z"),
    ("2006-01-02", "2021-03-07"),
    ("Jan _2 15:04:05.000", "Mar  7 15:04:05.120"),
    ("Monday, 02-Jan-06 3:04PM", "Sunday, 07-Mar-21 3:04PM"),
    ("2006-01-02T15:04:05.999999999Z07:00", "2021-03-07T15:04:05.12Z"),
    ("January 2, 2006 at 03:04 pm (day 002)", "March 7, 2021 at 03:04 pm (day 066)"),
    ("20060102-150405 -0700", "20210307-150405 +0000"),
])
async def test_timestamp_to_date_formats_in_utc(layout: str, text: str) -> None:
    result = await vtime.date(provider_context(), {"timestamp": 1615129445, "layout": layout})
    expected = vtime.format_go(MOMENT.replace(microsecond=0), layout or vtime.RFC3339)
    assert result == {"date": expected}
    assert vtime.format_go(MOMENT, layout or vtime.RFC3339) == text


@pytest.mark.parametrize(("text", "layout", "expected"), [
    ("2021-03-07T15:04:05Z", "", 1615129445),
    ("2021-03-07T15:04:05.5+01:00", "", 1615125845),
    ("2021-03-07", "2006-01-02", 1615075200),
    ("07/03/21 03:04:05 PM", "02/01/06 03:04:05 PM", 1615129445),
    ("Mar  7 2021 15:04 -0130", "Jan _2 2006 15:04 -0700", 1615134840),
    ("Sunday 2021-066", "Monday 2006-002", 1615075200),
])
async def test_date_to_timestamp_parses_go_layouts(text: str, layout: str, expected: int) -> None:
    result = await vtime.timestamp(provider_context(), {"date": text, "layout": layout})
    assert result == {"timestamp": expected}


def test_offsets_are_formatted_like_go() -> None:
    moment = datetime(2021, 1, 2, 3, 4, 5, tzinfo=timezone(-timedelta(hours=5, minutes=30)))
    assert vtime.format_go(moment, "Z07:00 -0700 -07 Z070000") == "-05:30 -0530 -05 -053000"
    assert vtime.format_go(moment.astimezone(UTC), "Z07:00 -07:00") == "Z +00:00"


@pytest.mark.parametrize(("args", "message"), [
    ({"date": ""}, "empty date to convert"),
    ({"date": "yesterday"}, r'cannot parse date: "yesterday" does not match layout'),
    ({"date": "2021-13-01", "layout": "2006-01-02"}, "cannot parse date"),
    ({"date": 5}, "date must be a string"),
])
async def test_bad_dates_fail(args: dict, message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        await vtime.timestamp(provider_context(), args)


@pytest.mark.parametrize(("args", "message"), [
    ({"timestamp": "x"}, "timestamp must be an integer, not a string"),
    ({"timestamp": 10**20}, "out of range"),
    ({}, "timestamp is missing"),
])
async def test_bad_timestamps_fail(args: dict, message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        await vtime.date(provider_context(), args)
