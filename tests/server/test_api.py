"""The REST API against a real engine and SQLite store, through an in-process transport."""

from __future__ import annotations

import json

import yaml


async def submit(api, text: str, *, status: int = 201) -> list[dict]:
    response = await api.post_yaml("/api/v1/runs", text)
    assert response.status_code == status, response.text
    return response.json()


async def test_a_run_posted_as_yaml_succeeds_with_its_steps_and_logs(api, greet, run_yaml):
    created = await submit(api, greet + "---\n" + run_yaml("hello", "greet:api", "greet:you"))
    assert [run["metadata"]["name"] for run in created] == ["hello"]
    await api.engine.wait("default", "hello", timeout=30)

    run = (await api.client.get("/api/v1/runs/hello")).json()
    assert run["status"]["status"] == "succeeded"
    assert [(s["name"], s["phase"]) for s in run["status"]["steps"]] == [
        ("s0-greet", "succeeded"),
        ("s1-greet", "succeeded"),
    ]
    assert "cueflowState" not in run  # the engine's private state stays private

    logs = (await api.client.get("/api/v1/runs/hello/logs")).json()
    assert [(line["step"], line["text"]) for line in logs] == [
        ("s0-greet", "Hello, api!"),
        ("s1-greet", "Hello, you!"),
    ]
    one_step = (await api.client.get("/api/v1/runs/hello/logs", params={"step": "s1-greet"})).json()
    assert [line["text"] for line in one_step] == ["Hello, you!"]


async def test_json_bodies_take_an_object_or_a_list(api, greet, run_yaml):
    documents = list(yaml.safe_load_all(greet + "---\n" + run_yaml("from-json", "greet:json")))
    response = await api.client.post("/api/v1/runs", json=documents)
    assert response.status_code == 201, response.text
    await api.engine.wait("default", "from-json", timeout=30)
    again = await api.client.post("/api/v1/runs", json=documents[1])  # finished: replaced
    assert again.status_code == 201, again.text
    final = await api.engine.wait("default", "from-json", timeout=30)
    assert final.doc["status"]["status"] == "succeeded"


async def test_the_run_list_filters_by_phase(api, greet, run_yaml):
    await submit(api, greet + "---\n" + run_yaml("done", "greet:a"))
    await api.engine.wait("default", "done", timeout=30)
    await submit(api, run_yaml("held", "suspend"))

    everything = (await api.client.get("/api/v1/runs")).json()
    assert sorted(run["name"] for run in everything) == ["done", "held"]
    succeeded = (await api.client.get("/api/v1/runs", params={"phase": "succeeded"})).json()
    assert [run["name"] for run in succeeded] == ["done"]
    assert succeeded[0]["finished"] is True

    bad = await api.client.get("/api/v1/runs", params={"phase": "sleeping"})
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("query.phase: Input should be 'initializing'")


