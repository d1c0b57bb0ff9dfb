"""Spec scenarios 5.6 (80-82) and 5.7 (83-85, 87-93, 96) with the shipped step library, against
the emulated clusters and loopback servers; long suspends are shortened to seconds."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from e2e_world import (
    NAMESPACE,
    UNPULLABLE,
    Received,
    Reply,
    World,
    phases,
    run_doc,
    steps_of,
    variables,
)

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

MESSAGE_DEFINITION = {
    "apiVersion": "core.oam.dev/v1beta1", "kind": "WorkflowStepDefinition",
    "metadata": {"name": "message", "namespace": NAMESPACE},
    "spec": {"schematic": {"cue": {"template": (
        'import "vela/op"\n\nmsg: op.#Message & {message: parameter.message}\n'
        "parameter: message: string\n")}}},
}


def definition(name: str, template: str) -> dict[str, Any]:
    return {"apiVersion": "core.oam.dev/v1beta1", "kind": "WorkflowStepDefinition",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"schematic": {"cue": {"template": template}}}}


def workflow(name: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "core.oam.dev/v1alpha1", "kind": "Workflow",
            "metadata": {"name": name, "namespace": NAMESPACE}, "steps": steps}


def referencing(name: str, workflow_name: str, **spec: Any) -> dict[str, Any]:
    doc = run_doc([], name, **spec)
    del doc["spec"]["workflowSpec"]
    doc["spec"]["workflowRef"] = workflow_name
    return doc


CONFIG = {"key1": "value1", "key2": 2, "key3": True, "key4": {"key5": "value5"}}


# --- 5.6 -------------------------------------------------------------------------------------


async def test_80_config_crud_with_an_output_without_value_from(world: World) -> None:
    started = asyncio.get_running_loop().time()
    doc = await world.run([
        {"name": "write", "type": "create-config", "properties": {"name": "test",
                                                                  "config": CONFIG}},
        {"name": "read", "type": "read-config", "properties": {"name": "test"},
         "outputs": [{"name": "config", "valueFrom": "output.$returns.config"},
                     {"name": "bare"}]},
        {"name": "delete", "type": "delete-config", "properties": {"name": "test"}},
    ], timeout=30)
    assert doc["status"]["status"] == "succeeded", doc["status"]
    assert asyncio.get_running_loop().time() - started < 30
    assert variables(doc)["config"] == CONFIG
    assert "test" not in world.objects("v1", "Secret")


async def test_81_message_type_inline_and_through_a_workflow_ref(world: World) -> None:
    await world.apply(MESSAGE_DEFINITION)
    steps = [{"name": "hello", "type": "message", "properties": {"message": "hello"}}]
    inline = await world.run(steps, name="inline")
    assert inline["status"]["status"] == "succeeded", inline["status"]
    assert steps_of(inline)["hello"]["message"] == "hello"
    await world.apply(workflow("say-hello", steps))
    await world.apply(referencing("by-ref", "say-hello"))
    by_ref = await world.finish("by-ref")
    assert by_ref["status"]["status"] == "succeeded", by_ref["status"]
    assert steps_of(by_ref)["hello"]["message"] == "hello"


async def test_82_request_headers_from_a_secret(world: World) -> None:
    world.secret("api-creds", {"token": "Bearer s3cret"})

    def guarded(request: Received) -> Reply:
        if request.headers.get("authorization") == "Bearer s3cret":
            return Reply(200, "OK")
        return Reply(401, "no")

    url = world.http.answer("/guarded", guarded)
    doc = await world.run([{"name": "call", "type": "request", "properties": {
        "url": url, "headersFromSecret": [
            {"header": "Authorization", "secret": "api-creds", "key": "token"}]}}], timeout=60)
    assert doc["status"]["status"] == "succeeded", doc["status"]
    assert world.http.to("/guarded")[-1].headers["authorization"] == "Bearer s3cret"


# --- 5.7 -------------------------------------------------------------------------------------


async def test_83_custom_context_overrides_the_run_name(world: World) -> None:
    doc = await world.run([{"name": "web", "type": "apply-deployment", "if": 'context.env == "dev"',
                            "properties": {"image": "nginx"}}],
                          context={"env": "dev", "name": "override"})
    assert doc["status"]["status"] == "succeeded", doc["status"]
    web = world.objects("apps/v1", "Deployment")["web"]
    assert web["spec"]["selector"]["matchLabels"] == {
        "workflow.oam.dev/step-name": "override-web"}


@pytest.mark.parametrize(("env", "created", "skipped"),
                         [("test", "for-test", "for-dev"), ("dev", "for-dev", "for-test")])
async def test_84_workflow_template_steps_chosen_by_context(
    world: World, env: str, created: str, skipped: str
) -> None:
    await world.apply(workflow("deploy-workflow", [
        {"name": "for-dev", "type": "apply-deployment", "if": 'context.env == "dev"',
         "properties": {"image": "nginx"}},
        {"name": "for-test", "type": "apply-deployment", "if": 'context.env == "test"',
         "properties": {"image": "nginx"}},
    ]))
    await world.apply(referencing("deploy-workflowrun", "deploy-workflow",
                                  context={"env": env}))
    doc = await world.finish("deploy-workflowrun")
    assert doc["status"]["status"] == "succeeded", doc["status"]
    assert phases(doc) == {created: "succeeded", skipped: "skipped"}
    assert set(world.objects("apps/v1", "Deployment")) == {created}


STARS = 'import "strconv"\n"Current star count: " + strconv.FormatInt(response["stargazers_count"], 10)\n'


def stars_steps(world: World, url: str) -> list[dict[str, Any]]:
    slack = {"url": {"value": world.http.url + "/slack"}, "message": {"text": ""}}
    return [
        {"name": "request", "type": "request", "properties": {"url": url},
         "outputs": [{"name": "stars", "valueFrom": STARS}]},
        {"name": "notification", "type": "notification", "properties": {"slack": slack},
         "inputs": [{"from": "stars", "parameterKey": "slack.message.text"}]},
        {"name": "failed-notification", "type": "notification", "if": "status.request.failed",
         "properties": {"slack": {**slack, "message": {"text": "Failed to get the stars"}}}},
    ]


async def test_85_request_output_script_feeds_a_notification(world: World) -> None:
    url = world.http.answer("/repos/kubevela/workflow", Reply(200, {"stargazers_count": 421}))
    doc = await world.run(stars_steps(world, url))
    assert doc["status"]["status"] == "succeeded", doc["status"]
    assert phases(doc)["failed-notification"] == "skipped"
    assert [r.json()["text"] for r in world.http.to("/slack")][-1] == "Current star count: 421"
    assert {r.json()["text"] for r in world.http.to("/slack")} == {"Current star count: 421"}


async def test_85_a_failed_request_posts_the_failure_message(world: World) -> None:
    url = world.http.answer("/repos/nobody/nothing", Reply(404, {"message": "Not Found"}))
    doc = await world.run(stars_steps(world, url))
    assert doc["status"]["status"] == "failed"
    assert phases(doc) == {"request": "failed", "notification": "skipped",
                           "failed-notification": "succeeded"}
    assert {r.json()["text"] for r in world.http.to("/slack")} == {"Failed to get the stars"}


async def test_87_timed_out_step_exports_its_object_to_a_diagnosis(world: World) -> None:
    answer = {"choices": [{"message": {"content": "the image cannot be pulled"}}]}
    endpoint = world.http.answer("/v1/chat/completions", Reply(200, answer))
    chat = {"token": {"value": "sk-test"}, "endpoint": endpoint, "prompt": {"type": "diagnose"}}
    doc = await world.run([
        {"name": "apply", "type": "apply-deployment", "timeout": "2s",
         "properties": {"image": f"nginx:{UNPULLABLE}"},
         "outputs": [{"name": "resource", "valueFrom": "output.value"}]},
        {"name": "chat-diagnose", "type": "chat-gpt", "if": "status.apply.failed",
         "properties": chat, "inputs": [{"from": "resource", "parameterKey": "prompt.content"}]},
        {"name": "chat-audit", "type": "chat-gpt", "if": "status.apply.succeeded",
         "properties": {**chat, "prompt": {"type": "audit", "content": "x"}}},
    ], timeout=20)
    apply = steps_of(doc)["apply"]
    assert (apply["phase"], apply["reason"]) == ("failed", "Timeout")
    assert variables(doc)["resource"]["metadata"]["name"] == "apply"
    assert phases(doc)["chat-diagnose"] == "succeeded"
    assert phases(doc)["chat-audit"] == "skipped"
    (asked,) = world.http.to("/v1/chat/completions")
    assert UNPULLABLE in asked.json()["messages"][0]["content"]


async def test_88_suspends_resume_by_themselves_or_by_hand(world: World) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    await world.start([
        {"name": "hello", "type": "print-message-in-status", "properties": {"message": "hi"}},
        {"name": "short", "type": "suspend", "properties": {"duration": "1s"}},
        {"name": "longer", "type": "suspend", "properties": {"duration": "2s"}},
        {"name": "manual", "type": "suspend"},
        {"name": "bye", "type": "print-message-in-status", "properties": {"message": "bye"}},
    ])
    status = await world.until(lambda s: phases(s).get("manual") == "suspending")
    assert loop.time() - started >= 3
    assert steps_of(status)["manual"]["message"] == "Suspended by field suspend"
    await asyncio.sleep(1.5)
    assert phases(await world.status())["manual"] == "suspending"
    await world.engine.resume(NAMESPACE, "run")
    doc = await world.finish()
    assert doc["status"]["status"] == "succeeded", doc["status"]
    assert steps_of(doc)["hello"]["message"] == "hi"
    assert loop.time() - started >= 4.5


async def test_89_step_groups_finish_before_the_next_step(world: World) -> None:
    slow = world.http.answer("/slow", Reply(200, {"ok": 1}))
    after = world.http.answer("/after", Reply(200, {"ok": 2}))
    doc = await world.run([
        {"name": "objects", "type": "step-group", "subSteps": [
            {"name": "cm-a", "type": "apply-object", "properties": {"value": {
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}}},
            {"name": "cm-b", "type": "export2config",
             "properties": {"configName": "b", "data": {"k": "v"}}},
            {"name": "cm-c", "type": "apply-object", "properties": {"value": {
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
                "cluster": "eu"}},
        ]},
        {"name": "between", "type": "read-object", "properties": {
            "apiVersion": "v1", "kind": "ConfigMap", "name": "b"},
         "outputs": [{"name": "b", "valueFrom": "output.$returns.value.data.k"}]},
        {"name": "calls", "type": "step-group", "subSteps": [
            {"name": "call-1", "type": "request", "properties": {"url": slow + "?n=1"}},
            {"name": "call-2", "type": "request", "properties": {"url": slow + "?n=2"}},
        ]},
        {"name": "last", "type": "request", "properties": {"url": after}},
    ])
    assert doc["status"]["status"] == "succeeded", doc["status"]
    assert set(phases(doc).values()) == {"succeeded"}
    assert variables(doc)["b"] == "v"
    assert "c" in world.objects("v1", "ConfigMap", "eu")
    paths = [r.path for r in world.http.requests]
    assert paths.index("/after") > max(i for i, p in enumerate(paths) if p == "/slow")
    assert sorted(r.query["n"] for r in world.http.to("/slow")) == ["1", "2"]


async def test_90_deployments_in_sequence_with_debug_snapshots(world: World) -> None:
    doc = run_doc([
        {"name": "deploy-nginx", "type": "apply-deployment", "properties": {"image": "nginx"}},
        {"name": "deploy-busybox", "type": "apply-deployment",
         "properties": {"image": "busybox", "replicas": 2}},
        {"name": "pause", "type": "suspend", "properties": {"duration": "1s"}},
        {"name": "deploy-redis", "type": "apply-deployment", "properties": {"image": "redis"},
         "if": 'status["deploy-nginx"].phase == "succeeded"'},
        {"name": "note", "type": "print-message-in-status", "properties": {"message": "done"}},
    ], "test-apply-deployment")
    doc["metadata"]["annotations"] = {"workflowrun.oam.dev/debug": "true"}
    await world.apply(doc)
    done = await world.finish("test-apply-deployment")
    assert done["status"]["status"] == "succeeded", done["status"]
    assert set(world.objects("apps/v1", "Deployment")) == {
        "deploy-nginx", "deploy-busybox", "deploy-redis"}
    snapshots = done["cueflowState"]["debug"]
    ids = {entry["name"]: entry["id"] for entry in steps_of(done).values()}
    assert "busybox" in snapshots[ids["deploy-busybox"]]
    assert steps_of(done)["note"]["message"] == "done"


async def test_91_clean_jobs_by_label(world: World) -> None:
    def job(name: str, **labels: str) -> dict[str, Any]:
        return {"apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": name, "labels": {
                    "workflow.oam.dev/name": "test-clean-jobs", **labels}},
                "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}],
                                               "restartPolicy": "Never"}}}}

    for name, app in (("pod-1", "test-app"), ("pod-2", "other")):
        world.put({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": name, "labels": {"app": app}}, "spec": {}})
    doc = await world.run([
        {"name": "job-1", "type": "apply-object", "properties": {"value": job("job-1",
                                                                               app="test-app")}},
        {"name": "job-2", "type": "apply-object", "properties": {"value": job("job-2")}},
        {"name": "wait", "type": "suspend", "properties": {"duration": "1s"}},
        {"name": "clean", "type": "clean-jobs",
         "properties": {"labelselector": {"app": "test-app"}}},
    ], name="test-clean-jobs")
    assert doc["status"]["status"] == "succeeded", doc["status"]
    assert set(world.objects("batch/v1", "Job")) == {"job-2"}
    assert set(world.objects("v1", "Pod")) == {"pod-2"}


async def test_92_export_to_configmaps_and_secrets(world: World) -> None:
    doc = await world.run([
        {"name": "cm-here", "type": "export2config",
         "properties": {"configName": "here", "data": {"a": "1"}}},
        {"name": "cm-there", "type": "export2config",
         "properties": {"configName": "there", "namespace": "other", "data": {"b": "2"}}},
        {"name": "secret", "type": "export2secret",
         "properties": {"secretName": "plain", "data": {"c": "3"}}},
        {"name": "registry", "type": "export2secret", "properties": {
            "secretName": "pull", "namespace": "other", "kind": "docker-registry",
            "dockerRegistry": {"username": "u", "password": "p"}}},
    ])
    assert doc["status"]["status"] == "succeeded", doc["status"]
    maps = {(m["metadata"]["namespace"], m["metadata"]["name"]): m
            for m in world.local.objects_of("v1", "ConfigMap")}
    assert maps[(NAMESPACE, "here")]["data"] == {"a": "1"}
    assert maps[("other", "there")]["data"] == {"b": "2"}
    secrets = {(s["metadata"]["namespace"], s["metadata"]["name"]): s
               for s in world.local.objects_of("v1", "Secret")}
    assert secrets[(NAMESPACE, "plain")]["data"] == {"c": base64.b64encode(b"3").decode()}
    pull = secrets[("other", "pull")]
    assert pull["type"] == "kubernetes.io/dockerconfigjson"
    assert "https://index.docker.io/v1/" in base64.b64decode(pull["data"][".dockerconfigjson"]).decode()


async def test_93_objects_read_back(world: World) -> None:
    doc = await world.run([
        {"name": "cm", "type": "apply-object", "properties": {"value": {
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "read-me"},
            "data": {"answer": "42"}}}},
        {"name": "deploy", "type": "apply-object", "properties": {"value": {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 3}}}},
        {"name": "read-cm", "type": "read-object", "properties": {
            "apiVersion": "v1", "kind": "ConfigMap", "name": "read-me"},
         "outputs": [{"name": "answer", "valueFrom": "output.value.data.answer"}]},
        {"name": "read-deploy", "type": "read-object", "properties": {
            "apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
         "outputs": [{"name": "replicas", "valueFrom": "output.value.spec.replicas"}]},
    ])
    assert doc["status"]["status"] == "succeeded", doc["status"]
    assert (variables(doc)["answer"], variables(doc)["replicas"]) == ("42", 3)


LEGACY_CONFIG = {
    "legacy-create-config": 'import "vela/op"\n\ncreate: op.#CreateConfig & {\n'
    "\tname: parameter.name\n\tnamespace: context.namespace\n\tconfig: parameter.config\n}\n"
    "parameter: {name: string, config: {...}}\n",
    "legacy-read-config": 'import "vela/op"\n\noutput: op.#ReadConfig & {\n'
    "\tname: parameter.name\n\tnamespace: context.namespace\n}\nparameter: name: string\n",
    "legacy-list-config": 'import "vela/op"\n\noutput: op.#ListConfig & {\n'
    "\ttemplate: parameter.template\n\tnamespace: context.namespace\n}\n"
    "parameter: template: string\n",
    "legacy-delete-config": 'import "vela/op"\n\ndelete: op.#DeleteConfig & {\n'
    "\tname: parameter.name\n\tnamespace: context.namespace\n}\nparameter: name: string\n",
}


@pytest.mark.parametrize(("style", "config_path", "list_path"), [
    ("", "output.$returns.config", "output.$returns.configs"),
    ("legacy-", "output.config", "output.configs"),
])
async def test_96_config_crud_new_and_legacy(
    world: World, style: str, config_path: str, list_path: str
) -> None:
    if style:
        for name, template in LEGACY_CONFIG.items():
            await world.apply(definition(name, template))
    doc = await world.run([
        {"name": "create", "type": f"{style}create-config",
         "properties": {"name": "crud", "config": CONFIG}},
        {"name": "read", "type": f"{style}read-config", "properties": {"name": "crud"},
         "outputs": [{"name": "config", "valueFrom": config_path}]},
        {"name": "list", "type": f"{style}list-config", "properties": {"template": "any"},
         "outputs": [{"name": "configs", "valueFrom": list_path}]},
        {"name": "delete", "type": f"{style}delete-config", "properties": {"name": "crud"}},
    ])
    assert doc["status"]["status"] == "succeeded", doc["status"]
    assert variables(doc)["config"] == CONFIG
    assert variables(doc)["configs"] == []
    assert "crud" not in world.objects("v1", "Secret")


SECRET_VALUE = """import (
	"encoding/base64"
	"vela/kube"
	"vela/util"
)

