"""KubeVela-only `vela/op` actions fail the step, naming the action, instead of doing nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cueflow import clusters, cue
from cueflow.engine import Engine
from cueflow.engine.settings import EngineSettings
from cueflow.providers import kubevela, registry
from cueflow.store.sql import SqlStore
from cueflow.testing.doubles import provider_context
from cueflow.testing.kube_emulator import KubeEmulator

DEPLOY_TO_RUNTIME = """import "vela/op"
load: op.#Load & {}
targets: op.#ListClusters & {}
apply: op.#Steps & {
    for cluster in targets.outputs.clusters for name, component in load.value {
        "\\(cluster)-\\(name)": op.#ApplyComponent & {value: component, "cluster": cluster}
    }
}
"""


def op_context() -> cue.Context:
    context = cue.Context()
    for package in registry.default_packages().values():
        context.register_package(package.path, package.schema, f"{package.path}.cue")
    return context


@pytest.mark.parametrize("name", kubevela.OP_DEFINITIONS)
async def test_every_kubevela_only_definition_is_a_task_that_fails_naming_itself(
    name: str,
) -> None:
    value = op_context().compile(f'import "vela/op"\ntask: op.#{name} & {{extra: 1}}\n')
    task = value.lookup("task")
    assert task.lookup("#provider").to_python() == "op"
    function = registry.default_packages()["vela/op"].functions[task.lookup("#do").to_python()]
    with pytest.raises(kubevela.KubeVelaOnly) as raised:
        await function(provider_context(), {"extra": 1})
    assert str(raised.value).startswith(f"op.#{name} needs a KubeVela Application")
    assert not raised.value.quote_task


class Templates:
    def __init__(self, **templates: str) -> None:
        self.templates = templates

    def get(self, type_name: str, namespace: str) -> str | None:
        return self.templates.get(type_name)


@pytest.fixture
async def engine_for(
    emulator: KubeEmulator, kv: SqlStore, tmp_path: Path
) -> AsyncIterator[Any]:
    """Builds an engine over the emulator that fails a step on its first error."""
    await clusters.add_cluster(kv, "local", emulator.write_kubeconfig(tmp_path / "k.yaml"))
    cluster_registry = clusters.ClusterRegistry(kv)
    engines: list[Engine] = []

    async def build(**templates: str) -> Engine:
        engine = Engine(kv, registry.default_packages(kv=kv), Templates(**templates),
                        EngineSettings(max_step_error_retries=0), clusters=cluster_registry)
        await engine.start()
        engines.append(engine)
        return engine

    yield build
    for engine in engines:
        await engine.stop()
    await cluster_registry.close()


async def run_one_step(engine: Engine, type_name: str) -> dict[str, Any]:
    await engine.apply({"apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
                        "metadata": {"name": type_name, "namespace": "default"},
                        "spec": {"workflowSpec": {"steps": [{"name": "s", "type": type_name}]}}})
    record = await engine.wait("default", type_name, timeout=60)
    status: dict[str, Any] = record.doc["status"]
    assert status["status"] == "failed", status
    step: dict[str, Any] = status["steps"][0]
    return step


@pytest.mark.parametrize(("template", "action"), [
    ('import "vela/op"\napp: op.#ApplyApplication & {}\n', "op.#ApplyApplication"),
    (DEPLOY_TO_RUNTIME, "op.#Load"),
])
async def test_kubevela_only_action_fails_the_step(
    engine_for: Any, emulator: KubeEmulator, template: str, action: str
) -> None:
    engine = await engine_for(deliver=template)
    step = await run_one_step(engine, "deliver")
    assert (step["phase"], step["reason"]) == ("failed", "FailedAfterRetries")
    assert f"{action} needs a KubeVela Application" in step["message"]
    assert emulator.objects_of("apps/v1", "Deployment") == []


async def test_unknown_cluster_fails_the_step_naming_the_cluster(engine_for: Any) -> None:
    engine = await engine_for(elsewhere="""import "vela/kube"
apply: kube.#Apply & {$params: {
    cluster: "eu"
    value: {apiVersion: "v1", kind: "ConfigMap", metadata: name: "x"}
}}
""")
    step = await run_one_step(engine, "elsewhere")
    assert step["phase"] == "failed"
    assert ('cluster "eu" is not registered (add it with `cueflow cluster add eu '
            '--kubeconfig FILE`)') in step["message"]


async def test_a_complete_provider_error_is_not_followed_by_the_task(engine_for: Any) -> None:
    engine = await engine_for(deliver='import "vela/op"\napp: op.#ApplyApplication & {}\n')
    step = await run_one_step(engine, "deliver")
    assert step["message"] == (
        "function call error for app: op.#ApplyApplication needs a KubeVela Application and "
        "works only inside KubeVela; a cueflow WorkflowRun has none (apply the objects with "
        "op.#Apply or kube.#Apply)")
