"""What every command shares: the resolved home and store, the consoles, and error handling.

Commands are coroutines run by `Session.execute`, the CLI's one bridge into asyncio. It turns
cueflow's errors into one line on stderr and an exit code (1 = the operation failed,
2 = the input is wrong); a traceback is shown only with `--debug`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from cueflow import model, store

T = TypeVar("T")

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
DEFAULT_NAMESPACE = "default"


class CliError(Exception):
    """A failure the user can act on; `exit_code` says whether the input was wrong."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class BadInput(CliError):
    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_BAD_INPUT)


@dataclass
class Session:
    """Settings resolved once from flags and the environment, passed to every command."""

    home: Path
    store_url: str
    debug: bool = False
    out: Console = field(default_factory=Console)
    err: Console = field(default_factory=lambda: Console(stderr=True))

    @classmethod
    def resolve(cls, home: Path | None, store_url: str | None, debug: bool) -> Session:
        environ = dict(os.environ)
        if home is not None:
            environ["CUEFLOW_HOME"] = str(home)
        resolved_home = store.cueflow_home(environ)
        if home is not None:
            # providers and the secret store read the home from the environment
            os.environ["CUEFLOW_HOME"] = str(resolved_home)
        url = store_url or environ.get("CUEFLOW_STORE_URL") or store.default_store_url(environ)
        if debug:
            logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
        return cls(home=resolved_home, store_url=url, debug=debug)

    def open_store(self) -> store.SqlStore:
        return store.SqlStore(self.store_url)

    def execute(self, command: Callable[[store.SqlStore], Awaitable[T]]) -> T:
        """Open the store, run `command` with it, close it; errors become an exit code."""

        async def main() -> T:
            opened = self.open_store()
            await opened.open()
            try:
                return await command(opened)
            finally:
                await opened.close()

        try:
            return asyncio.run(main())
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            self.fail("interrupted: what was done so far is in the store", 130)
        except Exception as error:
            if self.debug:
                raise
            self.fail(*describe(error))

    def fail(self, message: str, exit_code: int = EXIT_FAILED) -> NoReturn:
        self.err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
        raise typer.Exit(exit_code)

    def warn(self, message: str) -> None:
        """Something the user should know, though the command goes on (stderr)."""
        self.err.print(
            f"[yellow]warning:[/yellow] {escape(message)}", highlight=False, soft_wrap=True
        )

    def say(self, message: str) -> None:
        """A remark for the user (stderr, so that -o output stays machine-readable)."""
        self.err.print(message, highlight=False, soft_wrap=True)


def describe(error: BaseException) -> tuple[str, int]:
    """The one-line message and exit code for an error raised by a command."""
    if isinstance(error, CliError):
        return str(error), error.exit_code
    if isinstance(error, model.ModelError):
        return str(error), EXIT_BAD_INPUT
    if isinstance(error, store.StoreError):
        return str(error), EXIT_FAILED
    if isinstance(error, OSError):
        return f"{error.strerror or error}: {error.filename or ''}".rstrip(": "), EXIT_FAILED
    return f"{type(error).__name__}: {error} (run with --debug for details)", EXIT_FAILED


def split_name(text: str, namespace: str | None) -> tuple[str, str]:
    """`name` or `namespace/name` to (namespace, name); `-n` applies to a bare name."""
    if "/" in text:
        ns, _, name = text.partition("/")
        if not ns or not name or "/" in name or (namespace and namespace != ns):
            raise BadInput(f"{text!r} is not a valid name (use NAME or NAMESPACE/NAME)")
        return ns, name
    return namespace or DEFAULT_NAMESPACE, text


def parse_assignments(pairs: list[str], what: str) -> dict[str, Any]:
    """`k=v` pairs into a dict; values are read as YAML (`3` is a number, `{a: 1}` a map)."""
    import yaml

    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise BadInput(f"{what} {pair!r} must look like key=value")
        try:
            value = yaml.safe_load(raw) if raw else ""
        except yaml.YAMLError:
            value = raw
        result[key] = raw if value is None else value
    return result
