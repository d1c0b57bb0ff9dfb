"""vela/http against real HTTP and HTTPS servers on loopback."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import h11
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cueflow.providers import http
from cueflow.providers.base import ProviderContext, ProviderError
from cueflow.testing.certs import Pki, make_pki
from cueflow.testing.doubles import provider_context
from cueflow.testing.serving import serve


async def echo(request: Request) -> Response:
    if request.url.path == "/slow":
        await asyncio.sleep(0.5)
    if request.url.path.startswith("/status/"):
        return Response("custom", status_code=int(request.url.path.rsplit("/", 1)[1]),
                        headers={"X-Reason": "asked"})
    body = {"method": request.method, "path": request.url.path, "query": request.url.query,
            "headers": dict(request.headers), "body": (await request.body()).decode()}
    return JSONResponse(body, headers={"X-Multi": "a"})


APP = Starlette(routes=[Route("/{path:path}", echo,
                              methods=["GET", "POST", "PUT", "DELETE", "PATCH"])])


class Secrets:
    """SecretAccess over a dict of `(namespace, name) -> data`."""

    def __init__(self, data: dict[tuple[str, str], dict[str, str]]) -> None:
        self.data = data

    async def get(self, namespace: str, name: str) -> dict[str, str]:
        try:
            return self.data[(namespace, name)]
        except KeyError:
            raise LookupError(name) from None


@pytest.fixture
async def server() -> AsyncIterator[str]:
    async with serve(APP) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path)


@pytest.fixture
async def tls_server(pki: Pki) -> AsyncIterator[str]:
    """HTTPS that requires a client certificate signed by the test CA."""
    async with serve(APP, ssl_certfile=pki.path("server.crt"), ssl_keyfile=pki.path("server.key"),
                     ssl_ca_certs=pki.path("ca.crt"), ssl_cert_reqs=ssl.CERT_REQUIRED) as port:
        yield f"https://127.0.0.1:{port}"


async def trailer_echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers with what it got (method, target, body, headers, trailers) and a trailer."""
    connection = h11.Connection(h11.SERVER)
    got: dict = {"body": ""}
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            connection.receive_data(await reader.read(65536))
        elif isinstance(event, h11.Request):
            got.update(method=event.method.decode(), target=event.target.decode(),
                       headers={k.decode(): v.decode() for k, v in event.headers})
        elif isinstance(event, h11.Data):
            got["body"] += event.data.decode()
        elif isinstance(event, h11.EndOfMessage):
            got["trailers"] = {k.decode(): v.decode() for k, v in event.headers}
            break
    writer.write(connection.send(h11.Response(status_code=207, headers=[
        ("Transfer-Encoding", "chunked"), ("Trailer", "X-Checksum")])))
    writer.write(connection.send(h11.Data(data=json.dumps(got).encode())))
    writer.write(connection.send(h11.EndOfMessage(headers=[("X-Checksum", "abc")])))
    await writer.drain()
    writer.close()


@pytest.fixture
async def trailer_server() -> AsyncIterator[str]:
    server = await asyncio.start_server(trailer_echo, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def ctx_with(secrets: dict[tuple[str, str], dict[str, str]] | None = None) -> ProviderContext:
    return provider_context(secrets=Secrets(secrets or {}), namespace="team")


async def test_get_returns_body_headers_and_status(server: str) -> None:
    result = await http.HttpProvider().do(ctx_with(), {"url": f"{server}/x?a=1"})
    sent = json.loads(result["body"])
    assert (sent["method"], sent["path"], sent["query"]) == ("GET", "/x", "a=1")
    assert sent["headers"]["content-type"] == "application/json"
    assert result["statusCode"] == 200
    assert result["header"]["X-Multi"] == ["a"]
    assert result["trailer"] == {}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "GET"])
async def test_each_method_is_sent(server: str, method: str) -> None:
    result = await http.HttpProvider().do(ctx_with(), {
        "method": method, "url": server,
        "request": {"body": '{"a":1}', "header": {"X-Token": "t"}}})
    sent = json.loads(result["body"])
    assert sent["method"] == method
    assert sent["body"] == '{"a":1}'
    assert sent["headers"]["x-token"] == "t"
    assert "content-type" not in sent["headers"]  # only added when no header is given


