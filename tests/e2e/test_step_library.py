"""Every built-in step type in a real WorkflowRun: engine, CUE templates, providers, the store,
two emulated clusters, loopback HTTP, Prometheus and SMTP servers.

Each case runs one or more types and checks what the outside world received (requests,
objects, mail) and what the run kept (status, outputs, logs). A type without a case fails
`test_every_builtin_type_has_a_case`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from e2e_world import (
    NAMESPACE,
    SMTP_PASSWORD,
    SMTP_USER,
    Reply,
    World,
    phases,
    prometheus_value,
    steps_of,
    variables,
)

from cueflow.definitions import Catalog

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

Case = Callable[[World], Awaitable[None]]
CASES: dict[str, tuple[tuple[str, ...], Case]] = {}


def covers(*types: str) -> Callable[[Case], Case]:
    """Register a case for the step types it runs end to end."""

    def register(case: Case) -> Case:
        CASES[case.__name__] = (types, case)
        return case

    return register


def cm(name: str, data: dict[str, str], **labels: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": NAMESPACE}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def succeeded(doc: dict[str, Any]) -> None:
    assert doc["status"]["status"] == "succeeded", doc["status"]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# --- process control ------------------------------------------------------------------------


@covers("print-message-in-status", "log-message")
async def case_messages_and_logs(world: World) -> None:
    doc = await world.run([
        {"name": "say", "type": "print-message-in-status", "properties": {"message": "hello"}},
        {"name": "log", "type": "log-message",
         "properties": {"data": {"version": "1.2.3", "cluster": "prod"}}},
        {"name": "text", "type": "log-message", "properties": {"data": "plain line"}},
    ])
    succeeded(doc)
    assert steps_of(doc)["say"]["message"] == "hello"
    assert any("1.2.3" in line and "prod" in line for line in await world.logs(step="log"))
    assert "plain line" in await world.logs(step="text")


@covers("suspend", "manual-approval")
async def case_suspend_and_approval(world: World) -> None:
    await world.start([
        {"name": "hold", "type": "suspend", "properties": {"message": "wait for ops"}},
        {"name": "approve", "type": "manual-approval",
         "properties": {"message": "check dashboards", "approvers": ["alice", "bob"]}},
        {"name": "after", "type": "print-message-in-status", "properties": {"message": "done"}},
    ])
    status = await world.until(lambda s: phases(s).get("hold") == "suspending")
    assert steps_of(status)["hold"]["message"] == "wait for ops"
    assert "approve" not in steps_of(status)
    await world.engine.resume(NAMESPACE, "run")
    status = await world.until(lambda s: phases(s).get("approve") == "suspending")
    assert steps_of(status)["approve"]["message"] == "check dashboards (approvers: alice, bob)"
    assert status["suspend"] is True
    await world.engine.resume(NAMESPACE, "run")
    doc = await world.finish()
    succeeded(doc)
    assert phases(doc) == {"hold": "succeeded", "approve": "succeeded", "after": "succeeded"}


@covers("sleep", "manual-approval")
async def case_timed_suspends_resume_by_themselves(world: World) -> None:
    loop_time = __import__("asyncio").get_running_loop().time
    started = loop_time()
    doc = await world.run([
        {"name": "nap", "type": "sleep", "properties": {"duration": "1s"}},
        {"name": "auto", "type": "manual-approval", "properties": {"autoApproveAfter": "1s"}},
    ])
    succeeded(doc)
    assert loop_time() - started >= 2


@covers("fail")
async def case_fail(world: World) -> None:
    doc = await world.run([
        {"name": "gate", "type": "fail", "properties": {"message": "smoke tests did not pass"}},
        {"name": "next", "type": "print-message-in-status", "properties": {"message": "x"}},
    ])
    assert doc["status"]["status"] == "failed"
    gate = steps_of(doc)["gate"]
    assert (gate["phase"], gate["message"]) == ("failed", "smoke tests did not pass")
    assert phases(doc)["next"] == "skipped"


@covers("end-workflow")
async def case_end_workflow(world: World) -> None:
    doc = await world.run([
        {"name": "stop", "type": "end-workflow", "properties": {"message": "nothing changed"}},
        {"name": "cleanup", "type": "print-message-in-status", "if": "always",
         "properties": {"message": "cleaned"}},
    ])
    stop = steps_of(doc)["stop"]
    assert (stop["phase"], stop.get("reason")) == ("succeeded", "Terminate")
    assert stop["message"] == "nothing changed"
    assert phases(doc)["cleanup"] == "succeeded"
    assert doc["status"]["status"] in ("failed", "terminated")
    assert doc["status"]["terminated"] is True


@covers("set-variable", "get-variable")
async def case_variables(world: World) -> None:
    doc = await world.run([
        {"name": "put", "type": "set-variable",
         "properties": {"path": "release.version", "value": "1.2.3"}},
        {"name": "get", "type": "get-variable", "properties": {"path": "release.version"},
         "outputs": [{"name": "version", "valueFrom": "output.$returns.value"}]},
        {"name": "show", "type": "print-message-in-status",
         "inputs": [{"from": "version", "parameterKey": "message"}]},
    ])
    succeeded(doc)
    assert variables(doc)["release"] == {"version": "1.2.3"}
    assert steps_of(doc)["show"]["message"] == "1.2.3"


@covers("step-group", "apply-object", "export2config")
async def case_step_group(world: World) -> None:
    doc = await world.run([
        {"name": "group", "type": "step-group", "subSteps": [
            {"name": "local-cm", "type": "apply-object", "properties": {"value": cm("a", {})}},
            {"name": "eu-cm", "type": "export2config", "properties": {
                "configName": "b", "data": {"k": "v"}, "cluster": "eu"}},
        ]},
        {"name": "after", "type": "print-message-in-status", "properties": {"message": "ok"}},
    ])
    succeeded(doc)
    assert set(phases(doc)) == {"group", "local-cm", "eu-cm", "after"}
    assert "a" in world.objects("v1", "ConfigMap") and "a" not in world.objects(
        "v1", "ConfigMap", "eu")
    assert world.objects("v1", "ConfigMap", "eu")["b"]["data"] == {"k": "v"}
    assert [e["name"] for e in doc["status"]["steps"]] == ["group", "after"]


# --- resource management --------------------------------------------------------------------


@covers("apply-object", "read-object")
async def case_apply_and_read_object_in_another_cluster(world: World) -> None:
    doc = await world.run([
        {"name": "put", "type": "apply-object",
         "properties": {"value": cm("settings", {"LOG_LEVEL": "debug"}), "cluster": "eu"}},
        {"name": "get", "type": "read-object", "properties": {
            "apiVersion": "v1", "kind": "ConfigMap", "name": "settings", "cluster": "eu"},
         "outputs": [{"name": "level", "valueFrom": "output.$returns.value.data.LOG_LEVEL"}]},
    ])
    succeeded(doc)
    stored = world.objects("v1", "ConfigMap", "eu")["settings"]
    assert stored["data"] == {"LOG_LEVEL": "debug"}
    assert stored["metadata"]["labels"]["workflowrun.oam.dev/name"] == "run"
    assert "settings" not in world.objects("v1", "ConfigMap")
    assert variables(doc)["level"] == "debug"


@covers("apply-objects")
async def case_apply_objects(world: World) -> None:
    doc = await world.run([{"name": "many", "type": "apply-objects", "properties": {
        "objects": [cm("one", {"k": "1"}), cm("two", {"k": "2"})], "cluster": "eu"}}])
    succeeded(doc)
    found = world.objects("v1", "ConfigMap", "eu")
    assert (found["one"]["data"], found["two"]["data"]) == ({"k": "1"}, {"k": "2"})


@covers("apply-deployment")
async def case_apply_deployment(world: World) -> None:
    doc = await world.run([
        {"name": "web", "type": "apply-deployment", "properties": {
            "image": "nginx:1.27", "replicas": 2, "cmd": ["nginx", "-g", "daemon off;"]},
         "outputs": [{"name": "ready", "valueFrom": "output.value.status.readyReplicas"}]},
    ])
    succeeded(doc)
    deployment = world.objects("apps/v1", "Deployment")["web"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert (container["name"], container["image"]) == ("web", "nginx:1.27")
    assert container["command"] == ["nginx", "-g", "daemon off;"]
    assert deployment["spec"]["selector"]["matchLabels"] == {
        "workflow.oam.dev/step-name": "run-web"}
    assert variables(doc)["ready"] == 2


@covers("apply-job", "run-job", "run-script")
async def case_jobs(world: World) -> None:
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": {"name": "migrate", "namespace": NAMESPACE},
           "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
               {"name": "m", "image": "busybox:1.36", "command": ["true"]}]}}}}
    doc = await world.run([
        {"name": "migrate", "type": "apply-job", "properties": {"value": job}},
        {"name": "job", "type": "run-job", "properties": {
            "image": "alpine:3.20", "command": ["sh", "-c"], "args": ["echo hi"],
            "env": {"STAGE": "prod"}, "name": "hello", "cluster": "eu"}},
        {"name": "script", "type": "run-script",
         "properties": {"script": "echo checking", "name": "check"}},
    ])
    succeeded(doc)
    assert world.objects("batch/v1", "Job")["migrate"]["status"]["succeeded"] == 1
    hello = world.objects("batch/v1", "Job", "eu")["hello"]["spec"]["template"]["spec"]
    assert hello["containers"][0]["env"] == [{"name": "STAGE", "value": "prod"}]
    assert hello["containers"][0]["args"] == ["echo hi"]
    check = world.objects("batch/v1", "Job")["check"]["spec"]["template"]["spec"]
    assert check["containers"][0]["command"] == ["/bin/sh", "-c", "echo checking"]
    log_config = doc["cueflowState"]["context"]["logConfig"]
    assert log_config["script"]["source"]["resources"][0]["labelSelector"] == {
        "job-name": "check"}


@covers("apply-to-clusters")
async def case_apply_to_clusters(world: World) -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "web", "namespace": NAMESPACE},
                  "spec": {"replicas": 1, "template": {"spec": {"containers": [
                      {"name": "web", "image": "nginx"}]}}}}
    doc = await world.run([{"name": "fan-out", "type": "apply-to-clusters",
                            "properties": {"clusters": ["", "eu"], "value": deployment}}])
    succeeded(doc)
    assert "web" in world.objects("apps/v1", "Deployment")
    assert "web" in world.objects("apps/v1", "Deployment", "eu")


@covers("clean-jobs")
async def case_clean_jobs(world: World) -> None:
    for name, labels in (("a", {"app": "test-app"}), ("b", {"app": "other"})):
        world.put({"apiVersion": "batch/v1", "kind": "Job",
                   "metadata": {"name": name, "labels": labels}, "spec": {}})
        world.put({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": f"{name}-pod", "labels": labels}, "spec": {}})
    doc = await world.run([{"name": "clean", "type": "clean-jobs",
                            "properties": {"labelselector": {"app": "test-app"}}}])
    succeeded(doc)
    assert set(world.objects("batch/v1", "Job")) == {"b"}
    assert set(world.objects("v1", "Pod")) == {"b-pod"}


@covers("copy-configmap", "copy-secret")
async def case_copy_between_clusters(world: World) -> None:
    world.put(cm("flags", {"beta": "on"}))
    world.secret("tls", {"tls.key": "KEY"})
    doc = await world.run([
        {"name": "flags", "type": "copy-configmap",
         "properties": {"name": "flags", "to": {"clusters": ["eu"]}}},
        {"name": "tls", "type": "copy-secret",
         "properties": {"name": "tls", "to": {"clusters": ["eu"], "name": "tls-copy"}}},
    ])
    succeeded(doc)
    assert world.objects("v1", "ConfigMap", "eu")["flags"]["data"] == {"beta": "on"}
    assert world.objects("v1", "Secret", "eu")["tls-copy"]["data"] == {"tls.key": b64("KEY")}


@covers("create-namespace")
async def case_create_namespace(world: World) -> None:
    doc = await world.run([{"name": "ns", "type": "create-namespace",
                            "properties": {"name": "team-a", "labels": {"team": "a"},
                                           "cluster": "eu"}}])
    succeeded(doc)
    assert world.objects("v1", "Namespace", "eu")["team-a"]["metadata"]["labels"]["team"] == "a"


@covers("delete-object", "delete-objects")
async def case_deletes(world: World) -> None:
    world.put(cm("old", {}))
    world.put(cm("keep", {}, app="keep"))
    world.put(cm("demo-1", {}, app="demo"))
    world.put(cm("demo-2", {}, app="demo"))
    doc = await world.run([
        {"name": "one", "type": "delete-object",
         "properties": {"apiVersion": "v1", "kind": "ConfigMap", "name": "old"}},
        {"name": "missing", "type": "delete-object",
         "properties": {"apiVersion": "v1", "kind": "ConfigMap", "name": "never-there"}},
        {"name": "many", "type": "delete-objects", "properties": {
            "apiVersion": "v1", "kind": "ConfigMap", "matchingLabels": {"app": "demo"}}},
    ])
    succeeded(doc)
    assert set(world.objects("v1", "ConfigMap")) == {"keep"}


@covers("delete-object")
async def case_delete_object_fails_when_not_found_is_not_ignored(world: World) -> None:
    doc = await world.run([{"name": "strict", "type": "delete-object", "properties": {
        "apiVersion": "v1", "kind": "ConfigMap", "name": "nope", "ignoreNotFound": False}}])
    strict = steps_of(doc)["strict"]
    assert strict["phase"] == "failed" and "failed to delete ConfigMap nope" in strict["message"]


@covers("export2config", "export2secret")
async def case_exports(world: World) -> None:
    doc = await world.run([
        {"name": "info", "type": "export2config",
         "properties": {"configName": "release", "data": {"version": "1.2.3"}}},
        {"name": "plain", "type": "export2secret",
         "properties": {"secretName": "creds", "data": {"token": "abc"}}},
        {"name": "registry", "type": "export2secret", "properties": {
            "secretName": "pull", "kind": "docker-registry",
            "dockerRegistry": {"username": "robot", "password": "s3cret",
                               "server": "registry.example.com"}}},
    ])
    succeeded(doc)
    assert world.objects("v1", "ConfigMap")["release"]["data"] == {"version": "1.2.3"}
    secrets = world.objects("v1", "Secret")
    assert secrets["creds"]["data"] == {"token": b64("abc")}
    assert secrets["pull"]["type"] == "kubernetes.io/dockerconfigjson"
    auths = json.loads(base64.b64decode(secrets["pull"]["data"][".dockerconfigjson"]))["auths"]
    assert auths["registry.example.com"]["auth"] == b64("robot:s3cret")


def rollout(step: int, state: str) -> dict[str, Any]:
    return {"phase": "Progressing",
            "canaryStatus": {"currentStepIndex": step, "currentStepState": state}}


@covers("kruise-rollout-batch")
async def case_kruise_rollout_batch(world: World) -> None:
    world.put({"apiVersion": "rollouts.kruise.io/v1beta1", "kind": "Rollout",
               "metadata": {"name": "web"}, "spec": {"strategy": {"paused": True}}})
    world.local.set_status("rollouts.kruise.io/v1beta1", "Rollout", "web", NAMESPACE,
                           rollout(1, "StepPaused"))
    await world.start([{"name": "batch-2", "type": "kruise-rollout-batch",
                        "properties": {"name": "web", "batch": 2, "paused": False}}])
    status = await world.until(lambda s: "batch 1" in steps_of(s).get("batch-2", {}).get(
        "message", ""))
    assert phases(status)["batch-2"] == "running"
    stored = world.objects("rollouts.kruise.io/v1beta1", "Rollout")["web"]
    assert stored["spec"]["strategy"]["paused"] is False
    world.local.set_status("rollouts.kruise.io/v1beta1", "Rollout", "web", NAMESPACE,
                           rollout(2, "StepPaused"))
    succeeded(await world.finish())


@covers("list-objects")
async def case_list_objects(world: World) -> None:
    for name, app in (("web-1", "web"), ("web-2", "web"), ("db-1", "db")):
        world.put({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": name, "labels": {"app": app}}, "spec": {}})
    doc = await world.run([{"name": "pods", "type": "list-objects", "properties": {
        "apiVersion": "v1", "kind": "Pod", "matchingLabels": {"app": "web"}},
        "outputs": [{"name": "names", "valueFrom": "names"}]}])
    succeeded(doc)
    assert sorted(variables(doc)["names"]) == ["web-1", "web-2"]


def deployment(name: str, replicas: int = 1) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                {"name": name, "image": "nginx"}]}}}}


@covers("patch-object", "scale-deployment", "restart-deployment")
async def case_deployment_operations(world: World) -> None:
    world.put(deployment("web"))
    world.put(deployment("api"))
    doc = await world.run([
        {"name": "label", "type": "patch-object", "properties": {
            "apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
            "patch": {"metadata": {"labels": {"tier": "front"}}}}},
        {"name": "scale", "type": "scale-deployment", "properties": {"name": "web", "replicas": 4}},
        {"name": "restart", "type": "restart-deployment", "properties": {"name": "api"}},
    ])
    succeeded(doc)
    web = world.objects("apps/v1", "Deployment")["web"]
    assert web["metadata"]["labels"]["tier"] == "front"
    assert (web["spec"]["replicas"], web["status"]["readyReplicas"]) == (4, 4)
    api = world.objects("apps/v1", "Deployment")["api"]
    restarted = api["spec"]["template"]["metadata"]["annotations"]["cueflow.dev/restarted-by"]
    assert restarted.startswith("run/")


@covers("wait-for-object")
async def case_wait_for_object(world: World) -> None:
    await world.start([{"name": "cert", "type": "wait-for-object", "properties": {
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate", "name": "web-tls",
        "conditions": [{"type": "Ready"}]}}])
    status = await world.until(lambda s: "does not exist" in steps_of(s).get("cert", {}).get(
        "message", ""))
    assert phases(status)["cert"] == "running"
    world.put({"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
               "metadata": {"name": "web-tls"}, "spec": {}})
    await world.until(lambda s: "Ready=True" in steps_of(s).get("cert", {}).get("message", ""))
    world.local.set_status("cert-manager.io/v1", "Certificate", "web-tls", NAMESPACE,
                           {"conditions": [{"type": "Ready", "status": "True"}]})
    succeeded(await world.finish())


@covers("wait-for-rollout")
async def case_wait_for_rollout(world: World) -> None:
    world.put({**deployment("db", 2), "kind": "StatefulSet"})
    world.local.set_status("apps/v1", "StatefulSet", "db", NAMESPACE,
                           {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2,
                            "readyReplicas": 1})
    await world.start([{"name": "db", "type": "wait-for-rollout",
                        "properties": {"kind": "StatefulSet", "name": "db"}}])
    await world.until(lambda s: "1/2 ready" in steps_of(s).get("db", {}).get("message", ""))
    world.local.set_status("apps/v1", "StatefulSet", "db", NAMESPACE,
                           {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2,
                            "readyReplicas": 2})
    succeeded(await world.finish())


# --- config management ----------------------------------------------------------------------


@covers("create-config", "read-config", "list-config", "delete-config")
async def case_config_crud(world: World) -> None:
    doc = await world.run([
        {"name": "create", "type": "create-config", "properties": {
            "name": "mirror", "config": {"registry": "mirror.example.com", "insecure": False}}},
        {"name": "read", "type": "read-config", "properties": {"name": "mirror"},
         "outputs": [{"name": "registry", "valueFrom": "output.$returns.config.registry"}]},
        {"name": "list", "type": "list-config", "properties": {"template": "default"},
         "outputs": [{"name": "count", "valueFrom": "len(output.$returns.configs)"}]},
        {"name": "before-delete", "type": "read-object", "properties": {
            "apiVersion": "v1", "kind": "Secret", "name": "mirror"},
         "outputs": [{"name": "catalog",
                      "valueFrom": 'output.$returns.value.metadata.labels["config.oam.dev/catalog"]'}]},
        {"name": "delete", "type": "delete-config", "properties": {"name": "mirror"}},
    ])
    succeeded(doc)
    found = variables(doc)
    assert (found["registry"], found["catalog"]) == ("mirror.example.com", "velacore-config")
    assert found["count"] >= 0
    assert "mirror" not in world.objects("v1", "Secret")


# --- external integration -------------------------------------------------------------------


@covers("request")
async def case_request(world: World) -> None:
    world.secret("api-token", {"token": "Bearer t0k"})
    url = world.http.answer("/v1/deployments", Reply(201, {"id": 42, "state": "queued"}))
    doc = await world.run([
        {"name": "call", "type": "request", "properties": {
            "url": url, "method": "POST", "body": {"service": "web"},
            "header": {"X-Team": "a"},
            "headersFromSecret": [{"header": "Authorization", "secret": "api-token",
                                   "key": "token"}]},
         "outputs": [{"name": "id", "valueFrom": "response.id"},
                     {"name": "state", "valueFrom": "response.state"}]},
        {"name": "show", "type": "print-message-in-status", "properties": {"message": ""},
         "inputs": [{"from": "state", "parameterKey": "message"}]},
    ])
    assert steps_of(doc)["call"]["phase"] == "succeeded"
    sent = world.http.to("/v1/deployments")[0]
    assert (sent.method, sent.json()) == ("POST", {"service": "web"})
    assert (sent.headers["x-team"], sent.headers["authorization"]) == ("a", "Bearer t0k")
    assert variables(doc)["id"] == 42
    assert steps_of(doc)["show"]["message"] == "queued"


@covers("request")
async def case_request_fails_on_error_status(world: World) -> None:
    url = world.http.answer("/missing", Reply(404, {"message": "no such repo"}))
    doc = await world.run([{"name": "call", "type": "request", "properties": {"url": url}}])
    call = steps_of(doc)["call"]
    assert call["phase"] == "failed"
    assert call["message"] == f"request of {url} is fail: 404"


@covers("notification")
async def case_notification(world: World) -> None:
    world.secret("ding", {"url": world.http.url + "/ding"})
    doc = await world.run([{"name": "tell", "type": "notification", "properties": {
        "slack": {"url": {"value": world.http.url + "/slack"}, "message": {"text": "live"}},
        "dingding": {"url": {"secretRef": {"name": "ding", "key": "url"}},
                     "message": {"msgtype": "text", "text": {"content": "live"}}},
        "lark": {"url": {"value": world.http.url + "/lark"},
                 "message": {"msg_type": "text", "content": "{\"text\": \"live\"}"}},
        "email": {"from": {"address": SMTP_USER, "password": {"value": SMTP_PASSWORD},
                           "host": "127.0.0.1", "port": world.mail.port},
                  "to": ["team@example.com"], "content": {"subject": "Release", "body": "live"}},
    }}])
    succeeded(doc)
    assert world.http.to("/slack")[-1].json() == {"text": "live", "mrkdwn": True}
    assert world.http.to("/ding")[-1].json()["text"] == {"content": "live"}
    assert world.http.to("/lark")[-1].json()["msg_type"] == "text"
    recipients, message = world.mail.messages[0]
    assert (recipients, message["Subject"]) == (["team@example.com"], "Release")


@covers("send-email")
async def case_send_email(world: World) -> None:
    world.secret("smtp", {"password": SMTP_PASSWORD})
    doc = await world.run([{"name": "mail", "type": "send-email", "properties": {
        "from": {"address": SMTP_USER, "alias": "Release bot",
                 "password": {"secretRef": {"name": "smtp", "key": "password"}},
                 "host": "127.0.0.1", "port": world.mail.port},
        "to": ["a@example.com", "b@example.com"],
        "content": {"subject": "Release 1.2.3", "body": "<p>live</p>"}}}])
    succeeded(doc)
    assert len(world.mail.messages) == 1
    recipients, message = world.mail.messages[0]
    assert recipients == ["a@example.com", "b@example.com"]
    assert message["Subject"] == "Release 1.2.3"
    assert message["From"] == f"Release bot <{SMTP_USER}>"


@covers("send-email")
async def case_send_email_with_a_wrong_password_fails(world: World) -> None:
    await world.start([{"name": "mail", "type": "send-email", "properties": {
        "from": {"address": SMTP_USER, "password": {"value": "wrong"},
                 "host": "127.0.0.1", "port": world.mail.port},
        "to": ["a@example.com"], "content": {"subject": "s", "body": "b"}}}])
    status = await world.until(lambda s: phases(s).get("mail") == "failed")
    assert "535" in steps_of(status)["mail"]["message"]
    assert world.mail.messages == []
    await world.engine.terminate(NAMESPACE, "run")
    assert (await world.finish())["status"]["status"] in ("failed", "terminated")


NOTIFY_CASES: list[tuple[str, dict[str, Any], Callable[[Any], None]]] = [
    ("notify-slack", {"text": "live :rocket:", "iconEmoji": ":rocket:"},
     lambda body: body == {"text": "live :rocket:", "icon_emoji": ":rocket:"}),
    ("notify-discord", {"content": "live", "embeds": [{"title": "notes", "color": 5}]},
     lambda body: body == {"content": "live", "embeds": [{"title": "notes", "color": 5}]}),
    ("notify-lark", {"title": "Release", "content": "deployed"},
     lambda body: body["msg_type"] == "post"
     and body["content"]["post"]["en_us"]["content"] == [[{"tag": "text", "text": "deployed"}]]),
    ("notify-dingtalk", {"content": "live", "atAll": True},
     lambda body: body == {"msgtype": "text", "text": {"content": "live"},
                           "at": {"atMobiles": [], "isAtAll": True}}),
    ("notify-wecom", {"type": "markdown", "content": "**live**"},
     lambda body: body == {"msgtype": "markdown", "markdown": {"content": "**live**"}}),
    ("notify-teams", {"title": "Release", "text": "done", "facts": {"Version": "1.2.3"}},
     lambda body: body["attachments"][0]["content"]["body"][2]["facts"] == [
         {"title": "Version", "value": "1.2.3"}]),
]


@covers(*[name for name, _, _ in NOTIFY_CASES])
async def case_chat_notifications(world: World) -> None:
    world.secret("hooks", {"teams": world.http.url + "/notify-teams"})
    steps = []
    for name, properties, _ in NOTIFY_CASES:
        url: dict[str, Any] = {"value": world.http.url + f"/{name}"}
        if name == "notify-teams":
            url = {"secretRef": {"name": "hooks", "key": "teams"}}
        steps.append({"name": name, "type": name, "properties": {"url": url, **properties}})
    doc = await world.run(steps)
    succeeded(doc)
    for name, _, check in NOTIFY_CASES:
        sent = world.http.to(f"/{name}")
        assert sent and sent[-1].method == "POST", name
        assert sent[-1].headers["content-type"] == "application/json", name
        assert check(sent[-1].json()), (name, sent[-1].json())


@covers("notify-dingtalk")
async def case_chat_error_answer_fails_the_step(world: World) -> None:
    url = world.http.answer("/robot", Reply(200, {"errcode": 310000, "errmsg": "keywords"}))
    doc = await world.run([{"name": "ding", "type": "notify-dingtalk",
                            "properties": {"url": {"value": url}, "content": "x"}}])
    ding = steps_of(doc)["ding"]
    assert ding["phase"] == "failed" and "DingTalk answered 200" in ding["message"]


@covers("wait-for-http")
async def case_wait_for_http(world: World) -> None:
    url = world.http.answer("/healthz", Reply(503, "starting"),
                            Reply(200, {"status": {"database": "pending"}}),
                            Reply(200, {"status": {"database": "ok"}}))
    doc = await world.run([{"name": "ready", "type": "wait-for-http", "properties": {
        "url": url, "header": {"X-Probe": "1"},
        "condition": {"path": "status.database", "equals": "ok"}}}])
    succeeded(doc)
    probes = world.http.to("/healthz")
    assert len(probes) >= 3 and probes[0].headers["x-probe"] == "1"


@covers("webhook")
async def case_webhook(world: World) -> None:
    world.secret("hooks", {"release": world.http.url + "/hook"})
    world.http.answer("/hook", Reply(503, "busy"), Reply(200, {"ok": True}))
    doc = await world.run([{"name": "hook", "type": "webhook", "properties": {
        "url": {"secretRef": {"name": "hooks", "key": "release"}},
        "data": {"event": "released", "version": "1.2.3"}}}])
    succeeded(doc)
    sent = world.http.to("/hook")
    assert len(sent) >= 2
    assert sent[-1].json() == {"event": "released", "version": "1.2.3"}


@covers("webhook")
async def case_webhook_default_body_names_the_run(world: World) -> None:
    url = world.http.answer("/hook", Reply(200, {}))
    doc = await world.run([{"name": "hook", "type": "webhook",
                            "properties": {"url": {"value": url}}}])
    succeeded(doc)
    assert world.http.to("/hook")[-1].json() == {"run": "run", "namespace": NAMESPACE,
                                                 "step": "hook"}


OPENAI = "https://api.openai.com/v1/chat/completions"


@covers("chat-gpt")
async def case_chat_gpt(world: World) -> None:
    answer = {"choices": [{"message": {"content": "the image does not exist"}}]}
    url = world.http.answer("/v1/chat/completions", Reply(200, answer))
    world.secret("openai", {"token": "sk-test"})
    doc = await world.run([{"name": "ask", "type": "chat-gpt", "properties": {
        "token": {"secretRef": {"name": "openai", "key": "token"}}, "endpoint": url,
        "prompt": {"type": "diagnose", "content": {"kind": "Pod"}}}}])
    succeeded(doc)
    sent = world.http.to("/v1/chat/completions")[-1]
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert '{"kind":"Pod"}' in sent.json()["messages"][0]["content"]
    assert "the image does not exist" in await world.logs(step="ask")


# --- application delivery, CI, scripts, Terraform -----------------------------------------


APP_YAML = """apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: {name}
  namespace: default
