"""vela/metrics against a loopback server speaking the Prometheus query API."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from cueflow.providers import metrics
from cueflow.providers.base import ProviderError
from cueflow.testing.doubles import provider_context
from cueflow.testing.serving import serve

ANSWERS: dict[str, Any] = {
    "good": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "0.97"]}]},
    "bad": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "0.5"]}]},
    "scalar": {"resultType": "scalar", "result": [1, "3"]},
    "many": {"resultType": "vector", "result": [{"value": [1, "1"]}, {"value": [1, "2"]}]},
    "matrix": {"resultType": "matrix", "result": []},
}


async def query(request: Request) -> Response:
    name = request.query_params["query"]
    if name == "html":
        return PlainTextResponse("<html>", status_code=502)
    if name not in ANSWERS:
        return JSONResponse({"status": "error", "errorType": "bad_data",
                             "error": f"parse error in {name}"}, status_code=400)
    return JSONResponse({"status": "success", "data": ANSWERS[name]})


@pytest.fixture
async def prometheus() -> AsyncIterator[str]:
    async with serve(Starlette(routes=[Route("/api/v1/query", query)])) as port:
        yield f"http://127.0.0.1:{port}"


def check(endpoint: str, name: str, **extra: str) -> dict[str, Any]:
    return {"query": name, "metricEndpoint": endpoint, "condition": ">=0.95",
            "duration": "5m", "failDuration": "2m", **extra}


async def test_success_must_last_for_the_duration(prometheus: str) -> None:
    ctx = provider_context(step_id="s1")
    first = await metrics.prom_check(ctx, check(prometheus, "good"))
    assert (first["result"], first["failed"]) == (False, False)
    assert "first success" in first["message"]
    second = await metrics.prom_check(ctx, check(prometheus, "good"))
    assert second["result"] is False and "of 300s" in second["message"]
    ctx.variables["s1.metrics.success.time"] = str(int(time.time()) - 301)
    done = await metrics.prom_check(ctx, check(prometheus, "good"))
    assert (done["result"], done["failed"]) == (True, False)


async def test_failure_is_recorded_and_fails_after_fail_duration(prometheus: str) -> None:
    ctx = provider_context(step_id="s1")
    ctx.variables["s1.metrics.success.time"] = "1"
    first = await metrics.prom_check(ctx, check(prometheus, "bad"))
    assert "first failed check" in first["message"] and first["failed"] is False
    assert "s1.metrics.success.time" not in ctx.variables
    assert "s1.metrics.fail.time" in ctx.variables
    again = await metrics.prom_check(ctx, check(prometheus, "bad"))
    assert again["failed"] is False and "120s allowed" in again["message"]
    ctx.variables["s1.metrics.fail.time"] = str(int(time.time()) - 121)
    failed = await metrics.prom_check(ctx, check(prometheus, "bad"))
    assert (failed["result"], failed["failed"]) == (False, True)
    assert "value 0.5" in failed["message"]
    await metrics.prom_check(ctx, check(prometheus, "good"))
    assert "s1.metrics.fail.time" not in ctx.variables


async def test_scalar_results_and_conditions(prometheus: str) -> None:
    ctx = provider_context()
    result = await metrics.prom_check(ctx, check(prometheus, "scalar", condition="== 3"))
    assert "first success" in result["message"]
    arithmetic = await metrics.prom_check(provider_context(step_id="other"),
                                          check(prometheus, "bad", condition="* 100 < 60"))
    assert "first success" in arithmetic["message"]


@pytest.mark.parametrize(("name", "extra", "message"), [
    ("many", {}, "the query is returning 2 results"),
    ("matrix", {}, "returned a matrix"),
    ("nope", {}, "query failed: parse error in nope"),
    ("html", {}, "did not answer with JSON"),
    ("good", {"condition": "is good"}, 'condition "is good" cannot be evaluated: expected'),
    ("good", {"condition": '> "a"'}, "cannot be evaluated: result: invalid operands"),
    ("good", {"condition": "+ 1"}, "must give true or false, not 1.97"),
    ("good", {"duration": "forever"}, 'duration "forever" is not a valid duration'),
    ("good", {"failDuration": "1 min"}, 'failDuration "1 min" is not a valid duration'),
])
async def test_errors_fail_the_call(prometheus: str, name: str, extra: dict[str, str],
                                    message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        await metrics.prom_check(provider_context(), check(prometheus, name, **extra))


async def test_unreachable_endpoint_fails() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ProviderError, match=f"cannot query http://127.0.0.1:{port}/api/v1/query"):
        await metrics.prom_check(provider_context(), check(f"http://127.0.0.1:{port}", "good"))
    with pytest.raises(ProviderError, match="query is missing"):
        await metrics.prom_check(provider_context(), {"condition": ">1"})


async def test_the_engine_clock_decides_how_long_it_held(prometheus: str) -> None:
    moment = [datetime(2026, 1, 1, tzinfo=UTC)]
    ctx = provider_context(step_id="s1", extras={"now": lambda: moment[0]})
    await metrics.prom_check(ctx, check(prometheus, "good"))
    moment[0] += timedelta(minutes=4)
    assert (await metrics.prom_check(ctx, check(prometheus, "good")))["result"] is False
    moment[0] += timedelta(minutes=1)
    assert (await metrics.prom_check(ctx, check(prometheus, "good")))["result"] is True
