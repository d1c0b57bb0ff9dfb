"""`vela/http`: one HTTP request per call, with rate limiting, secret headers and TLS.

Non-2xx answers are results, not errors (templates decide); only transport
failures (refused, DNS, timeout, TLS) fail the call. Values read from secrets
(header values, URLs, keys) never appear in messages or logs. Requests with
trailers are sent chunked over a connection of their own (httpx cannot send
trailers); their answers' trailers are returned too.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import os
import ssl
import tempfile
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import h11
import httpx

from cueflow import clusters
from cueflow.providers import params
from cueflow.providers.base import ProviderContext, ProviderError, ProviderPackage

__all__ = ["DEFAULT_TIMEOUT", "HttpProvider", "RateLimiter", "package"]

PACKAGE_PATH = "vela/http"
DEFAULT_TIMEOUT = 30.0
"""Seconds a request may take when the template gives no `request.timeout`."""
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
RATE_LIMITER_KEYS = 128


@dataclass
class _Bucket:
    limit: int
    period: float
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by method and URL (without query), burst `limit`, one token per
    `period`; the least recently used buckets are forgotten beyond `capacity` keys."""

    def __init__(self, capacity: int = RATE_LIMITER_KEYS) -> None:
        self._capacity = capacity
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, key: str, limit: int, period: float, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None or (bucket.limit, bucket.period) != (limit, period):
            bucket = _Bucket(limit, period, float(limit), now)
        elif period > 0:
            bucket.tokens = min(float(limit), bucket.tokens + (now - bucket.updated) / period)
            bucket.updated = now
        self._buckets[key] = bucket
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._capacity:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True
        return False


