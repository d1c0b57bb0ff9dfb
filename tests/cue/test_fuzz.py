"""Fuzzing the CUE engine: broken and random input fails with CueError, never with a crash or a hang.

Inputs are corpus cases mutated at the token level (delete, duplicate, swap,
insert a random token or raw characters) and free-form token soup. For each,
`Context.compile` must return (errors are values) and `to_python` must either
return or raise `CueError`.

CI runs a fixed, derandomised sample. A longer random run (see docs/testing.md):

    CUEFLOW_FUZZ_EXAMPLES=20000 pytest tests/cue/test_fuzz.py
"""

from __future__ import annotations

import contextlib
import os
import re

import corpus
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cueflow import cue

LONG_RUN = int(os.environ.get("CUEFLOW_FUZZ_EXAMPLES", "0"))
EXAMPLES = LONG_RUN or 250
TIME_LIMIT = 5.0
TOKEN = re.compile(r'\s+|[A-Za-z_$#][\w$#]*|\d[\w.]*|"(?:[^"\\\n]|\\.)*"|.', re.S)
# Corpus cases known to fail are tracked by the differential test; mutating them
# would only rediscover the same problems.
SEEDS = [c.source for c in corpus.load_cases() if c.id not in corpus.load_known_failures()]
CUE_TOKENS = [
    *"{}[]():,.=&|*+-/<>!?_\n\t",
    *["...", "_|_", "==", "!=", "<=", ">=", "=~", "!~", "&&", "||", "\\(", '"""', "#", "@x()"],
    *["if", "for", "in", "let", "import", "package", "true", "false", "null", "int", "string"],
    *[
        "len",
        "close",
        "and",
        "or",
        "div",
        "mod",
        "#D",
        "_h",
        "$p",
        "a",
        "b",
        '"s"',
        "'b'",
        "1",
        "2.5",
    ],
]

fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG_RUN,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def mutated_case(draw: st.DrawFn) -> str:
    """A corpus case with a few token-level mutations."""
    tokens = TOKEN.findall(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        if not tokens:
            break
        i = draw(st.integers(0, len(tokens) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "chars"]))
        if op == "delete":
            del tokens[i]
        elif op == "duplicate":
            tokens.insert(i, tokens[i])
        elif op == "swap":
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif op == "insert":
            tokens.insert(i, draw(st.sampled_from(CUE_TOKENS)))
        else:
            tokens.insert(i, draw(st.text(max_size=4)))
    return "".join(tokens)


token_soup = st.lists(st.sampled_from(CUE_TOKENS), max_size=40).map(" ".join)


def evaluate(source: str) -> None:
    """Compile and export; anything but a CueError propagates and fails the test."""
    with corpus.time_limit(TIME_LIMIT):
        value = cue.Context().compile(source, filename="fuzz.cue")
        with contextlib.suppress(cue.CueError):
            value.to_python()


@fuzz_settings
@given(mutated_case())
@example('l: [...string]\nl  ["a",:"b"]')  # a slice with string bounds once crashed
def test_mutated_corpus_cases_fail_cleanly(source: str) -> None:
    evaluate(source)


@fuzz_settings
@given(token_soup)
def test_token_soup_fails_cleanly(source: str) -> None:
    evaluate(source)


@fuzz_settings
@given(st.text(max_size=60))
def test_random_text_fails_cleanly(source: str) -> None:
    evaluate(source)
