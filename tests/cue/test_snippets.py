"""Every snippet of the CUE notes, exported by cueflow and compared with real CUE's answer.

Real CUE here is v0.4; cueflow follows v0.14 where they differ, so those snippets
assert the v0.14 behaviour instead (see `V014`).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cueflow import cue

REPO = Path(__file__).resolve().parents[2]
# The copy scripts/install-oracle.sh makes, else the shared original beside the repo.
SNIPPETS = REPO / ".cache" / "cue-oracle" / "snippets"
if not SNIPPETS.is_dir():
    SNIPPETS = REPO.parent / "shared" / "tools" / "cue-oracle" / "snippets"


def _expected() -> dict[str, dict[str, Any]]:
    path = SNIPPETS / "expected.jsonl"
    if not path.is_file():
        return {}
    rows = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return {row["file"]: row for row in rows}


EXPECTED = _expected()

# v0.4 and v0.14 disagree on these; the value is what cueflow (v0.14) must export,
# or an exception type when export must fail.
V014: dict[str, Any] = {
    # the spec's answer `1|2|3` without default: export fails (v0.4 fails differently)
    "04-default-unify-two-disjunctions.cue": cue.CueError,
    # the failing default falls back to `[]` (the reading KubeVela templates rely on)
    "10-disjunction-failing-default-falls-back.cue": {"parameter": {}, "names": []},
    # required fields parse since v0.6
    "68-required-field-syntax-v04.cue": {"a": 1},
}


def _export(name: str) -> Any:
    value = cue.Context().compile((SNIPPETS / name).read_text(), name)
    return json.loads(value.to_json(), parse_float=Decimal)


@pytest.mark.skipif(not EXPECTED, reason="snippets not available")
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_snippet_export_matches_cue(name: str) -> None:
    row = EXPECTED[name]
    want: Any
    if name in V014:
        want = V014[name]
    elif row["export"]["code"] == 0:
        want = json.loads(row["export"]["stdout"], parse_float=Decimal)
    else:
        want = cue.CueError
    if want is cue.CueError:
        with pytest.raises(cue.CueError):
            _export(name)
    else:
        assert _export(name) == want


def test_float_text_and_key_order_survive_export() -> None:
    value = cue.Context().compile("z: 1\na: 2.50\nm: 1e3\nd: 10 / 5\n")
    assert value.to_json() == '{"z": 1, "a": 2.50, "m": 1E+3, "d": 2.0}'
