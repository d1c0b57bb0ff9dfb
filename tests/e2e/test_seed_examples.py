"""The runnable examples in `examples/seed/`, each run as written (only the URLs in
`spec.context` point at loopback) against the emulated clusters."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from e2e_world import (
    NAMESPACE,
    Reply,
    World,
    load_yaml_documents,
    phases,
    steps_of,
    variables,
)

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed"


async def apply_example(world: World, file: str, context: dict[str, Any]) -> str:
    """Apply every document of an example; returns the run's name."""
    name = ""
    for doc in load_yaml_documents(SEED / file, context):
        await world.apply(doc)
        if doc["kind"] == "WorkflowRun":
            name = doc["metadata"]["name"]
    return name


def build_service(world: World, outcome: str) -> dict[str, str]:
    """A build service whose build is running twice, then ends with `outcome`."""
    world.http.answer("/builds", Reply(201, {"id": "b-7"}))
    world.http.answer("/builds/b-7", Reply(200, {"status": "running"}),
                      Reply(200, {"status": "running"}),
                      Reply(200, {"status": outcome, "image": "registry.example.com/web@sha256:1",
                                  "log": "step 3/9: npm ci exited 1"}))
    return {"buildService": world.http.url, "notifyURL": world.http.url + "/chat"}


async def test_image_build_prewarms_the_built_image_in_both_clusters(world: World) -> None:
    name = await apply_example(world, "image-build.yaml", build_service(world, "succeeded"))
    doc = await world.finish(name, timeout=20)
    assert doc["status"]["status"] == "succeeded", doc["status"]
    assert phases(doc) == {"submit": "succeeded", "build": "succeeded",
                           "build-failed": "skipped", "prewarm": "succeeded",
                           "prewarm-local": "succeeded", "prewarm-eu": "succeeded"}
    submitted = world.http.to("/builds")[0]
    assert (submitted.method, submitted.json()) == ("POST", {
        "git": "https://git.example.com/shop/web.git", "revision": "v1.4.0",
        "image": "registry.example.com/shop/web:1.4.0"})
    assert len(world.http.to("/builds/b-7")) >= 3
    assert world.http.to("/chat") == []
    assert variables(doc)["image"] == "registry.example.com/web@sha256:1"
    for cluster in ("local", "eu"):
        (job,) = world.objects("apps.kruise.io/v1alpha1", "ImagePullJob", cluster).values()
        assert job["spec"]["image"] == "registry.example.com/web@sha256:1"


async def test_image_build_failure_notifies_and_prewarms_nothing(world: World) -> None:
    name = await apply_example(world, "image-build.yaml", build_service(world, "failed"))
    doc = await world.finish(name, timeout=20)
    assert doc["status"]["status"] == "failed"
    build = steps_of(doc)["build"]
    assert (build["phase"], build["message"]) == (
        "failed", "build b-7 failed: step 3/9: npm ci exited 1")
    assert phases(doc)["build-failed"] == "succeeded"
    assert phases(doc)["prewarm"] == "skipped"
    (chat,) = world.http.to("/chat")
    assert chat.json() == {"run": name, "text": "The image build of shop/web v1.4.0 failed; "
                           "nothing was pre-warmed."}
    for cluster in ("local", "eu"):
        assert world.objects("apps.kruise.io/v1alpha1", "ImagePullJob", cluster) == {}


def release_api(world: World, register: Reply) -> dict[str, str]:
    world.http.answer("/api/releases", register)
    world.http.answer("/api/releases/r-1", Reply(200, {"id": "r-1", "state": "released"}))
    world.http.answer("/api/incidents", Reply(201, {"id": "inc-9"}))
    return {"releaseAPI": world.http.url + "/api"}


async def test_release_registers_applies_and_marks_the_release(world: World) -> None:
    name = await apply_example(world, "release.yaml",
                               release_api(world, Reply(201, {"id": "r-1"})))
    doc = await world.finish(name, timeout=20)
    assert doc["status"]["status"] == "succeeded", doc["status"]
    assert phases(doc)["open-incident"] == "skipped"
    assert world.http.to("/api/releases")[0].json() == {"service": "shop", "version": "2.3.0"}
    marked = world.http.to("/api/releases/r-1")
    assert [(r.method, r.json()) for r in marked] == [("PUT", {"state": "released"})]
    assert world.http.to("/api/incidents") == []
    assert world.objects("v1", "ConfigMap")["shop-settings"]["data"]["VERSION"] == "2.3.0"
    shop = world.objects("apps/v1", "Deployment")["shop"]
    assert shop["status"]["readyReplicas"] == 3