async def test_error_status_is_a_result_not_a_failure(server: str) -> None:
    result = await http.HttpProvider().do(ctx_with(), {"url": f"{server}/status/503"})
    assert (result["statusCode"], result["body"]) == (503, "custom")
    assert result["header"]["X-Reason"] == ["asked"]


async def test_timeout_fails_with_the_limit(server: str) -> None:
    with pytest.raises(ProviderError, match=r"GET .*/slow: no answer within 0.1s"):
        await http.HttpProvider().do(ctx_with(), {"url": f"{server}/slow",
                                                  "request": {"timeout": "100ms"}})


async def test_unreachable_server_fails() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ProviderError, match=rf"GET http://127.0.0.1:{port}/: cannot connect"):
        await http.HttpProvider().do(ctx_with(), {"url": f"http://127.0.0.1:{port}/"})


@pytest.mark.parametrize(("args", "message"), [
    ({}, "url must be a string"),
    ({"url": 5}, "url must be a string"),
    ({"url": ""}, "url must not be empty"),
    ({"url": "http://x", "method": "BREW"}, 'method "BREW" is not one of'),
    ({"url": "http://x", "request": {"timeout": "soon"}}, r'request.timeout "soon" is not a valid'),
    ({"url": "http://x", "request": {"header": {"a": 1}}}, "request.header must map names to strings"),
    ({"url": "http://x", "request": "x"}, "request must be an object"),
    ({"url": "ftp://x"}, "ftp://x"),
])
async def test_bad_input_is_explained(args: dict, message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        await http.HttpProvider().do(ctx_with(), args)


async def test_rate_limiter_allows_a_burst_then_refuses(server: str) -> None:
    provider = http.HttpProvider()
    args = {"url": f"{server}/r?x=1", "request": {"ratelimiter": {"limit": 2, "period": "1h"}}}
    await provider.do(ctx_with(), args)
    await provider.do(ctx_with(), {**args, "url": f"{server}/r?x=2"})  # same key: no query
    with pytest.raises(ProviderError, match="request exceeds the rate limiter"):
        await provider.do(ctx_with(), args)
    await provider.do(ctx_with(), {**args, "method": "POST"})  # another key
    changed = {"url": args["url"], "request": {"ratelimiter": {"limit": 3, "period": "1h"}}}
    await provider.do(ctx_with(), changed)  # a new (limit, period) starts a new bucket


def test_rate_limiter_refills_and_forgets_old_keys() -> None:
    limiter = http.RateLimiter(capacity=2)
    assert limiter.allow("k", 1, 10.0, now=0.0)
    assert not limiter.allow("k", 1, 10.0, now=5.0)
    assert limiter.allow("k", 1, 10.0, now=15.1)
    limiter.allow("a", 1, 10.0, now=16.0)
    limiter.allow("b", 1, 10.0, now=16.0)  # evicts "k"
    assert limiter.allow("k", 1, 10.0, now=16.0)


async def test_headers_and_url_from_secrets(server: str) -> None:
    ctx = ctx_with({("team", "api"): {"token": "s3cret", "url": f"{server}/hidden"}})
    result = await http.HttpProvider().do(ctx, {
        "url": {"secretRef": {"name": "api", "key": "url"}},
        "request": {"headersFromSecret": [{"header": "Authorization", "secret": "api",
                                           "key": "token"}]}})
    sent = json.loads(result["body"])
    assert sent["path"] == "/hidden"
    assert sent["headers"]["authorization"] == "s3cret"


async def test_missing_secret_or_key_fails_without_revealing_values(server: str) -> None:
    ctx = ctx_with({("team", "api"): {"token": "s3cret"}})
    header = {"header": "Authorization", "secret": "api", "key": "nope"}
    with pytest.raises(ProviderError, match='secret "team/api" has no key "nope"') as error:
        await http.HttpProvider().do(ctx, {"url": server,
                                           "request": {"headersFromSecret": [header]}})
    assert "s3cret" not in str(error.value)
    with pytest.raises(ProviderError, match='secret "team/other" not found'):
        await http.HttpProvider().do(ctx, {"url": server, "request": {"headersFromSecret": [
            {**header, "secret": "other"}]}})


async def test_url_from_secret_is_not_shown_in_errors() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ctx = ctx_with({("team", "hook"): {"url": f"http://127.0.0.1:{port}/token-in-path"}})
    with pytest.raises(ProviderError, match='url from secret "team/hook"') as error:
        await http.HttpProvider().do(ctx, {"url": {"secretRef": {"name": "hook", "key": "url"}}})
    assert "token-in-path" not in str(error.value)


async def test_mutual_tls_from_a_double_encoded_secret(tls_server: str, pki: Pki) -> None:
    encode = lambda text: base64.b64encode(text.encode()).decode()  # noqa: E731
    ctx = ctx_with({("certs", "tls"): {"ca.crt": encode(pki.ca_cert),
                                       "client.crt": encode(pki.client_cert),
                                       "client.key": encode(pki.client_key)}})
    result = await http.HttpProvider().do(ctx, {
        "url": f"{tls_server}/secure", "tls_config": {"secret": "tls", "namespace": "certs"}})
    assert json.loads(result["body"])["path"] == "/secure"


async def test_plain_pem_secret_in_the_step_namespace_works_too(tls_server: str, pki: Pki) -> None:
    ctx = ctx_with({("team", "tls"): {"ca.crt": pki.ca_cert, "client.crt": pki.client_cert,
                                      "client.key": pki.client_key}})
    result = await http.HttpProvider().do(ctx, {"url": tls_server, "tls_config": {"secret": "tls"}})
    assert result["statusCode"] == 200


async def test_broken_tls_secret_is_logged_and_the_default_used(tls_server: str) -> None:
    ctx = ctx_with({("team", "tls"): {"ca.crt": "not a certificate"}})
    with pytest.raises(ProviderError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify"):
        await http.HttpProvider().do(ctx, {"url": tls_server, "tls_config": {"secret": "tls"}})
    level, line = ctx.logger.lines[0]
    assert level == "warning" and 'tls_config from secret "team/tls" ignored' in line


async def test_trailers_are_sent_and_received(trailer_server: str) -> None:
    result = await http.HttpProvider().do(ctx_with(), {
        "method": "PUT", "url": f"{trailer_server}/up?x=1",
        "request": {"body": "data", "header": {"X-A": "1"}, "trailer": {"X-Sum": "42"}}})
    got = json.loads(result["body"])
    assert (got["method"], got["target"], got["body"]) == ("PUT", "/up?x=1", "data")
    assert got["trailers"] == {"x-sum": "42"}
    assert got["headers"]["x-a"] == "1" and got["headers"]["transfer-encoding"] == "chunked"
    assert result["statusCode"] == 207
    assert result["trailer"] == {"X-Checksum": ["abc"]}


async def test_trailers_over_mutual_tls(tls_server: str, pki: Pki) -> None:
    ctx = ctx_with({("team", "tls"): {"ca.crt": pki.ca_cert, "client.crt": pki.client_cert,
                                      "client.key": pki.client_key}})
    result = await http.HttpProvider().do(ctx, {
        "method": "POST", "url": f"{tls_server}/t", "tls_config": {"secret": "tls"},
        "request": {"body": "b", "trailer": {"X-Sum": "1"}}})
    assert json.loads(result["body"])["body"] == "b"


async def test_trailer_request_failures_are_explained() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    trailer = {"request": {"trailer": {"X": "1"}}}
    with pytest.raises(ProviderError, match="cannot connect"):
        await http.HttpProvider().do(ctx_with(), {"url": f"http://127.0.0.1:{port}/", **trailer})
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        silent = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        with pytest.raises(ProviderError, match=r"no answer within 0\.1s"):
            await http.HttpProvider().do(ctx_with(), {
                "url": silent, "request": {"timeout": "100ms", "trailer": {"X": "1"}}})