async def test_bad_documents_are_400_with_the_position(api, greet, run_yaml):
    broken = await api.post_yaml("/api/v1/runs", "kind: WorkflowRun\nmetadata: [name\n")
    assert broken.status_code == 400
    assert broken.json()["error"].startswith("body:3:1: invalid YAML")

    no_name = run_yaml("x", "greet:a").replace("  name: x\n", "  labels: {}\n")
    invalid = await api.post_yaml("/api/v1/runs", no_name)
    assert invalid.status_code == 400
    assert invalid.json()["error"] == "body:4: metadata.name is required"

    bad_json = await api.client.post(
        "/api/v1/runs", content='{"kind": }', headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400
    assert bad_json.json()["error"].startswith("body:1:10: invalid JSON")

    wrong_kind = await api.post_yaml("/api/v1/workflows", greet)
    assert wrong_kind.status_code == 400
    assert wrong_kind.json()["error"] == (
        "body:2: expected Workflow, got WorkflowStepDefinition (post it to its own path)"
    )

    text = await api.client.post(
        "/api/v1/runs", content="hello", headers={"Content-Type": "text/plain"}
    )
    assert text.status_code == 415
    assert "send application/json or application/yaml" in text.json()["error"]


async def test_unknown_objects_are_404(api, greet, run_yaml):
    for method, path in [
        ("GET", "/api/v1/runs/nope"),
        ("GET", "/api/v1/runs/nope/logs"),
        ("GET", "/api/v1/runs/nope/events"),
        ("POST", "/api/v1/runs/nope/resume"),
        ("DELETE", "/api/v1/runs/nope"),
        ("GET", "/api/v1/workflows/nope"),
        ("DELETE", "/api/v1/definitions/nope"),
    ]:
        response = await api.client.request(method, path)
        assert response.status_code == 404, (method, path)
        assert "default/nope not found" in response.json()["error"]


async def test_operations_suspend_resume_and_refuse_what_does_not_apply(api, greet, run_yaml):
    await submit(api, run_yaml("gate", "suspend"))
    events = api.events
    async with events.subscribe("default/gate") as stream:
        resumed = await api.client.post("/api/v1/runs/gate/resume")
        assert resumed.status_code == 200, resumed.text
        async for event in stream:
            if event.kind == "status" and event.data["finished"]:
                assert event.data["phase"] == "succeeded"
                break

    finished = await api.client.post("/api/v1/runs/gate/suspend")
    assert finished.status_code == 409
    assert finished.json()["error"] == (
        "suspend default/gate: workflow run default/gate has finished"
    )
    assert (await api.client.post("/api/v1/runs/gate/retry")).status_code == 400
    assert (await api.client.post("/api/v1/runs/gate/pause")).status_code == 400

    again = await submit(api, run_yaml("stop-me", "suspend"))
    assert again[0]["metadata"]["name"] == "stop-me"
    conflict = await api.post_yaml("/api/v1/runs", run_yaml("stop-me", "suspend"))
    assert conflict.status_code == 409
    assert "already exists and is" in conflict.json()["error"]
    terminated = await api.client.post("/api/v1/runs/stop-me/terminate")
    assert terminated.status_code == 200, terminated.text
    final = await api.engine.wait("default", "stop-me", timeout=30)
    assert final.doc["status"]["status"] == "terminated"


async def test_a_run_still_going_can_be_deleted(api, greet, run_yaml):
    await submit(api, run_yaml("doomed", "suspend"))
    deleted = await api.client.delete("/api/v1/runs/doomed")
    assert deleted.status_code == 204
    assert (await api.client.get("/api/v1/runs/doomed")).status_code == 404


async def test_workflows_and_definitions_are_listed_created_and_deleted(api, greet, run_yaml):
    workflow = (
        "apiVersion: core.oam.dev/v1alpha1\nkind: Workflow\nmetadata:\n  name: greetings\n"
        "steps:\n  - name: hi\n    type: greet\n    properties: {who: ref}\n"
    )
    assert (await api.post_yaml("/api/v1/definitions", greet)).status_code == 201
    assert (await api.post_yaml("/api/v1/workflows", workflow)).status_code == 201
    definitions = (await api.client.get("/api/v1/definitions")).json()
    assert [d["metadata"]["name"] for d in definitions] == ["greet"]
    got = (await api.client.get("/api/v1/workflows/greetings")).json()
    assert got["steps"][0]["type"] == "greet"

    by_ref = (
        "apiVersion: core.oam.dev/v1alpha1\nkind: WorkflowRun\nmetadata:\n  name: by-ref\n"
        "spec:\n  workflowRef: greetings\n"
    )
    await submit(api, by_ref)
    final = await api.engine.wait("default", "by-ref", timeout=30)
    assert final.doc["status"]["status"] == "succeeded"

    missing = await api.post_yaml("/api/v1/runs", by_ref.replace("greetings", "absent"))
    assert missing.status_code == 400
    assert "Workflow 'absent' not found" in missing.json()["error"]

    assert (await api.client.delete("/api/v1/workflows/greetings")).status_code == 204
    assert (await api.client.get("/api/v1/workflows")).json() == []

    broken = greet.replace('"Hello', '("Hello')
    rejected = await api.post_yaml("/api/v1/definitions", broken)
    assert rejected.status_code == 400
    assert rejected.json()["error"].startswith(
        "body:12:61: WorkflowStepDefinition 'greet': template does not compile"
    )


async def test_a_finished_runs_event_stream_replays_it_and_ends(api, greet, run_yaml):
    await submit(api, greet + "---\n" + run_yaml("told", "greet:sse"))
    await api.engine.wait("default", "told", timeout=30)
    response = await api.client.get("/api/v1/runs/told/events")
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [
        (block.split("\n")[0], json.loads(block.split("data: ", 1)[1]))
        for block in response.text.strip().split("\n\n")
    ]
    assert [kind for kind, _ in events] == ["event: status", "event: log"]
    assert events[0][1]["phase"] == "succeeded"
    assert events[1][1]["text"] == "Hello, sse!"


async def test_the_openapi_document_and_the_dashboard_are_served(api, greet, run_yaml):
    spec = (await api.client.get("/openapi.json")).json()
    assert {"/api/v1/runs", "/api/v1/runs/{name}/{operation}", "/api/v1/events"} <= set(
        spec["paths"]
    )
    assert "application/yaml" in spec["paths"]["/api/v1/runs"]["post"]["requestBody"]["content"]
    assert "succeeded" in spec["components"]["schemas"]["RunPhase"]["enum"]
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    page = await api.client.get("/")
    assert page.status_code == 200 and '<script src="/static/app.js"' in page.text
    script = await api.client.get("/static/app.js")
    assert script.status_code == 200 and "EventSource" in script.text
