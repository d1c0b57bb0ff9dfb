"""Live server-sent events from a real uvicorn server, as the engine stores each change."""

from __future__ import annotations

import asyncio

from cueflow import store
from cueflow.cli._documents import to_record
from cueflow.model import load_documents
from cueflow.store.sql import SqlStore


async def test_the_event_stream_shows_status_changes_and_log_lines_as_they_happen(
    live, greet, run_yaml
):
    seen: list[tuple[str, dict]] = []
    async with live.stream("/api/v1/events") as events:
        assert await anext(events) == ("comment", "subscribed")
        posted = await live.post_yaml(
            "/api/v1/runs", greet + "---\n" + run_yaml("live", "greet:live", "suspend")
        )
        assert posted.status_code == 201, posted.text
        async for kind, data in events:
            seen.append((kind, data))
            if kind == "status" and data["status"]["suspend"]:
                resumed = await live.client.post("/api/v1/runs/live/resume")
                assert resumed.status_code == 200, resumed.text
            if kind == "status" and data["finished"]:
                break
    assert all(data["run"] == "default/live" for _, data in seen)
    logs = [data["text"] for kind, data in seen if kind == "log"]
    assert logs == ["Hello, live!"]
    phases = [data["phase"] for kind, data in seen if kind == "status"]
    assert phases.index("suspending") < phases.index("succeeded") == len(phases) - 1
    final = seen[-1][1]["status"]
    assert [step["phase"] for step in final["steps"]] == ["succeeded", "succeeded"]


async def test_a_run_stream_starts_with_the_current_state_and_ends_with_the_run(
    live, greet, run_yaml
):
    text = greet + "---\n" + run_yaml("gate", "greet:first", "suspend", "greet:last")
    async with live.stream("/api/v1/events") as everything:
        assert await anext(everything) == ("comment", "subscribed")
        await live.post_yaml("/api/v1/runs", text)
        async for kind, data in everything:
            if kind == "status" and data["phase"] == "suspending":
                break

    async with live.stream("/api/v1/runs/gate/events") as events:
        first_kind, first = await anext(events)
        assert (first_kind, first["phase"]) == ("status", "suspending")
        stored_kind, stored = await anext(events)  # the lines logged so far come next
        assert (stored_kind, stored["text"]) == ("log", "Hello, first!")
        await live.client.post("/api/v1/runs/gate/resume")
        collected = [item async for item in events]  # the stream ends by itself
    assert [data["text"] for kind, data in collected if kind == "log"] == ["Hello, last!"]
    assert collected[-1][0] == "status" and collected[-1][1]["phase"] == "succeeded"


async def test_runs_another_process_stores_reach_the_engine_and_the_stream(
    live, tmp_path, greet, run_yaml
):
    """As `cueflow apply` does: store the objects, then wake the engine through its socket."""
    other = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'cueflow.db'}")
    await other.open()
    try:
        async with live.stream("/api/v1/events") as events:
            assert await anext(events) == ("comment", "subscribed")
            for obj in load_documents(greet + "---\n" + run_yaml("handed", "greet:over")):
                await other.put(to_record(obj))
            assert await asyncio.to_thread(store.notify_engine, other.url.render_as_string())
            async for kind, data in events:
                if kind == "status" and data["finished"]:
                    assert (data["run"], data["phase"]) == ("default/handed", "succeeded")
                    break
    finally:
        await other.close()
