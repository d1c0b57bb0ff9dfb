"""Time cueflow's CUE engine on the step-template scenarios, next to real CUE on the same input.

    python bench/cue_bench.py                 # every template, with the oracle
    python bench/cue_bench.py --no-oracle -n 200 deployment notify-webhook

For the first scenario of each template (tests/cue/templates) it reports the
median time to compile the template, to evaluate it with its parameter and
provider results filled in (the compiled template is reused, as the step runner
does), and to export the compared paths; then the oracle's own time for the same
file (measured inside the oracle process, so process start-up is excluded) and
the ratio oracle / (evaluate + export). The target is evaluate + export <= 2 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "cue" / "cases"))

import step_scenarios  # noqa: E402

from cueflow import cue  # noqa: E402
from cueflow.definitions.stubs import lay_out_vela_stubs  # noqa: E402

TARGET_MS = 2.0


def median_ms(action: Callable[[], Any], repeat: int) -> float:
    """Median wall time of `action` in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def export_all(value: Any, scenario: step_scenarios.Scenario) -> None:
    """Export every compared path, as the test does."""
    for path in scenario.paths:
        (value.lookup(path) if path else value).to_python()


def bench_cueflow(scenario: step_scenarios.Scenario, repeat: int) -> tuple[float, float, float]:
    """Median compile, evaluate and export times (ms) for one scenario."""
    compile_samples = []
    for _ in range(repeat):
        ctx = step_scenarios.new_context()  # a fresh context: no parse cache
        start = time.perf_counter()
        template = step_scenarios.compile_template(ctx, scenario)
        compile_samples.append((time.perf_counter() - start) * 1000)

    def evaluate() -> Any:
        value = step_scenarios.fill_inputs(template, scenario)
        value.error  # noqa: B018 - forces evaluation
        return value

    evaluate_ms = median_ms(evaluate, repeat)
    export_samples = []
    for _ in range(repeat):
        value = evaluate()
        start = time.perf_counter()
        export_all(value, scenario)
        export_samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(compile_samples), evaluate_ms, statistics.median(export_samples)


def bench_oracle(oracle: Any, scenario: step_scenarios.Scenario, stubs: Path, repeat: int) -> float:
    """Median time (ms) the oracle spends on the same scenario, summed over its paths."""
    samples = []
    for _ in range(repeat):
        total = 0
        for path in scenario.paths:
            flags = ["-e", path] if path else []
            source = step_scenarios.oracle_source(scenario)
            result = oracle.export(source, name="case.cue", vela=str(stubs), flags=flags)
            total += result["ms"]
        samples.append(total)
    return statistics.median(samples)


def start_oracle() -> Any:
    """The oracle client, or None when it is not installed."""
    oracle_dir = Path(os.environ.get("CUEFLOW_CUE_ORACLE", REPO / ".cache" / "cue-oracle"))
    if not (oracle_dir / "node_modules").is_dir():
        return None
    sys.path.insert(0, str(oracle_dir))
    from oracle_client import CueOracle  # type: ignore[import-not-found]

    oracle = CueOracle()
    oracle.export("warm: up")  # the first run compiles the wasm module
    return oracle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("templates", nargs="*", help="template names (default: all)")
    parser.add_argument("-n", "--repeat", type=int, default=50, help="runs per measurement")
    parser.add_argument("--oracle-repeat", type=int, default=3, help="oracle runs per template")
    parser.add_argument("--no-oracle", action="store_true", help="time cueflow only")
    args = parser.parse_args()

    firsts: dict[str, step_scenarios.Scenario] = {}
    for scenario in step_scenarios.load_scenarios():
        firsts.setdefault(scenario.template, scenario)
    chosen = [firsts[name] for name in (args.templates or sorted(firsts))]
    oracle = None if args.no_oracle else start_oracle()
    header = f"{'template':<22} {'compile':>8} {'eval':>8} {'export':>8} {'eval+exp':>9} {'oracle':>8} {'ratio':>7}"
    print(header + "   (median ms)")
    print("-" * len(header))
    totals = []
    with tempfile.TemporaryDirectory() as tmp:
        stubs = lay_out_vela_stubs(Path(tmp))
        for scenario in chosen:
            try:
                compile_ms, evaluate_ms, export_ms = bench_cueflow(scenario, args.repeat)
            except cue.CueError as err:
                print(f"{scenario.template:<22} fails: {str(err).splitlines()[0]}")
                continue
            ours = evaluate_ms + export_ms
            totals.append(ours)
            theirs = bench_oracle(oracle, scenario, stubs, args.oracle_repeat) if oracle else None
            oracle_cell = f"{theirs:8.1f}" if theirs is not None else f"{'-':>8}"
            ratio_cell = f"{theirs / ours:6.0f}x" if theirs is not None else f"{'-':>7}"
            flag = "" if ours <= TARGET_MS else "  > target"
            print(
                f"{scenario.template:<22} {compile_ms:8.2f} {evaluate_ms:8.2f} {export_ms:8.2f}"
                f" {ours:9.2f} {oracle_cell} {ratio_cell}{flag}"
            )
    if oracle is not None:
        oracle.close()
    within = sum(1 for t in totals if t <= TARGET_MS)
    print(
        f"\nmedian eval+export over templates: {statistics.median(totals):.2f} ms; "
        f"{within}/{len(totals)} within the {TARGET_MS} ms target"
    )


if __name__ == "__main__":
    main()