def _canonical(name: str) -> str:
    """`content-type` -> `Content-Type`, as HTTP servers and Go clients spell headers."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def _pem(text: str) -> bytes:
    """A PEM block, accepting base64 of PEM as stored in double-encoded Secrets."""
    if "-----BEGIN" in text:
        return text.encode()
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text.encode()


Answer = tuple[int, list[tuple[str, str]], str, list[tuple[str, str]]]


async def _exchange_with_trailers(method: str, url: str, headers: dict[str, str], body: bytes,
                                  trailers: dict[str, str],
                                  verify: ssl.SSLContext | bool) -> Answer:
    """One chunked HTTP/1.1 exchange: status, headers, body text and trailers of the answer."""
    target = httpx.URL(url)
    if target.scheme not in ("http", "https") or not target.host:
        raise httpx.UnsupportedProtocol(f"cannot send to {url!r}: use http:// or https://")
    secure = target.scheme == "https"
    context = (verify if isinstance(verify, ssl.SSLContext) else ssl.create_default_context()) \
        if secure else None
    try:
        reader, writer = await asyncio.open_connection(
            target.host, target.port or (443 if secure else 80), ssl=context,
            server_hostname=target.host if secure else None)
    except OSError as exc:
        raise httpx.ConnectError(str(exc)) from exc
    connection = h11.Connection(h11.CLIENT)
    fields = [("Host", target.netloc.decode()), *headers.items(),
              ("Transfer-Encoding", "chunked"), ("Trailer", ", ".join(trailers))]
    try:
        writer.write(connection.send(h11.Request(method=method, target=target.raw_path,
                                                 headers=fields)))
        if body:
            writer.write(connection.send(h11.Data(data=body)))
        writer.write(connection.send(h11.EndOfMessage(headers=list(trailers.items()))))
        await writer.drain()
        status, answer_headers, chunks, answer_trailers = 0, [], [], []
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA:
                connection.receive_data(await reader.read(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
                answer_headers = [(k.decode(), v.decode()) for k, v in event.headers]
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                if isinstance(event, h11.EndOfMessage):
                    answer_trailers = [(k.decode(), v.decode()) for k, v in event.headers]
                break
    except h11.ProtocolError as exc:
        raise httpx.RemoteProtocolError(str(exc)) from exc
    except OSError as exc:
        raise httpx.ReadError(str(exc)) from exc
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return status, answer_headers, b"".join(chunks).decode("utf-8", "replace"), answer_trailers


async def _exchange(method: str, url: str, headers: dict[str, str], body: bytes,
                    verify: ssl.SSLContext | bool, timeout: float) -> Answer:
    async with httpx.AsyncClient(verify=verify, timeout=timeout) as client:
        response = await client.request(method, url, content=body, headers=headers)
    return response.status_code, response.headers.multi_items(), response.text, []


def _grouped(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in fields:
        grouped.setdefault(_canonical(name), []).append(value)
    return grouped


class HttpProvider:
    """The `vela/http` functions and the process-wide rate limiter they share."""

    def __init__(self, default_timeout: float = DEFAULT_TIMEOUT) -> None:
        self.default_timeout = default_timeout
        self.limiter = RateLimiter()

    async def _secret(self, ctx: ProviderContext, namespace: str, name: str) -> dict[str, str]:
        if ctx.secrets is None:
            raise ProviderError(f'cannot read secret "{namespace}/{name}": no secret store')
        try:
            return await ctx.secrets.get(namespace, name)
        except LookupError as exc:
            raise ProviderError(f'secret "{namespace}/{name}" not found') from exc
        except clusters.ClusterError as exc:
            raise ProviderError(str(exc)) from exc

    async def _url(self, ctx: ProviderContext, args: dict[str, Any]) -> tuple[str, str]:
        """The URL and how to show it: a URL read from a secret is shown by reference."""
        url = args.get("url")
        if isinstance(url, dict) and isinstance(url.get("value"), str):
            url = url["value"]
        if isinstance(url, str):
            if not url:
                raise ProviderError("url must not be empty")
            return url, url
        if isinstance(url, dict) and isinstance(url.get("secretRef"), dict):
            ref = url["secretRef"]
            name, key = params.require_str(ref, "name"), params.require_str(ref, "key")
            data = await self._secret(ctx, ctx.namespace, name)
            if key not in data:
                raise ProviderError(f'secret "{ctx.namespace}/{name}" has no key "{key}"')
            return data[key].strip(), f'<url from secret "{ctx.namespace}/{name}" key "{key}">'
        raise ProviderError("url must be a string, {value: string} or {secretRef: {name, key}}")

    async def _headers(self, ctx: ProviderContext, request: dict[str, Any]) -> dict[str, str]:
        headers = dict(params.string_map(request, "header"))
        if not headers:
            headers["Content-Type"] = "application/json"
        for entry in request.get("headersFromSecret") or []:
            if not isinstance(entry, dict):
                raise ProviderError("request.headersFromSecret entries must be objects")
            header = params.require_str(entry, "header")
            name, key = params.require_str(entry, "secret"), params.require_str(entry, "key")
            data = await self._secret(ctx, ctx.namespace, name)
            if key not in data:
                raise ProviderError(
                    f'secret "{ctx.namespace}/{name}" has no key "{key}" (for header {header})')
            headers[header] = data[key]
        return headers

    async def _tls(self, ctx: ProviderContext, args: dict[str, Any]) -> ssl.SSLContext | None:
        """The TLS context from `tls_config`; failures are logged and ignored (the default
        verification is used), as templates expect."""
        config = params.optional_object(args, "tls_config")
        if config is None:
            return None
        name = params.require_str(config, "secret")
        namespace = params.optional_str(config, "namespace") or ctx.namespace
        try:
            data = await self._secret(ctx, namespace, name)
            context = ssl.create_default_context()
            if data.get("ca.crt"):
                context.load_verify_locations(cadata=_pem(data["ca.crt"]).decode())
            if data.get("client.crt") and data.get("client.key"):
                with tempfile.TemporaryDirectory(prefix="cueflow-tls-") as folder:
                    cert, key = os.path.join(folder, "tls.crt"), os.path.join(folder, "tls.key")
                    for path, text in ((cert, data["client.crt"]), (key, data["client.key"])):
                        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
                        with os.fdopen(descriptor, "wb") as file:
                            file.write(_pem(text))
                    context.load_cert_chain(cert, key)
            return context
        except (ProviderError, ssl.SSLError, ValueError, OSError) as exc:
            reason = exc.reason if isinstance(exc, ssl.SSLError) else type(exc).__name__
            if isinstance(exc, ProviderError):
                reason = str(exc)
            ctx.logger.log(f'tls_config from secret "{namespace}/{name}" ignored: {reason}',
                           "warning")
            return None

    async def do(self, ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any]:
        """`#HTTPDo`: returns `{body, header, trailer, statusCode}`."""
        method = params.optional_str(args, "method", "GET").upper() or "GET"
        if method not in METHODS:
            raise ProviderError(f'method "{method}" is not one of {", ".join(METHODS)}')
        url, shown = await self._url(ctx, args)
        request = params.optional_object(args, "request") or {}
        timeout = self.default_timeout
        if request.get("timeout") is not None:
            timeout = params.parse_duration(params.require_str(request, "timeout"),
                                            "request.timeout")
            if timeout <= 0:
                raise ProviderError("request.timeout must be positive")
        limiter = params.optional_object(request, "ratelimiter")
        if limiter is not None:
            limit = params.require_int(limiter, "limit")
            period = params.parse_duration(params.require_str(limiter, "period"),
                                           "request.ratelimiter.period")
            if not self.limiter.allow(f"{method}-{url.split('?', 1)[0]}", limit, period):
                raise ProviderError("request exceeds the rate limiter")
        body = params.optional_str(request, "body")
        headers = await self._headers(ctx, request)
        trailers = params.string_map(request, "trailer")
        verify: ssl.SSLContext | bool = await self._tls(ctx, args) or True
        try:
            if trailers:
                async with asyncio.timeout(timeout):
                    answer = await _exchange_with_trailers(method, url, headers, body.encode(),
                                                           trailers, verify)
            else:
                answer = await _exchange(method, url, headers, body.encode(), verify, timeout)
        except (httpx.TimeoutException, TimeoutError) as exc:
            raise ProviderError(f"{method} {shown}: no answer within {timeout:g}s") from exc
        except httpx.ConnectError as exc:
            raise ProviderError(f"{method} {shown}: cannot connect: {exc}") from exc
        except ssl.SSLError as exc:
            raise ProviderError(f"{method} {shown}: TLS failed: {exc.reason}") from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            detail = str(exc) if shown == url else type(exc).__name__
            raise ProviderError(f"{method} {shown}: {detail}") from exc
        status, answer_headers, text, answer_trailers = answer
        return {"body": text, "header": _grouped(answer_headers),
                "trailer": _grouped(answer_trailers), "statusCode": status}


def package(provider: HttpProvider | None = None) -> ProviderPackage:
    provider = provider or HttpProvider()
    return ProviderPackage(path=PACKAGE_PATH, provider="http", schema=params.load_schema("http"),
                           functions={"do": provider.do})
