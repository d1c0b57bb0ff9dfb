"""`vela/email`: send one HTML email over SMTP, in the background, while the step waits.

The first call starts sending and makes the step wait; later passes of the
same step session wait again until the send finished, then succeed or fail
with `failed to send email: ...`. Sends in flight live in this process only.
"""

from __future__ import annotations

import asyncio
import logging
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

import aiosmtplib

from cueflow.providers import params
from cueflow.providers.base import ProviderContext, ProviderError, ProviderPackage

__all__ = ["SEND_TIMEOUT", "EmailProvider", "package"]

log = logging.getLogger(__name__)

PACKAGE_PATH = "vela/email"
SEND_TIMEOUT = 60.0
"""Seconds one SMTP conversation may take."""
WAIT_MESSAGE = "wait for the email"


def _message(args: dict[str, Any]) -> tuple[EmailMessage, dict[str, Any]]:
    """The message and the SMTP connection settings, checked."""
    sender = params.require_object(args, "from")
    address = params.require_str(sender, "address")
    password = params.require_str(sender, "password", allow_empty=True)
    host = params.require_str(sender, "host")
    port = params.require_int(sender, "port")
    recipients = args.get("to")
    if not isinstance(recipients, list) or not recipients or \
            not all(isinstance(r, str) and r for r in recipients):
        raise ProviderError("to must be a non-empty list of addresses")
    content = params.require_object(args, "content")
    message = EmailMessage()
    message["From"] = formataddr((params.optional_str(sender, "alias"), address))
    message["To"] = ", ".join(recipients)
    message["Subject"] = params.require_str(content, "subject", allow_empty=True)
    message.set_content(params.require_str(content, "body", allow_empty=True), subtype="html")
    login = {"username": address, "password": password} if password else {}
    connection = {"hostname": host, "port": port, **login, "use_tls": port == 465,
                  "timeout": SEND_TIMEOUT}
    return message, connection


class EmailProvider:
    """Owns the sends in flight, keyed by step session."""

    def __init__(self) -> None:
        self._sending: dict[str, asyncio.Task[None]] = {}

    async def send(self, ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any]:
        """`#SendEmail`: wait while sending; fail the call if the send failed."""
        key = str(ctx.process_context.get("stepSessionID") or ctx.step_id)
        task = self._sending.get(key)
        if task is None:
            message, connection = _message(args)
            task = asyncio.get_running_loop().create_task(
                self._deliver(message, connection), name=f"email-{key}")
            self._sending[key] = task
            ctx.actions.wait(WAIT_MESSAGE)
            return {}
        if not task.done():
            ctx.actions.wait(WAIT_MESSAGE)
            return {}
        del self._sending[key]
        error = task.exception()
        if error is not None:
            raise ProviderError(f"failed to send email: {error}") from error
        return {}

    async def _deliver(self, message: EmailMessage, connection: dict[str, Any]) -> None:
        try:
            await aiosmtplib.send(message, **connection)
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.info("email to %s failed: %s", message["To"], exc)
            raise ProviderError(str(exc) or type(exc).__name__) from exc

    async def close(self) -> None:
        """Cancel sends still in flight (at shutdown)."""
        tasks, self._sending = list(self._sending.values()), {}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def package(provider: EmailProvider | None = None) -> ProviderPackage:
    provider = provider or EmailProvider()
    return ProviderPackage(path=PACKAGE_PATH, provider="email",
                           schema=params.load_schema("email"), functions={"send": provider.send})
