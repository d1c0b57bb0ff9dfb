"""vela/email against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from cueflow.providers import email
from cueflow.providers.base import ProviderContext, ProviderError
from cueflow.testing.doubles import provider_context

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == b"bot@example.com" and \
        data.password == b"right"
    return AuthResult(success=ok, handled=False)  # handled=False: a refusal answers 535


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    yield port, inbox
    controller.stop()


def args(port: int, password: str = "right") -> dict[str, Any]:
    return {"from": {"address": "bot@example.com", "alias": "Cue Bot", "password": password,
                     "host": "127.0.0.1", "port": port},
            "to": ["a@example.com", "b@example.com"],
            "content": {"subject": "Done", "body": "<b>run finished</b>"}}


async def run_until_done(provider: email.EmailProvider, ctx: ProviderContext,
                         call_args: dict[str, Any]) -> int:
    """Call like the engine does, once per pass, until the step stops waiting."""
    for passes in range(1, 200):
        before = len(ctx.actions.calls)
        await provider.send(ctx, call_args)
        if len(ctx.actions.calls) == before:
            return passes
        await asyncio.sleep(0.02)
    raise AssertionError("the email never finished")


async def test_send_waits_then_succeeds(smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    provider, ctx = email.EmailProvider(), provider_context()
    passes = await run_until_done(provider, ctx, args(port))
    assert passes >= 2
    assert ctx.actions.calls[0] == ("wait", "wait for the email")
    recipients, message = inbox.messages[0]
    assert recipients == ["a@example.com", "b@example.com"]
    assert message["From"] == "Cue Bot <bot@example.com>"
    assert message["Subject"] == "Done"
    assert message.get_content_type() == "text/html"
    assert "<b>run finished</b>" in message.get_payload(decode=True).decode()


async def test_wrong_password_fails_without_revealing_it(smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    provider, ctx = email.EmailProvider(), provider_context()
    with pytest.raises(ProviderError, match=r"failed to send email: .*535") as error:
        await run_until_done(provider, ctx, args(port, password="hunter2-wrong"))
    assert "hunter2" not in str(error.value)
    assert inbox.messages == []
    # the failure is forgotten: the next pass starts a new send
    await provider.send(ctx, args(port))
    assert ctx.actions.calls[-1] == ("wait", "wait for the email")
    await provider.close()


async def test_unreachable_server_fails() -> None:
    provider, ctx = email.EmailProvider(), provider_context()
    with pytest.raises(ProviderError, match=r"failed to send email: \S+"):
        await run_until_done(provider, ctx, args(free_port()))


async def test_sessions_are_independent(smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    provider = email.EmailProvider()
    first = provider_context(process_context={"stepSessionID": "s1"})
    second = provider_context(process_context={"stepSessionID": "s2"})
    await asyncio.gather(run_until_done(provider, first, args(port)),
                         run_until_done(provider, second, args(port)))
    assert len(inbox.messages) == 2


@pytest.mark.parametrize(("bad", "message"), [
    ({"to": []}, "to must be a non-empty list"),
    ({"to": "a@example.com"}, "to must be a non-empty list"),
    ({"from": {"address": "x", "password": "p"}}, "from.host is missing"),
    ({"from": {"address": "x"}}, "from.password is missing"),
    ({"content": {"subject": "s"}}, "content.body is missing"),
])
async def test_bad_input_fails_before_sending(bad: dict[str, Any], message: str) -> None:
    ctx = provider_context()
    with pytest.raises(ProviderError, match=message):
        await email.EmailProvider().send(ctx, {**args(1), **bad})
    assert ctx.actions.calls == []
