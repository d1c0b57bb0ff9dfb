"""Step-template scenarios: a template from tests/cue/templates plus parameter, context and provider results.

Shared by tests/cue/test_templates.py (cueflow against real CUE) and
bench/cue_bench.py (timing). The oracle gets one CUE file, the template text with
`context`, `parameter` and provider results appended (as KubeVela compiles a
step); cueflow compiles the template once and fills the same values in.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import corpus

TEMPLATES_DIR = corpus.CASES_DIR.parent / "templates"
CONTEXT: dict[str, Any] = json.loads((TEMPLATES_DIR / "context.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Scenario:
    """One template evaluated with one set of inputs; `paths` are the parts compared ("" = all)."""

    template: str
    name: str
    parameter: dict[str, Any]
    fill: dict[str, Any] = field(default_factory=dict)
    paths: tuple[str, ...] = ("",)

    @property
    def id(self) -> str:
        return f"{self.template}/{self.name}"

    @property
    def text(self) -> str:
        return (TEMPLATES_DIR / f"{self.template}.cue").read_text(encoding="utf-8")


def template_names() -> list[str]:
    """Every template file's name, without `.cue`."""
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.cue"))


def load_scenarios() -> list[Scenario]:
    """Every scenario of scenarios.json, in file order."""
    data = json.loads((TEMPLATES_DIR / "scenarios.json").read_text(encoding="utf-8"))
    return [
        Scenario(
            template,
            s["name"],
            s["parameter"],
            s.get("fill", {}),
            tuple(s.get("paths", [""])),
        )
        for template, scenarios in data.items()
        for s in scenarios
    ]


IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def cue_field(path: str, value: Any) -> str:
    """`a.$b` and a JSON value as one CUE field line: `a: $b: <json>`.

    Labels stay identifiers where they can: a quoted label declares the same field
    but cannot be referenced by name, and the template refers to `context`.
    """
    labels = [lab if IDENTIFIER.match(lab) else json.dumps(lab) for lab in path.split(".")]
    return f"{': '.join(labels)}: {json.dumps(value)}\n"


def oracle_source(scenario: Scenario) -> str:
    """The single file real CUE evaluates: template, then context, parameter and fills."""
    parts = [scenario.text, "\n", cue_field("context", CONTEXT)]
    parts.append(cue_field("parameter", scenario.parameter))
    parts.extend(cue_field(path, value) for path, value in scenario.fill.items())
    return "".join(parts)


def oracle_outcome(oracle: Any, scenario: Scenario, path: str, stubs: Path) -> corpus.Outcome:
    """Export one path (or everything) of the scenario with real CUE and the vela stubs."""
    flags = ["-e", path] if path else []
    result = oracle.export(oracle_source(scenario), name="case.cue", vela=str(stubs), flags=flags)
    outcome = corpus.oracle_outcome(result)
    if path or not outcome.ok:
        return outcome
    # cueflow has `context` in scope rather than as a field of the file
    return corpus.Outcome(True, value={k: v for k, v in outcome.value.items() if k != "context"})


def new_context() -> Any:
    """A cueflow CUE context that serves every `vela/<name>` schema as a package."""
    from cueflow import cue
    from cueflow.definitions.stubs import schema_sources

    ctx = cue.Context()
    for name, text in schema_sources().items():
        ctx.register_package(f"vela/{name}", text, filename=f"vela/{name}.cue")
    return ctx


def compile_template(ctx: Any, scenario: Scenario) -> Any:
    """Compile a template with `context` in scope (templates use it without declaring it)."""
    scope = ctx.compile(cue_field("context", CONTEXT), filename="context.cue")
    return ctx.compile(scenario.text, filename=f"{scenario.template}.cue", scope=scope)


def fill_inputs(template: Any, scenario: Scenario) -> Any:
    """The compiled template with parameter and provider results filled in."""
    value = template.fill("parameter", scenario.parameter)
    for path, result in scenario.fill.items():
        value = value.fill(path, result)
    return value


def cueflow_outcome(value: Any, path: str) -> corpus.Outcome:
    """Export one path (or everything) of a filled cueflow value."""
    from cueflow import cue

    target = value.lookup(path) if path else value
    try:
        return corpus.Outcome(True, value=corpus.normalise(target.to_python()))
    except cue.CueError as err:
        return corpus.Outcome(False, error=str(err))