async def test_release_api_refusal_skips_the_rollout_and_opens_an_incident(
    world: World,
) -> None:
    name = await apply_example(world, "release.yaml",
                               release_api(world, Reply(503, {"error": "frozen"})))
    doc = await world.finish(name, timeout=20)
    assert doc["status"]["status"] == "failed"
    assert world.http.to("/api/releases")[0].method == "POST"
    assert phases(doc) == {"register": "failed", "settings": "skipped", "shop": "skipped",
                           "mark-released": "skipped", "open-incident": "succeeded"}
    (incident,) = world.http.to("/api/incidents")
    assert incident.json()["summary"] == "the release did not go out"
    assert world.objects("apps/v1", "Deployment") == {}


def rollout_status(step: int, state: str, phase: str = "Progressing") -> dict[str, Any]:
    return {"phase": phase, "canaryStatus": {"currentStepIndex": step,
                                             "currentStepState": state}}


async def test_canary_rollout_waits_for_each_batch_and_for_approval(world: World) -> None:
    name = await apply_example(world, "canary-rollout.yaml",
                               {"chatURL": world.http.url + "/chat"})

    def step_phase(step: str, phase: str) -> Any:
        return lambda status: phases(status).get(step) == phase

    def set_rollout(status: dict[str, Any]) -> None:
        world.local.set_status("rollouts.kruise.io/v1beta1", "Rollout", "web", NAMESPACE,
                               status)

    await world.until(step_phase("batch-1", "running"), name)
    deployment = world.objects("apps/v1", "Deployment")["web"]
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":2.0.0")
    set_rollout(rollout_status(1, "StepUpgrade"))
    await world.until(lambda s: "batch 1 StepUpgrade" in steps_of(s)["batch-1"].get(
        "message", ""), name)
    set_rollout(rollout_status(1, "StepPaused"))
    status = await world.until(step_phase("approve", "suspending"), name)
    assert "check the dashboards" in steps_of(status)["approve"]["message"]
    assert "batch-2" not in steps_of(status)
    await world.engine.resume(NAMESPACE, name)
    await world.until(step_phase("batch-2", "running"), name)
    rollout = world.objects("rollouts.kruise.io/v1beta1", "Rollout")["web"]
    assert rollout["spec"]["strategy"]["paused"] is False
    set_rollout(rollout_status(2, "StepPaused"))
    await world.until(step_phase("batch-3", "running"), name)
    assert world.http.to("/chat") == []
    set_rollout(rollout_status(3, "Completed", "Healthy"))
    doc = await world.finish(name)
    assert doc["status"]["status"] == "succeeded", doc["status"]
    (chat,) = world.http.to("/chat")
    assert chat.json() == {"text": "web 2.0.0 runs on every pod"}


async def cueflow(home: Path, *args: str) -> tuple[int, str, str]:
    """Run the `cueflow` command in a subprocess (the loopback servers keep serving)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from cueflow.cli.main import app; app()", *args,
        env={**os.environ, "CUEFLOW_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_image_build_runs_with_the_cli(world: World, tmp_path: Path) -> None:
    home = tmp_path / "home"
    for name, api in (("local", world.local), ("eu", world.eu)):
        config = api.write_kubeconfig(tmp_path / f"{name}.kubeconfig")
        code, _, err = await cueflow(home, "cluster", "add", name, "--kubeconfig", str(config))
        assert code == 0, err
    context = build_service(world, "succeeded")
    code, out, err = await cueflow(
        home, "run", str(SEED / "image-build.yaml"), "-o", "json",
        *[f"--context={key}={value}" for key, value in context.items()])
    assert code == 0, err
    assert json.loads(out)["status"]["status"] == "succeeded"
    for cluster in ("local", "eu"):
        assert len(world.objects("apps.kruise.io/v1alpha1", "ImagePullJob", cluster)) == 1
