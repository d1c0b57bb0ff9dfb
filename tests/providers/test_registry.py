"""The package set: built-ins, their schemas, the legacy op package and entry-point plugins."""

from __future__ import annotations

import re
import socket
import textwrap
from pathlib import Path

import pytest

from cueflow.providers import kubevela, registry
from cueflow.providers.base import ENTRY_POINT_GROUP, ProviderError
from cueflow.testing.doubles import provider_context

EXPECTED = {
    "vela/kube": ("kube", 6), "vela/http": ("http", 1), "vela/builtin": ("builtin", 6),
    "vela/util": ("util", 3), "vela/email": ("email", 1), "vela/time": ("time", 2),
    "vela/metrics": ("metrics", 1), "vela/config": ("config", 4), "vela/op": ("op", 24),
}


def test_every_builtin_package_is_there_with_its_functions() -> None:
    packages = registry.default_packages()
    assert set(packages) == set(EXPECTED)
    for path, (provider, count) in EXPECTED.items():
        package = packages[path]
        functions = [name for name in package.functions
                     if path != "vela/op" or name not in kubevela.op_functions()]
        assert (package.provider, len(functions)) == (provider, count), path
        assert package.legacy == (path == "vela/op")


def test_every_function_the_schema_names_exists_and_no_other() -> None:
    for path, package in registry.default_packages().items():
        named = set(re.findall(r'#do:\s*"([^"]+)"', package.schema))
        assert named == set(package.functions), path


def test_op_shares_state_with_the_new_style_packages() -> None:
    packages = registry.default_packages()
    assert packages["vela/op"].functions["send"] == packages["vela/email"].functions["send"]
    assert packages["vela/op"].functions["wait"] is packages["vela/builtin"].functions["wait"]


def write_plugin(folder: Path, name: str, body: str, target: str) -> None:
    (folder / f"{name}.py").write_text(textwrap.dedent(body))
    info = folder / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{name} = {target}\n")


PLUGIN = """
from cueflow.providers.base import ProviderPackage

async def ping(ctx, args):
    return {"pong": args.get("n", 0) + 1}

def package():
    return ProviderPackage(path="ext/ping", provider="ping",
                           schema='#Ping: {#do: "ping", #provider: "ping", ...}',
                           functions={"ping": ping})

PACKAGE = package()
"""


def test_plugins_from_entry_points_are_added(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_plugin(tmp_path, "cueflow_ping", PLUGIN, "cueflow_ping:package")
    monkeypatch.syspath_prepend(str(tmp_path))
    packages = registry.default_packages()
    assert packages["ext/ping"].provider == "ping"
    assert set(packages) == set(EXPECTED) | {"ext/ping"}


def test_a_plugin_object_works_too_but_cannot_replace_a_builtin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    body = PLUGIN.replace('path="ext/ping"', 'path="vela/http"')
    write_plugin(tmp_path, "cueflow_fake_http", body, "cueflow_fake_http:PACKAGE")
    monkeypatch.syspath_prepend(str(tmp_path))
    packages = registry.default_packages()
    assert packages["vela/http"].provider == "http"
    assert "vela/http ignored" in caplog.text


@pytest.mark.parametrize(("name", "body", "message"), [
    ("cueflow_not_a_package", "PACKAGE = 5\n", "gave int, not a ProviderPackage"),
    ("cueflow_raises", "raise RuntimeError('boom')\n", "failed to load: boom"),
])
def test_broken_plugins_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                  body: str, message: str) -> None:
    write_plugin(tmp_path, name, body, f"{name}:PACKAGE")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(registry.PluginError, match=rf'"{name}".*{message}'):
        registry.plugin_packages()


async def test_http_timeout_is_configurable() -> None:
    with socket.socket() as listener:  # accepts connections but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        do = registry.default_packages(http_timeout=0.2)["vela/http"].functions["do"]
        with pytest.raises(ProviderError, match=r"no answer within 0\.2s"):
            await do(provider_context(), {"url": f"http://127.0.0.1:{port}/"})
