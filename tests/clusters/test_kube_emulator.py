"""Emulator behaviour seen over raw HTTP (the parts KubeClient does not use)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from cueflow.testing.kube_emulator import KubeEmulator, workloads_ready


@pytest.fixture
async def api() -> AsyncIterator[tuple[KubeEmulator, httpx.AsyncClient]]:
    emulator = KubeEmulator(history=3)
    transport = httpx.ASGITransport(app=emulator.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://k8s") as client:
        yield emulator, client


CM = "/api/v1/namespaces/default/configmaps"


async def test_discovery_lists_groups_and_resources(api) -> None:
    _, client = api
    assert (await client.get("/api")).json()["versions"] == ["v1"]
    groups = {g["name"] for g in (await client.get("/apis")).json()["groups"]}
    assert {"apps", "batch", "core.oam.dev", "apiextensions.k8s.io"} <= groups
    resources = (await client.get("/apis/apps/v1")).json()["resources"]
    assert {"name": "deployments/status", "singularName": "", "namespaced": True,
            "kind": "Deployment", "verbs": ["get", "patch", "update"]} in resources
    assert (await client.get("/apis/nope/v1")).status_code == 404


async def test_generate_name_and_identity_checks(api) -> None:
    _, client = api
    made = (await client.post(CM, json={"metadata": {"generateName": "cm-"}})).json()
    assert made["metadata"]["name"].startswith("cm-") and len(made["metadata"]["name"]) == 8
    wrong = await client.post(CM, json={"metadata": {"name": "x", "namespace": "other"}})
    assert (wrong.status_code, wrong.json()["reason"]) == (400, "BadRequest")
    nameless = await client.post(CM, json={"metadata": {}})
    assert nameless.status_code == 422 and "metadata.name: Required value" in \
        nameless.json()["message"]
    assert (await client.post(CM, content=b"[")).status_code == 400


async def test_put_merge_and_json_patches(api) -> None:
    _, client = api
    await client.post(CM, json={"metadata": {"name": "a"}, "data": {"x": "1", "y": "2"}})
    current = (await client.get(f"{CM}/a")).json()
    current["data"] = {"z": "3"}
    assert (await client.put(f"{CM}/a", json=current)).json()["data"] == {"z": "3"}
    stale = await client.put(f"{CM}/a", json=current)
    assert stale.status_code == 409
    merged = await client.patch(f"{CM}/a", content=json.dumps({"data": {"z": None, "w": "4"}}),
                                headers={"Content-Type": "application/merge-patch+json"})
    assert merged.json()["data"] == {"w": "4"}
    patched = await client.patch(f"{CM}/a", content=json.dumps([
        {"op": "add", "path": "/data/v", "value": "5"},
        {"op": "move", "from": "/data/w", "path": "/data/u"},
        {"op": "remove", "path": "/data/v"}]),
        headers={"Content-Type": "application/json-patch+json"})
    assert patched.json()["data"] == {"u": "4"}
    unknown = await client.patch(f"{CM}/a", content=b"{}",
                                 headers={"Content-Type": "text/plain"})
    assert unknown.status_code == 415


async def test_selectors_reject_garbage(api) -> None:
    _, client = api
    bad = await client.get(CM, params={"labelSelector": "a in b"})
    assert bad.status_code == 400 and "unable to parse requirement" in bad.json()["message"]


async def test_watch_from_an_expired_version_is_gone(api) -> None:
    _, client = api
    for name in "abcdef":
        await client.post(CM, json={"metadata": {"name": name}})
    gone = await client.get(CM, params={"watch": "true", "resourceVersion": "1"})
    assert gone.status_code == 410 and gone.json()["reason"] == "Expired"
    recent = await client.get(CM, params={"watch": "1", "resourceVersion": "5",
                                          "timeoutSeconds": "1"})
    lines = [json.loads(line) for line in recent.text.splitlines()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in lines] == [("ADDED", "f")]


async def test_cluster_scoped_kinds_ignore_namespaces(api) -> None:
    _, client = api
    await client.post("/api/v1/namespaces", json={"metadata": {"name": "team"}})
    listed = (await client.get("/api/v1/namespaces")).json()
    assert [n["metadata"]["name"] for n in listed["items"]] == ["team"]
    assert "namespace" not in listed["items"][0]["metadata"]


async def test_set_status_and_the_ready_workloads_controller() -> None:
    emulator = KubeEmulator(controllers=(workloads_ready,))
    transport = httpx.ASGITransport(app=emulator.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://k8s") as client:
        deployments = "/apis/apps/v1/namespaces/default/deployments"
        made = (await client.post(deployments, json={"metadata": {"name": "d"},
                                                     "spec": {"replicas": 2}})).json()
        assert made["status"]["readyReplicas"] == 2
        scaled = await client.patch(f"{deployments}/d", content=b'{"spec": {"replicas": 3}}',
                                    headers={"Content-Type": "application/merge-patch+json"})
        assert scaled.json()["status"]["readyReplicas"] == 3
        assert scaled.json()["status"]["observedGeneration"] == 2
        broken = emulator.set_status("apps/v1", "Deployment", "d", "default",
                                     {"readyReplicas": 0})
        assert broken["status"] == {"readyReplicas": 0}
        assert (await client.get(f"{deployments}/d")).json()["status"] == {"readyReplicas": 0}


SECRETS = "/api/v1/namespaces/default/secrets"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def test_secret_string_data_is_folded_into_data_on_every_write(api) -> None:
    emulator, client = api
    made = (await client.post(SECRETS, json={"metadata": {"name": "s"},
                                             "data": {"a": b64("old"), "keep": b64("k")},
                                             "stringData": {"a": "new"}})).json()
    assert "stringData" not in made
    assert made["data"] == {"a": b64("new"), "keep": b64("k")}
    made["stringData"] = {"put": "p"}
    replaced = (await client.put(f"{SECRETS}/s", json=made)).json()
    assert replaced["data"] == {"a": b64("new"), "keep": b64("k"), "put": b64("p")}
    for content_type in ("application/merge-patch+json", "application/strategic-merge-patch+json",
                         "application/apply-patch+yaml"):
        patched = await client.patch(f"{SECRETS}/s", headers={"Content-Type": content_type},
                                     content=json.dumps({"stringData": {"a": content_type}}))
        assert patched.json()["data"]["a"] == b64(content_type)
        assert "stringData" not in patched.json()
    stored = emulator.objects_of("v1", "Secret")[0]
    assert "stringData" not in stored and stored["data"]["put"] == b64("p")
    bad = await client.post(SECRETS, json={"metadata": {"name": "t"}, "stringData": {"a": 1}})
    assert bad.status_code == 400


async def test_string_data_of_other_kinds_is_left_alone(api) -> None:
    _, client = api
    made = await client.post(CM, json={"metadata": {"name": "c"}, "stringData": {"a": "1"}})
    assert made.json()["stringData"] == {"a": "1"}


JOBS = "/apis/batch/v1/namespaces/default/jobs"
JOB = {"metadata": {"name": "j"}, "spec": {"template": {"spec": {"containers": []}}}}


async def test_a_created_job_completes_before_the_next_request(api) -> None:
    _, client = api
    created = (await client.post(JOBS, json=JOB)).json()
    assert "status" not in created  # as a real API server answers, before the controller ran
    status = (await client.get(f"{JOBS}/j")).json()["status"]
    assert status["succeeded"] == 1 and status["active"] == 0
    assert [(c["type"], c["status"]) for c in status["conditions"]] == [("Complete", "True")]
    events = await client.get(JOBS, params={"watch": "1", "resourceVersion": "0",
                                            "timeoutSeconds": "1"})
    assert [json.loads(line)["type"] for line in events.text.splitlines()] == ["ADDED"]
    changes = await client.get(JOBS, params={"watch": "1", "resourceVersion": "1",
                                             "timeoutSeconds": "1"})
    modified = [json.loads(line) for line in changes.text.splitlines()]
    assert [e["type"] for e in modified] == ["MODIFIED"]
    assert modified[0]["object"]["status"]["succeeded"] == 1


async def test_a_suspended_job_waits_until_resumed(api) -> None:
    _, client = api
    suspended = {**JOB, "spec": {**JOB["spec"], "suspend": True, "completions": 2}}
    await client.post(JOBS, json=suspended)
    assert "status" not in (await client.get(f"{JOBS}/j")).json()
    await client.patch(f"{JOBS}/j", content=b'{"spec": {"suspend": false}}',
                       headers={"Content-Type": "application/merge-patch+json"})
    assert (await client.get(f"{JOBS}/j")).json()["status"]["succeeded"] == 2


async def test_jobs_stay_running_without_the_job_controller() -> None:
    emulator = KubeEmulator(complete_jobs=False)
    transport = httpx.ASGITransport(app=emulator.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://k8s") as client:
        await client.post(JOBS, json=JOB)
        await asyncio.sleep(0)  # let any scheduled completion run
        assert "status" not in (await client.get(f"{JOBS}/j")).json()