spec:
  components: [{{name: web, type: webservice}}]
"""


@covers("apply-app", "read-app", "depends-on-app")
async def case_applications(world: World) -> None:
    world.put(cm("web-app", {"application": APP_YAML.format(name="web")}))
    world.put(cm("db", {"application": APP_YAML.format(name="db")}))
    doc = await world.run([
        {"name": "look", "type": "read-app", "properties": {"name": "web"}},
        {"name": "create", "type": "apply-app", "properties": {"ref": {"name": "web-app"}},
         "if": 'status.look.message == "Application not found"'},
        {"name": "needs-db", "type": "depends-on-app",
         "properties": {"name": "db", "namespace": NAMESPACE}},
        {"name": "inline", "type": "apply-app", "properties": {"data": yaml_app("api")}},
    ])
    succeeded(doc)
    assert steps_of(doc)["look"]["message"] == "Application not found"
    apps = world.objects("core.oam.dev/v1beta1", "Application")
    assert set(apps) == {"web", "db", "api"}
    assert apps["web"]["spec"]["components"] == [{"name": "web", "type": "webservice"}]


def yaml_app(name: str) -> dict[str, Any]:
    return {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
            "metadata": {"name": name, "namespace": NAMESPACE}, "spec": {"components": []}}


@covers("check-metrics")
async def case_check_metrics(world: World) -> None:
    world.http.answer("/api/v1/query", prometheus_value(0.99))
    doc = await world.run([{"name": "slo", "type": "check-metrics", "properties": {
        "query": "sum(rate(ok[5m]))", "metricEndpoint": world.http.url, "condition": ">=0.95",
        "duration": "1s", "failDuration": "10s"}}])
    succeeded(doc)
    queries = world.http.to("/api/v1/query")
    assert len(queries) >= 2 and queries[0].query["query"] == "sum(rate(ok[5m]))"


@covers("check-metrics")
async def case_check_metrics_fails_after_fail_duration(world: World) -> None:
    world.http.answer("/api/v1/query", prometheus_value(0.5))
    doc = await world.run([{"name": "slo", "type": "check-metrics", "properties": {
        "query": "q", "metricEndpoint": world.http.url, "condition": ">=0.95",
        "duration": "1m", "failDuration": "1s"}}])
    slo = steps_of(doc)["slo"]
    assert slo["phase"] == "failed" and "0.5" in slo["message"]


@covers("build-push-image", "image-scan")
async def case_image_build_and_scan(world: World) -> None:
    doc = await world.run([
        {"name": "build", "type": "build-push-image", "properties": {
            "context": {"git": "github.com/example/web", "branch": "main"},
            "image": "registry.example.com/web:1.2.3", "buildArgs": ["VERSION=1.2.3"],
            "credentials": {"image": {"name": "registry-auth"}}}},
        {"name": "scan", "type": "image-scan", "properties": {
            "image": "registry.example.com/web:1.2.3", "severities": ["CRITICAL"],
            "name": "scan-web"}},
    ])
    succeeded(doc)
    (pod,) = world.objects("v1", "Pod").values()
    args = pod["spec"]["containers"][0]["args"]
    assert "--context=git://github.com/example/web#refs/heads/main" in args
    assert "--build-arg=VERSION=1.2.3" in args
    assert pod["spec"]["volumes"][0]["secret"]["secretName"] == "registry-auth"
    scan = world.objects("batch/v1", "Job")["scan-web"]["spec"]["template"]["spec"]
    assert scan["containers"][0]["args"][-1] == "registry.example.com/web:1.2.3"


@covers("vela-cli", "addon-operation")
async def case_vela_jobs(world: World) -> None:
    doc = await world.run([
        {"name": "cli", "type": "vela-cli", "properties": {
            "command": ["vela", "version"], "serviceAccountName": "runner",
            "storage": {"secret": [{"name": "kube", "mountPath": "/root/.kube",
                                    "secretName": "prod-kubeconfig"}]}}},
        {"name": "addon", "type": "addon-operation", "properties": {
            "addonName": "fluxcd", "operation": "upgrade", "args": ["--version=2.3.0"]}},
    ])
    succeeded(doc)
    jobs = world.local.objects_of("batch/v1", "Job")
    (cli,) = [j for j in jobs if j["metadata"]["namespace"] == NAMESPACE]
    spec = cli["spec"]["template"]["spec"]
    assert spec["containers"][0]["command"] == ["vela", "version"]
    assert spec["volumes"] == [{"name": "secret-kube", "secret": {
        "defaultMode": 420, "secretName": "prod-kubeconfig"}}]
    addon = [j for j in jobs
             if j["metadata"]["namespace"] == "vela-system"]
    assert addon[0]["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "vela", "addon", "upgrade", "fluxcd", "--version=2.3.0"]


@covers("apply-terraform-config", "apply-terraform-provider", "generate-jdbc-connection")
async def case_terraform(world: World) -> None:
    world.put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
        "name": "config-template-terraform-aws", "namespace": "vela-system"},
        "data": {"template": "template: parameter: {...}\n"}})
    world.put({"apiVersion": "terraform.core.oam.dev/v1beta1", "kind": "Provider",
               "metadata": {"name": "aws-provider"}, "spec": {}})
    world.local.set_status("terraform.core.oam.dev/v1beta1", "Provider", "aws-provider",
                           NAMESPACE, {"state": "ready"})
    world.secret("db-conn", {"DB_HOST": "db.local", "DB_PORT": "3306", "DB_NAME": "shop",
                             "DB_USER": "app", "DB_PASSWORD": "pw"})
    await world.start([
        {"name": "creds", "type": "apply-terraform-provider", "properties": {
            "type": "aws", "accessKey": "AK", "secretKey": "SK", "region": "eu-west-1"}},
        {"name": "rds", "type": "apply-terraform-config", "properties": {
            "source": {"path": "aws/rds"}, "variable": {"size": "small"}}},
        {"name": "jdbc", "type": "generate-jdbc-connection", "properties": {"name": "db-conn"},
         "outputs": [{"name": "env", "valueFrom": "env"}]},
    ])
    await world.until(lambda s: phases(s).get("rds") == "running")
    world.local.set_status("terraform.core.oam.dev/v1beta2", "Configuration", "run-rds",
                           NAMESPACE, {"apply": {"state": "Available"}})
    doc = await world.finish()
    succeeded(doc)
    config = world.objects("v1", "Secret")["run-creds"]
    assert config["metadata"]["labels"]["config.oam.dev/type"] == "terraform-aws"
    assert world.objects("terraform.core.oam.dev/v1beta2", "Configuration")["run-rds"][
        "spec"]["path"] == "aws/rds"
    assert variables(doc)["env"][0] == {
        "name": "url",
        "value": "jdbc:mysql://db.local:3306/shop?characterEncoding=utf8&useSSL=false"}


# --- the tests --------------------------------------------------------------------------------


def test_every_builtin_type_has_a_case() -> None:
    covered = {t for types, _ in CASES.values() for t in types}
    assert set(Catalog().builtin()) - covered == set()
    assert covered - set(Catalog().builtin()) == set()


@pytest.mark.parametrize("name", [pytest.param(n, id=n.removeprefix("case_")) for n in CASES])
async def test_step_types_end_to_end(world: World, name: str) -> None:
    await CASES[name][1](world)
