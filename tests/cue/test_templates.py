"""Step-template-shaped CUE (tests/cue/templates) in cueflow against real CUE.

Each scenario compiles a template that imports `vela/*` provider schemas, fills
in `context`, `parameter` and, for some, provider results (`$returns`), and
compares the exported parts with the oracle, which serves the same schemas
through its `-V` stub layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import corpus
import pytest
import step_scenarios

from cueflow.definitions.stubs import lay_out_vela_stubs

SCENARIOS = step_scenarios.load_scenarios()
KNOWN_FAILURES = corpus.load_known_failures()


def scenario_params() -> list[Any]:
    """Scenarios as pytest params; `templates/<id>` in known_failures.txt marks strict xfail."""
    known = pytest.mark.xfail(strict=True, reason="listed in tests/cue/cases/known_failures.txt")
    return [
        pytest.param(s, id=s.id, marks=[known] if f"templates/{s.id}" in KNOWN_FAILURES else [])
        for s in SCENARIOS
    ]


pytestmark = pytest.mark.oracle


@pytest.fixture(scope="module")
def vela_stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's `vela/*` schemas laid out where the oracle looks for them."""
    return lay_out_vela_stubs(tmp_path_factory.mktemp("vela-stubs"))


@pytest.fixture(scope="module")
def cue_context() -> Any:
    return step_scenarios.new_context()


def test_every_template_has_scenarios() -> None:
    names = step_scenarios.template_names()
    assert len(names) >= 20
    assert names == sorted({s.template for s in SCENARIOS})
    assert len(SCENARIOS) == len({s.id for s in SCENARIOS})


@pytest.mark.parametrize("scenario", scenario_params())
def test_template_matches_oracle(
    scenario: step_scenarios.Scenario, cue_oracle: Any, vela_stubs: Path, cue_context: Any
) -> None:
    template = step_scenarios.compile_template(cue_context, scenario)
    assert template.error is None, template.error
    value = step_scenarios.fill_inputs(template, scenario)
    for path in scenario.paths:
        want = step_scenarios.oracle_outcome(cue_oracle, scenario, path, vela_stubs)
        assert want.ok, f"the oracle cannot export {path or 'the template'}: {want.error}"
        with corpus.time_limit(5.0):
            got = step_scenarios.cueflow_outcome(value, path)
        assert corpus.agree(want, got), (
            f"{scenario.id} at {path or '<root>'}\nwant {want.value!r}\ngot  "
            + (repr(got.value) if got.ok else f"error {got.error}")
        )
