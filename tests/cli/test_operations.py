"""Operations on runs with no engine running (recorded as requests), and `cueflow logs`."""

from __future__ import annotations

from datetime import UTC, datetime

from cueflow import store

RUN = """\
apiVersion: core.oam.dev/v1alpha1
kind: WorkflowRun
metadata:
  name: build
  namespace: ci
spec:
  workflowSpec:
    steps:
      - name: compile
        type: suspend
"""


def test_operations_are_recorded_for_the_next_engine(cli, in_store, tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(RUN)
    assert cli("apply", "-f", str(path)).returncode == 0

    outputs = [
        cli("suspend", "ci/build"),
        cli("resume", "build", "-n", "ci", "--step", "compile"),
        cli("terminate", "ci/build"),
        cli("restart", "ci/build", "--step", "compile"),
        cli("retry", "ci/build", "-s", "compile"),
    ]
    for result in outputs:
        assert result.returncode == 0, result.stderr
        assert "No engine is running: the next engine to start acts on it." in result.stdout
    assert outputs[1].stdout.startswith("resume requested for run ci/build, step compile.")

    requests = in_store(lambda s: s.take_requests())
    assert [(r.run, r.op, r.args) for r in requests] == [
        ("ci/build", "suspend", {}),
        ("ci/build", "resume", {"step": "compile"}),
        ("ci/build", "terminate", {}),
        ("ci/build", "restart", {"step": "compile"}),
        ("ci/build", "retry", {"step": "compile"}),
    ]


def test_operations_name_the_running_engine(cli, in_store, tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(RUN)
    cli("apply", "-f", str(path))

    async def with_engine(opened: store.SqlStore):
        assert await opened.acquire_engine_lock("test engine")
        return cli("resume", "ci/build")

    result = in_store(with_engine)
    assert result.returncode == 0, result.stderr
    assert "the running engine (test engine) acts on it" in result.stdout


def test_operation_on_missing_run_or_without_step(cli, in_store):
    missing = cli("resume", "nothing")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: WorkflowRun default/nothing not found"
    no_step = cli("retry", "nothing")
    assert no_step.returncode == 2
    assert "retry needs --step" in no_step.stderr
    assert cli("resume", "a/b/c").returncode == 2
    assert in_store(lambda s: s.take_requests()) == []


def test_rollback_is_refused_and_changes_nothing(cli, in_store, tmp_path):
    """Spec 5.4 #72."""
    path = tmp_path / "run.yaml"
    path.write_text(RUN)
    cli("apply", "-f", str(path))
    before = in_store(lambda s: s.get("WorkflowRun", "ci", "build"))
    result = cli("rollback", "ci/build")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: can not rollback a WorkflowRun"
    assert result.stdout == ""
    after = in_store(lambda s: s.get("WorkflowRun", "ci", "build"))
    assert after.version == before.version
    assert in_store(lambda s: s.take_requests()) == []
    missing = cli("rollback", "nothing")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: WorkflowRun default/nothing not found"


def test_logs_print_a_runs_lines_by_step(cli, in_store):
    async def prepare(opened: store.SqlStore):
        doc = {"metadata": {"name": "build", "namespace": "ci"}, "status": {"status": "succeeded"}}
        await opened.put(
            store.Record("WorkflowRun", "ci", "build", doc, phase="succeeded", finished=True)
        )
        when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        await opened.append_logs(
            [
                store.LogLine("ci/build", "compile", 1, when, "info", "compiling [1/2]"),
                store.LogLine("ci/build", "test", 2, when, "error", "3 tests failed"),
                store.LogLine("ci/build", "compile", 3, when, "info", "compiled"),
            ]
        )

    in_store(prepare)
    everything = cli("logs", "ci/build")
    assert everything.returncode == 0, everything.stderr
    assert everything.stdout.splitlines() == [
        "03:04:05 compile compiling [1/2]",
        "03:04:05 test 3 tests failed",
        "03:04:05 compile compiled",
    ]
    one_step = cli("logs", "build", "-n", "ci", "--step", "compile", "-f")
    assert one_step.returncode == 0, one_step.stderr
    assert one_step.stdout.splitlines() == [
        "03:04:05 compile compiling [1/2]",
        "03:04:05 compile compiled",
    ]
    assert cli("logs", "ci/other").returncode == 1
