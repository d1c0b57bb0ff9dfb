"""SqlStore behaviour on real SQLite and PostgreSQL (see conftest.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from cueflow.store import Conflict, LogLine, NotFound, Record, SqlStore, StoreError

RUN = "WorkflowRun"


def run_record(name: str, phase: str = "executing", namespace: str = "default", **status: Any):
    finished = phase in {"succeeded", "failed", "terminated"}
    doc = {
        "apiVersion": "core.oam.dev/v1alpha1",
        "kind": RUN,
        "metadata": {"name": name, "namespace": namespace},
        "status": {"phase": phase, **status},
    }
    return Record(RUN, namespace, name, doc, phase=phase, finished=finished)


def log_line(run: str, step: str, seq: int, text: str) -> LogLine:
    return LogLine(run=run, step=step, seq=seq, time=datetime.now(UTC), level="info", text=text)


async def test_put_creates_then_replaces_bumping_version(store: SqlStore):
    first = await store.put(run_record("a"))
    assert first.version == 1
    assert first.created is not None and first.created.tzinfo is not None

    second = await store.put(run_record("a", phase="succeeded", message="done"))
    assert second.version == 2
    assert second.created == first.created
    assert second.updated is not None and second.updated >= first.updated

    stored = await store.get(RUN, "default", "a")
    assert stored.version == 2
    assert stored.phase == "succeeded" and stored.finished is True
    assert stored.doc["status"] == {"phase": "succeeded", "message": "done"}
    assert stored.created == first.created
    assert abs(stored.updated - second.updated) < timedelta(milliseconds=1)


async def test_put_many_creates_and_replaces_in_one_transaction(store: SqlStore):
    await store.put(run_record("a"))
    stored = await store.put_many([run_record("b"), run_record("a", phase="succeeded")])
    assert [(r.name, r.version) for r in stored] == [("b", 1), ("a", 2)]
    assert (await store.get(RUN, "default", "a")).phase == "succeeded"
    assert (await store.get(RUN, "default", "b")).version == 1


async def test_put_many_stores_all_or_nothing(store: SqlStore):
    broken = run_record("c")
    broken.doc["status"]["bad"] = {1, 2}  # not JSON: fails inside the transaction
    with pytest.raises(StoreError):
        await store.put_many([run_record("a", phase="succeeded"), broken])
    with pytest.raises(NotFound):
        await store.get(RUN, "default", "a")


async def test_get_missing_object_raises_not_found(store: SqlStore):
    await store.put(run_record("a"))
    with pytest.raises(NotFound, match="WorkflowRun default/b"):
        await store.get(RUN, "default", "b")
    with pytest.raises(NotFound):
        await store.get("Workflow", "default", "a")


async def test_put_with_stale_version_raises_conflict(store: SqlStore):
    created = await store.put(run_record("a"), expect_version=0)
    updated = await store.put(run_record("a", step="one"), expect_version=created.version)
    assert updated.version == created.version + 1

    with pytest.raises(Conflict, match="version 1"):
        await store.put(run_record("a", step="lost"), expect_version=created.version)
    with pytest.raises(Conflict, match="already exists"):
        await store.put(run_record("a"), expect_version=0)
    with pytest.raises(Conflict):
        await store.put(run_record("never-created"), expect_version=3)
    assert (await store.get(RUN, "default", "a")).doc["status"]["step"] == "one"


async def test_concurrent_writers_of_one_version_only_one_wins(store: SqlStore):
    base = await store.put(run_record("a"))

    async def write(tag: str) -> str:
        try:
            await store.put(run_record("a", writer=tag), expect_version=base.version)
        except Conflict:
            return "conflict"
        return "ok"

    outcomes = await asyncio.gather(*(write(str(i)) for i in range(5)))
    assert sorted(outcomes) == ["conflict"] * 4 + ["ok"]
    assert (await store.get(RUN, "default", "a")).version == base.version + 1


async def test_list_filters_by_kind_namespace_and_unfinished(store: SqlStore):
    await store.put(run_record("b", phase="executing"))
    await store.put(run_record("a", phase="succeeded"))
    await store.put(run_record("c", phase="executing", namespace="other"))
    await store.put(Record("Workflow", "default", "a", {"steps": []}))

    assert [(r.namespace, r.name) for r in await store.list(RUN)] == [
        ("default", "a"),
        ("default", "b"),
        ("other", "c"),
    ]
    assert [r.name for r in await store.list(RUN, "default")] == ["a", "b"]
    assert [r.name for r in await store.list(RUN, unfinished_only=True)] == ["b", "c"]
    assert [r.name for r in await store.list(RUN, "other", unfinished_only=True)] == ["c"]
    assert [r.doc for r in await store.list("Workflow")] == [{"steps": []}]
    assert await store.list("WorkflowStepDefinition") == []


async def test_documents_round_trip_as_json(store: SqlStore):
    doc = {
        "text": 'héllo ✓ "quoted" \n newline',
        "numbers": [0, -1, 2.5, 1e300, 10**15],
        "flags": {"yes": True, "no": False, "none": None},
        "nested": {"a": [{"b": {"c": []}}]},
        "order": {"zeta": 1, "alpha": 2, "mid": 3},
    }
    await store.put(Record("Workflow", "default", "w", doc))
    stored = (await store.get("Workflow", "default", "w")).doc
    assert stored == doc
    assert isinstance(stored["numbers"][3], float)
    assert list(stored["order"]) == ["zeta", "alpha", "mid"]


async def test_delete_run_removes_its_logs_and_requests_only(store: SqlStore):
    await store.put(run_record("a"))
    await store.put(run_record("b"))
    await store.put(Record("Workflow", "default", "b", {}))
    await store.append_logs(
        [log_line("default/a", "s", 1, "a1"), log_line("default/b", "s", 1, "b1")]
    )
    await store.add_request("default/a", "resume", {})
    await store.add_request("default/b", "suspend", {})

    await store.delete(RUN, "default", "a")
    with pytest.raises(NotFound):
        await store.get(RUN, "default", "a")
    assert await store.logs("default/a") == []
    assert [r.run for r in await store.take_requests()] == ["default/b"]

    await store.delete("Workflow", "default", "b")  # a workflow named like a run
    assert [line.text for line in await store.logs("default/b")] == ["b1"]
    assert (await store.get(RUN, "default", "b")).name == "b"
    with pytest.raises(NotFound):
        await store.delete(RUN, "default", "a")


async def test_logs_filter_by_step_and_sequence(store: SqlStore):
    lines = [log_line("default/r", "one" if i % 2 else "two", i, f"line {i}") for i in range(1, 7)]
    await store.append_logs(lines[3:])
    await store.append_logs(lines[:3])
    await store.append_logs([log_line("default/other", "one", 1, "elsewhere")])
    await store.append_logs([])

    assert [line.seq for line in await store.logs("default/r")] == [1, 2, 3, 4, 5, 6]
    assert [line.text for line in await store.logs("default/r", after_seq=4)] == [
        "line 5",
        "line 6",
    ]
    assert [line.seq for line in await store.logs("default/r", "one")] == [1, 3, 5]
    assert [line.seq for line in await store.logs("default/r", "two", after_seq=2)] == [4, 6]
    first = (await store.logs("default/r"))[0]
    assert (first.run, first.step, first.level) == ("default/r", "one", "info")
    assert first.time.tzinfo is not None
    assert abs(first.time - lines[0].time) < timedelta(milliseconds=1)


async def test_take_requests_returns_oldest_first_and_empties(store: SqlStore):
    added = [
        await store.add_request("default/a", "suspend", {"step": "s1"}),
        await store.add_request("default/a", "resume", {}),
        await store.add_request("default/b", "terminate", {}),
    ]
    assert len({r.id for r in added}) == 3
    taken = await store.take_requests()
    assert [(r.run, r.op, r.args) for r in taken] == [
        ("default/a", "suspend", {"step": "s1"}),
        ("default/a", "resume", {}),
        ("default/b", "terminate", {}),
    ]
    assert [r.id for r in taken] == [r.id for r in added]
    assert await store.take_requests() == []


async def test_kv_put_get_list_delete(store: SqlStore):
    assert await store.kv_get("clusters", "local") is None
    await store.kv_put("clusters", "local", {"context": "kind"})
    await store.kv_put("clusters", "local", {"context": "kind-2"})
    await store.kv_put("clusters", "edge", {"context": "edge"})
    await store.kv_put("configs", "local", {"other": True})

    assert await store.kv_get("clusters", "local") == {"context": "kind-2"}
    assert await store.kv_list("clusters") == {
        "edge": {"context": "edge"},
        "local": {"context": "kind-2"},
    }
    assert await store.kv_delete("clusters", "local") is True
    assert await store.kv_delete("clusters", "local") is False
    assert await store.kv_list("clusters") == {"edge": {"context": "edge"}}
    assert await store.kv_get("configs", "local") == {"other": True}


async def test_writes_are_durable_for_a_new_store(backend):
    writer = backend.new_store()
    await writer.open()
    await writer.put(run_record("a", phase="succeeded"))
    await writer.append_logs([log_line("default/a", "s", 1, "kept")])
    await writer.kv_put("space", "k", {"v": 1})
    await writer.close()

    reader = backend.new_store()
    await reader.open()
    try:
        assert (await reader.get(RUN, "default", "a")).phase == "succeeded"
        assert [line.text for line in await reader.logs("default/a")] == ["kept"]
        assert await reader.kv_get("space", "k") == {"v": 1}
    finally:
        await reader.close()


async def test_status_write_is_one_statement_in_one_transaction(store: SqlStore):
    """The engine's hot path: replacing a run's document costs one UPDATE and one commit."""
    await store.put(run_record("a"))
    statements: list[str] = []
    commits: list[str] = []
    sync_engine = store.engine.sync_engine

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def on_commit(conn):
        commits.append("commit")

    event.listen(sync_engine, "before_cursor_execute", on_statement)
    event.listen(sync_engine, "commit", on_commit)
    try:
        for step in range(3):
            await store.put(run_record("a", step=step))
    finally:
        event.remove(sync_engine, "before_cursor_execute", on_statement)
        event.remove(sync_engine, "commit", on_commit)
    assert [s.split()[0] for s in statements] == ["UPDATE"] * 3
    assert len(commits) == 3
    assert (await store.get(RUN, "default", "a")).doc["status"]["step"] == 2


async def test_closed_store_refuses_operations(backend):
    fresh = backend.new_store()
    with pytest.raises(StoreError, match="not open"):
        await fresh.get(RUN, "default", "a")
