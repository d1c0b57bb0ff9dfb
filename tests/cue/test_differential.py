"""Every corpus case, cueflow against real CUE (the live oracle) and against the record.

Two checks per case: the oracle still gives the answer recorded in expected.jsonl
(so a changed oracle is noticed), and cueflow agrees with the oracle: same success
or failure and, on success, the same JSON value (objects as maps, numbers by value).
Cases where CUE v0.4 and v0.14 differ (versions.json) expect the v0.14 answer.
Cases cueflow gets wrong today are strict xfail (known_failures.txt).
"""

from __future__ import annotations

from typing import Any

import corpus
import pytest
import regenerate
import step_scenarios

CASES = corpus.load_cases()
RECORDED = corpus.load_expected()
VERSIONS = corpus.load_versions()
KNOWN_FAILURES = corpus.load_known_failures()
CASE_TIME_LIMIT = 5.0
_live: dict[str, corpus.Outcome] = {}

pytestmark = pytest.mark.oracle


def live_outcome(oracle: Any, case: corpus.Case) -> corpus.Outcome:
    """The oracle's answer for a case, asked once per test session."""
    if case.id not in _live:
        _live[case.id] = corpus.run_oracle(oracle, case)
    return _live[case.id]


def cueflow_params() -> list[Any]:
    """Cases as pytest params, known failures marked strict xfail."""
    known = pytest.mark.xfail(strict=True, reason="listed in tests/cue/cases/known_failures.txt")
    return [
        pytest.param(c, id=c.id, marks=[known] if c.id in KNOWN_FAILURES else []) for c in CASES
    ]


def describe(case: corpus.Case, want: corpus.Outcome, got: corpus.Outcome) -> str:
    """A failure message a CUE engine developer can act on."""

    def show(o: corpus.Outcome) -> str:
        return f"value {o.value!r}" if o.ok else f"error {o.error!r}"

    return f"{case.id}\n--- source ---\n{case.source}--- want: {show(want)}\n--- got:  {show(got)}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_oracle_matches_record(case: corpus.Case, cue_oracle: Any) -> None:
    assert live_outcome(cue_oracle, case) == RECORDED[case.id], (
        "the oracle's answer changed: run tests/cue/cases/regenerate.py and review the diff"
    )


@pytest.mark.parametrize("case", cueflow_params())
def test_cueflow_matches_oracle(case: corpus.Case, cue_oracle: Any) -> None:
    want = corpus.expected_for_cueflow(case.id, live_outcome(cue_oracle, case), VERSIONS)
    with corpus.time_limit(CASE_TIME_LIMIT):
        got = corpus.cueflow_outcome(case.source)
    assert corpus.agree(want, got), describe(case, want, got)


def test_corpus_size_and_error_share() -> None:
    errors = sum(1 for o in RECORDED.values() if not o.ok)
    assert len(CASES) >= 520
    assert 0.2 <= errors / len(CASES) <= 0.4
    assert set(RECORDED) == {c.id for c in CASES}, "expected.jsonl is stale: run regenerate.py"


def test_side_lists_name_real_cases() -> None:
    ids = {c.id for c in CASES}
    assert set(VERSIONS) <= ids
    ids |= {f"templates/{s.id}" for s in step_scenarios.load_scenarios()}
    assert ids >= KNOWN_FAILURES, f"stale known failures: {sorted(KNOWN_FAILURES - ids)}"
    assert all(set(e["expect"]) in ({"value"}, {"error"}) for e in VERSIONS.values())


def test_versions_doc_matches_data() -> None:
    doc = regenerate.DOC.read_text(encoding="utf-8")
    assert regenerate.versions_table() in doc, "docs/cue-versions.md is stale: run regenerate.py"
