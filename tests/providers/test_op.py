"""Legacy vela/op: the same functions, results at the top level of the task."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cueflow.providers import registry
from cueflow.providers.base import ProviderContext, ProviderPackage
from cueflow.testing.doubles import provider_context
from cueflow.testing.serving import serve


@pytest.fixture
def op() -> ProviderPackage:
    return registry.default_packages()["vela/op"]


@pytest.fixture
async def server() -> AsyncIterator[str]:
    async def answer(request: Request) -> JSONResponse:
        return JSONResponse({"method": request.method, "body": (await request.body()).decode()})

    async with serve(Starlette(routes=[Route("/", answer, methods=["GET", "POST"])])) as port:
        yield f"http://127.0.0.1:{port}/"


async def test_http_result_goes_into_response(op: ProviderPackage, server: str) -> None:
    task = {"method": "POST", "url": server, "request": {"body": "hi"},
            "response": {"statusCode": None}}
    result = await op.functions["do"](provider_context(), task)
    assert set(result) == {"response"}
    assert result["response"]["statusCode"] == 200
    assert json.loads(result["response"]["body"]) == {"method": "POST", "body": "hi"}


async def test_list_result_is_named_list(op: ProviderPackage, ctx: ProviderContext) -> None:
    await op.functions["apply"](ctx, {"value": {"apiVersion": "v1", "kind": "ConfigMap",
                                                "metadata": {"name": "a"}}})
    result = await op.functions["list"](ctx, {"resource": {"apiVersion": "v1",
                                                           "kind": "ConfigMap"}})
    assert [i["metadata"]["name"] for i in result["list"]["items"]] == ["a"]
    read = await op.functions["read"](ctx, {"value": {"apiVersion": "v1", "kind": "ConfigMap",
                                                      "metadata": {"name": "a"}}})
    assert read["value"]["metadata"]["labels"]["workflowrun.oam.dev/name"] == "run1"


async def test_converters_and_builtin_actions(op: ProviderPackage) -> None:
    ctx = provider_context()
    assert await op.functions["date"](ctx, {"timestamp": 0, "layout": "2006"}) == {"date": "1970"}
    assert await op.functions["string"](ctx, {"bt": b"x", "str": None}) == {"str": "x"}
    await op.functions["fail"](ctx, {"message": "stop"})
    assert ctx.actions.calls == [("fail", "stop")]