read: kube.#Read & {$params: value: {
	apiVersion: "v1", kind: "Secret"
	metadata: {name: parameter.secret, namespace: context.namespace}
}}
decoded: util.#ConvertString & {$params: bt: base64.Decode(null, read.$returns.value.data[parameter.key])}
value: decoded.$returns.str
parameter: {secret: string, key: string}
"""


async def test_kubevela_style_secret_decoding(world: World) -> None:
    """The way KubeVela's own templates read a Secret value still works in user definitions."""
    world.secret("db", {"password": "s3cret"})
    await world.apply(definition("secret-value", SECRET_VALUE))
    doc = await world.run([{"name": "get", "type": "secret-value",
                            "properties": {"secret": "db", "key": "password"},
                            "outputs": [{"name": "password", "valueFrom": "value"}]}])
    assert doc["status"]["status"] == "succeeded", doc["status"]
    assert variables(doc)["password"] == "s3cret"


POST_BY_DEFAULT = """import (
	"encoding/json"
	"vela/http"
)

call: http.#HTTPDo & {$params: {
	method: parameter.method
	url:    parameter.url
	request: body: json.Marshal({sent: true})
}}
answer: json.Unmarshal(call.$returns.body)
parameter: {
	url:    string
	method: *"POST" | "PUT"
}
"""


async def test_parameter_default_differing_from_the_provider_default(world: World) -> None:
    """A template's own default for a provider field wins over the provider's default."""
    await world.apply(definition("post-json", POST_BY_DEFAULT))
    url = world.http.answer("/things", Reply(201, {"id": 1}))
    doc = await world.run([{"name": "post", "type": "post-json", "properties": {"url": url},
                            "outputs": [{"name": "id", "valueFrom": "answer.id"}]}])
    assert doc["status"]["status"] == "succeeded", doc["status"]
    assert world.http.to("/things")[0].method == "POST"
    assert variables(doc)["id"] == 1
