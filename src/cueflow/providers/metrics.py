"""`vela/metrics`: check a Prometheus query against a condition, over time.

Each call runs the instant query once. The first time the condition holds (or
fails) is kept in the run's context store under the step id, so templates can
wait until it has held for `duration`, or give up once it failed for
`failDuration`.
"""

from __future__ import annotations

import math
from typing import Any

import httpx

from cueflow import cue
from cueflow.providers import params
from cueflow.providers.base import ProviderContext, ProviderError, ProviderPackage

__all__ = ["QUERY_TIMEOUT", "package", "prom_check"]

PACKAGE_PATH = "vela/metrics"
DEFAULT_ENDPOINT = "http://prometheus-server.o11y-system.svc:9090"
QUERY_TIMEOUT = 30.0
"""Seconds a query may take."""

def _holds(value: float, condition: str) -> bool:
    """Evaluate the CUE expression `<value> <condition>` (e.g. `>=0.95`, `* 100 > 95`)."""
    if not math.isfinite(value):
        raise ProviderError(f"the query returned {value}, which a condition cannot compare")
    result = cue.Context().compile(f"result: {value!r} {condition}").lookup("result")
    try:
        outcome = result.to_python()
    except cue.CueError as exc:
        raise ProviderError(f'condition "{condition}" cannot be evaluated: '
                            f"{str(exc).splitlines()[0]}") from exc
    if not isinstance(outcome, bool):
        raise ProviderError(f'condition "{condition}" must give true or false, not {outcome}')
    return outcome


async def _query(endpoint: str, query: str) -> float:
    url = endpoint.rstrip("/") + "/api/v1/query"
    try:
        async with httpx.AsyncClient(timeout=QUERY_TIMEOUT) as client:
            response = await client.get(url, params={"query": query})
        answer = response.json()
    except httpx.HTTPError as exc:
        raise ProviderError(f"cannot query {url}: {exc or type(exc).__name__}") from exc
    except ValueError as exc:
        raise ProviderError(f"{url} did not answer with JSON (status "
                            f"{response.status_code})") from exc
    if not isinstance(answer, dict) or answer.get("status") != "success":
        error = answer.get("error") if isinstance(answer, dict) else None
        raise ProviderError(f"query failed: {error or f'status {response.status_code}'}")
    data = answer.get("data") or {}
    result = data.get("result")
    if data.get("resultType") == "scalar":
        sample = result
    elif data.get("resultType") == "vector" and isinstance(result, list):
        if len(result) != 1:
            raise ProviderError(f"the query is returning {len(result)} results, "
                                "it must return exactly one sample")
        sample = result[0].get("value")
    else:
        raise ProviderError(f"the query returned a {data.get('resultType')}, "
                            "not a scalar or a one-sample vector")
    try:
        return float(sample[1])
    except (TypeError, IndexError, ValueError) as exc:
        raise ProviderError(f"the query returned an unreadable sample: {sample!r}") from exc


def _since(store: dict[str, Any], key: str) -> float | None:
    value = store.get(key)
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


async def prom_check(ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any]:
    """`#PromCheck`: `{"result", "failed", "message"}`."""
    query = params.require_str(args, "query")
    endpoint = params.optional_str(args, "metricEndpoint") or DEFAULT_ENDPOINT
    condition = params.require_str(args, "condition")
    duration = params.parse_duration(params.optional_str(args, "duration") or "5m", "duration")
    fail_duration = params.parse_duration(params.optional_str(args, "failDuration") or "2m",
                                          "failDuration")
    value = await _query(endpoint, query)
    now = params.now(ctx).timestamp()
    success_key = f"{ctx.step_id}.metrics.success.time"
    fail_key = f"{ctx.step_id}.metrics.fail.time"
    shown = f"{value:g}"
    if _holds(value, condition):
        ctx.variables.pop(fail_key, None)
        since = _since(ctx.variables, success_key)
        if since is None:
            ctx.variables[success_key] = str(int(now))
            return {"result": False, "failed": False,
                    "message": f"the condition holds (value {shown}), first success"}
        if now - since >= duration:
            return {"result": True, "failed": False,
                    "message": f"the condition has held for {int(now - since)}s"}
        return {"result": False, "failed": False,
                "message": f"the condition has held for {int(now - since)}s of "
                           f"{int(duration)}s (value {shown})"}
    ctx.variables.pop(success_key, None)
    since = _since(ctx.variables, fail_key)
    if since is None:
        ctx.variables[fail_key] = str(int(now))
        return {"result": False, "failed": False,
                "message": f"the condition does not hold (value {shown}), first failed check"}
    if now - since >= fail_duration:
        return {"result": False, "failed": True,
                "message": f"the condition has not held for {int(now - since)}s "
                           f"(value {shown})"}
    return {"result": False, "failed": False,
            "message": f"the condition has not held for {int(now - since)}s of "
                       f"{int(fail_duration)}s allowed (value {shown})"}


def package() -> ProviderPackage:
    return ProviderPackage(path=PACKAGE_PATH, provider="metrics",
                           schema=params.load_schema("metrics"),
                           functions={"promCheck": prom_check})
