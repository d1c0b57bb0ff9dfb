"""The differential CUE corpus: case files, recorded oracle answers, version table.

Shared by `regenerate.py` (which records real CUE's answers) and the tests (which
compare cueflow with them), so that both read the case files the same way.

A case file `<topic>.cue-cases` holds many cases; each starts with a marker line
`-- <name> --` and runs to the next marker. Lines before the first marker are a
comment about the topic. A case's id is `<topic>/<name>`.
"""

from __future__ import annotations

import base64
import json
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

CASES_DIR = Path(__file__).resolve().parent
EXPECTED_FILE = CASES_DIR / "expected.jsonl"
KNOWN_FAILURES_FILE = CASES_DIR / "known_failures.txt"
VERSIONS_FILE = CASES_DIR / "versions.json"
MARKER = re.compile(r"^-- (?P<name>[a-z0-9][a-z0-9.-]*) --$")
# The oracle writes each source to a numbered temp file; the number changes from run to run.
TEMP_NAME = re.compile(r"\b\d+-case\.cue\b")


@dataclass(frozen=True)
class Case:
    """One CUE source with its id (`topic/name`)."""

    id: str
    source: str


@dataclass(frozen=True)
class Outcome:
    """What exporting a case gave: a JSON-shaped value, or an error text."""

    ok: bool
    value: Any = None
    error: str = ""


def parse_case_file(path: Path) -> Iterator[Case]:
    """The cases of one `.cue-cases` file, in file order."""
    topic = path.name.removesuffix(".cue-cases")
    name: str | None = None
    lines: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = MARKER.match(line)
        if match is None:
            lines.append(line)
            continue
        if name is not None:
            yield Case(f"{topic}/{name}", "\n".join(lines).strip("\n") + "\n")
        name, lines = match["name"], []
    if name is not None:
        yield Case(f"{topic}/{name}", "\n".join(lines).strip("\n") + "\n")


def load_cases() -> list[Case]:
    """Every case of every topic file, sorted by topic; duplicate ids are an error."""
    cases = [c for p in sorted(CASES_DIR.glob("*.cue-cases")) for c in parse_case_file(p)]
    ids = [c.id for c in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate case ids: {duplicates}")
    return cases


def decimal_json(text: str) -> Any:
    """Parse JSON keeping every number exact, so `1E+3`, `1000` and `1000.0` compare equal."""
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


def normalise(value: Any) -> Any:
    """A Python export value in the shape `decimal_json` gives (numbers as Decimal, bytes as base64)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    raise TypeError(f"not an export value: {type(value).__name__}")


def oracle_outcome(result: dict[str, Any]) -> Outcome:
    """Turn one oracle answer into an Outcome (error text without temp-file names)."""
    if result["code"] == 0:
        return Outcome(True, value=decimal_json(result["stdout"]))
    return Outcome(False, error=TEMP_NAME.sub("case.cue", result["stderr"]).strip())


def run_oracle(oracle: Any, case: Case) -> Outcome:
    """Export one case with real CUE."""
    return oracle_outcome(oracle.export(case.source, name="case.cue", vela=False))


def load_expected() -> dict[str, Outcome]:
    """The recorded oracle answers by case id."""
    outcomes = {}
    for line in EXPECTED_FILE.read_text(encoding="utf-8").splitlines():
        record = decimal_json(line)
        ok = record["code"] == 0
        outcome = Outcome(ok, value=record.get("value"), error=record.get("error", ""))
        outcomes[record["case"]] = outcome
    return outcomes


def record_line(case_id: str, result: dict[str, Any]) -> str:
    """One expected.jsonl line; a value is embedded as the oracle printed it (number spelling kept)."""
    if result["code"] != 0:
        record = {"case": case_id, "code": 1, "error": oracle_outcome(result).error}
        return json.dumps(record, ensure_ascii=False)
    compact = re.sub(r"\n\s*", "", result["stdout"].strip())
    json.loads(compact)  # still valid JSON: newlines never occur inside JSON strings
    return f'{{"case": {json.dumps(case_id)}, "code": 0, "value": {compact}}}'


def load_versions() -> dict[str, dict[str, Any]]:
    """Cases where CUE v0.4 (the oracle) and v0.14 (KubeVela's CUE) disagree, by case id.

    Each entry: `v04` and `v014` (short descriptions), `why`, and `expect`: the
    outcome cueflow must give, `{"value": ...}` or `{"error": true}`.
    """
    entries = decimal_json(VERSIONS_FILE.read_text(encoding="utf-8"))
    return {e["case"]: e for e in entries}


def load_known_failures() -> set[str]:
    """Case ids cueflow is known to get wrong today (strict xfail)."""
    if not KNOWN_FAILURES_FILE.exists():
        return set()
    lines = (line.split("#", 1)[0].strip() for line in KNOWN_FAILURES_FILE.read_text().splitlines())
    return {line for line in lines if line}


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError if the body runs longer than `seconds` (a hang is a bug to report)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cueflow_outcome(source: str) -> Outcome:
    """Export a source with cueflow; only `CueError` counts as a CUE failure, anything else is a bug."""
    from cueflow import cue

    value = cue.Context().compile(source, filename="case.cue")
    if value.error is not None:
        return Outcome(False, error=str(value.error))
    try:
        return Outcome(True, value=normalise(value.to_python()))
    except cue.CueError as err:
        return Outcome(False, error=str(err))


def agree(expected: Outcome, actual: Outcome) -> bool:
    """Same success or failure and, on success, the same JSON value."""
    return expected.ok == actual.ok and (not expected.ok or expected.value == actual.value)


def expected_for_cueflow(
    case_id: str, oracle: Outcome, versions: dict[str, dict[str, Any]]
) -> Outcome:
    """What cueflow must give: the oracle's answer, or the v0.14 one where the versions differ."""
    entry = versions.get(case_id)
    if entry is None:
        return oracle
    expect = entry["expect"]
    if "value" in expect:
        return Outcome(True, value=expect["value"])
    return Outcome(False, error=entry["v014"])
