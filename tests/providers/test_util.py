"""vela/util: strategic patches, bytes to text, log settings."""

from __future__ import annotations

import base64

import pytest

from cueflow import cue
from cueflow.providers import patching, util
from cueflow.providers.base import ProviderError
from cueflow.testing.doubles import provider_context

BASE = {"spec": {"containers": [{"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}]},
                                {"name": "b", "image": "b:1"}],
                 "ports": [80], "labels": {"x": "1"}}}


async def test_patch_without_tags_unifies_and_opens_base_lists() -> None:
    ctx = provider_context()
    result = await util.patch_k8s_object(ctx, {"value": BASE, "patch": {
        "spec": {"ports": [80, 443], "labels": {"y": "2"}}}})
    assert result["result"]["spec"]["ports"] == [80, 443]
    assert result["result"]["spec"]["labels"] == {"x": "1", "y": "2"}


async def test_patch_conflict_is_reported_in_err() -> None:
    result = await util.patch_k8s_object(provider_context(), {"value": BASE, "patch": {
        "spec": {"labels": {"x": "2"}}}})
    assert result == {"err": "spec.labels.x: conflicting values '1' (in the object) and '2' "
                             "(in the patch)"}
    short = await util.patch_k8s_object(provider_context(), {"value": BASE, "patch": {
        "spec": {"ports": []}}})
    assert "incompatible list lengths" in short["err"]


async def test_patch_key_merges_and_appends() -> None:
    ctx = provider_context(extras={"patch_tags": {
        "spec.containers": {"patchKey": "name"},
        "spec.containers.env": {"patchKey": "name", "patchStrategy": "retainKeys"}}})
    result = await util.patch_k8s_object(ctx, {"value": BASE, "patch": {"spec": {"containers": [
        {"name": "a", "env": [{"name": "X", "valueFrom": "s"}, {"name": "Y", "value": "2"}]},
        {"name": "c", "image": "c:1"}]}}})
    containers = result["result"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["a", "b", "c"]
    assert containers[0]["image"] == "a:1"
    assert containers[0]["env"] == [{"name": "X", "valueFrom": "s"}, {"name": "Y", "value": "2"}]


def test_replace_and_retain_keys_strategies() -> None:
    replaced = patching.strategic_unify(BASE, {"spec": {"ports": [1]}},
                                        {"spec.ports": {"patchStrategy": "replace"}})
    assert replaced["spec"]["ports"] == [1]
    retained = patching.strategic_unify(BASE, {"spec": {"labels": {"z": "3"}}},
                                        {"spec.labels": {"patchStrategy": "retainKeys"}})
    assert retained["spec"]["labels"] == {"z": "3"}
    dotted = patching.strategic_unify(
        {"l": [{"m": {"k": 1}, "v": 1}]}, {"l": [{"m": {"k": 1}, "w": 2}, {"m": {"k": 2}}]},
        {"l": {"patchKey": "m.k"}})
    assert dotted == {"l": [{"m": {"k": 1}, "v": 1, "w": 2}, {"m": {"k": 2}}]}


def test_three_way_merge_patch() -> None:
    original = {"a": 1, "b": {"c": 1, "d": 2}, "gone": 1}
    desired = {"a": 2, "b": {"c": 1}, "new": [1]}
    live = {"a": 1, "b": {"c": 1, "d": 2, "e": 3}, "gone": 1, "theirs": 1}
    assert patching.three_way_merge_patch(original, desired, live) == {
        "gone": None, "a": 2, "b": {"d": None}, "new": [1]}


@pytest.mark.parametrize(("args", "message"), [
    ({"value": "x", "patch": {}}, "value must be an object, not a string"),
    ({"value": {}}, "patch is missing"),
])
async def test_patch_bad_input_fails(args: dict, message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        await util.patch_k8s_object(provider_context(), args)


async def test_convert_string_accepts_bytes_and_base64_text() -> None:
    ctx = provider_context()
    assert await util.convert_string(ctx, {"bt": b"h\xc3\xa9"}) == {"str": "hé"}
    encoded = base64.b64encode(b"hello").decode()
    assert await util.convert_string(ctx, {"bt": encoded}) == {"str": "hello"}
    with pytest.raises(ProviderError, match="bt must be bytes"):
        await util.convert_string(ctx, {"bt": "not base64!"})
    with pytest.raises(ProviderError, match="bt is missing"):
        await util.convert_string(ctx, {})
    with pytest.raises(ProviderError, match="bt must be bytes"):
        await util.convert_string(ctx, {"bt": 5})


async def test_log_prints_data_and_records_settings() -> None:
    ctx = provider_context(step_name="build")
    await util.log(ctx, {"data": {"b": 1, "a": "x"}, "source": {"url": "http://logs"}})
    await util.log(ctx, {"data": "plain", "source": {"resources": [{"name": "pod"}]}})
    assert ctx.logger.lines == [("info", '{"a": "x", "b": 1}'), ("info", "plain")]
    assert ctx.variables["logConfig"] == {"build": {"data": True, "source": {
        "url": "http://logs", "resources": [{"name": "pod"}]}}}
    with pytest.raises(ProviderError, match="data must be a string or an object"):
        await util.log(ctx, {"data": 5})
    with pytest.raises(ProviderError, match="level must be an integer"):
        await util.log(ctx, {"level": "high"})


def test_tags_come_from_the_patch_comments() -> None:
    value = cue.Context().compile("""
patch: spec: {
    // +patchKey=name
    containers: [{
        name: "a"
        // +patchStrategy=replace
        env: [{name: "Z", value: "9"}]
    }]
    // an ordinary comment
    labels: y: "2"
}
""").lookup("patch")
    tags = patching.tags_from_value(value)
    assert tags == {"spec.containers": {"patchKey": "name"},
                    "spec.containers.env": {"patchStrategy": "replace"}}
    patched = patching.strategic_unify(BASE, value.to_python(), tags)
    assert patched["spec"]["containers"][0]["env"] == [{"name": "Z", "value": "9"}]
    assert patched["spec"]["labels"] == {"x": "1", "y": "2"}
