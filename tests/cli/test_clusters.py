"""`cueflow cluster ...`, `cueflow secret ...`, and `cueflow run` against emulated clusters."""

from __future__ import annotations

import json

RUN = """\
apiVersion: core.oam.dev/v1alpha1
kind: WorkflowRun
metadata: {name: two-clusters}
spec:
  workflowSpec:
    steps:
      - name: here
        type: apply-object
        properties:
          value: {apiVersion: v1, kind: ConfigMap, metadata: {name: here, namespace: default}}
      - name: there
        type: apply-object
        properties:
          cluster: eu
          value: {apiVersion: v1, kind: ConfigMap, metadata: {name: there, namespace: default}}
"""


def test_bad_kubeconfig_context_or_name_is_exit_2_with_one_line(cli, tmp_path):
    not_yaml = tmp_path / "broken.kubeconfig"
    not_yaml.write_text("clusters: [\n")
    good = tmp_path / "good.kubeconfig"
    good.write_text(
        "contexts: [{name: a, context: {cluster: a}}]\nclusters: [{name: a, cluster: "
        "{server: 'http://127.0.0.1:1'}}]\ncurrent-context: a\n"
    )
    cases = [
        (["add", "x", "--kubeconfig", str(tmp_path / "missing")], "cannot read kubeconfig"),
        (["add", "x", "--kubeconfig", str(not_yaml)], "is not valid YAML"),
        (["add", "x", "--kubeconfig", str(good), "--context", "b"], 'context "b" is not in'),
        (["remove", "nowhere"], 'cluster "nowhere" is not registered'),
    ]
    for args, message in cases:
        result = cli("cluster", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_registered_clusters_receive_objects_and_the_default_one_secrets(
    cli, emulated_cluster, tmp_path
):
    local, eu = emulated_cluster("local"), emulated_cluster("eu")
    for name, cluster in (("local", local), ("eu", eu)):
        result = cli("cluster", "add", name, "--kubeconfig", str(cluster.kubeconfig))
        assert result.returncode == 0, result.stderr
        assert f"cluster {name} added: context emulator at {cluster.api.url}" in result.stderr
    listed = json.loads(cli("cluster", "list", "-o", "json").stdout)
    assert [(c["name"], c["server"], c["context"]) for c in listed] == [
        ("eu", eu.api.url, "emulator"),
        ("local", local.api.url, "emulator"),
    ]
    table = cli("cluster", "list").stdout
    assert "local (default)" in table and eu.api.url in table

    run_file = tmp_path / "run.yaml"
    run_file.write_text(RUN)
    result = cli("run", str(run_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert local.names("v1", "ConfigMap") == ["here"]
    assert eu.names("v1", "ConfigMap") == ["there"]

    assert cli("secret", "set", "default/db", "--from-literal", "password=pw").returncode == 0
    assert local.names("v1", "Secret") == ["db"]  # with a default cluster, secrets live there

    assert cli("cluster", "remove", "eu").returncode == 0
    result = cli("run", str(run_file))
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "step 'there': cluster 'eu' is not registered (see `cueflow cluster list`)"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_secrets_without_a_cluster_are_kept_encrypted_and_values_hidden(
    cli, home, in_store, tmp_path
):
    token = tmp_path / "token.txt"
    token.write_text("s3cr3t-from-file")
    result = cli(
        "secret", "set", "prod/api", "--from-literal", "user=admin", "--from-file", f"token={token}"
    )
    assert result.returncode == 0, result.stderr
    assert "s3cr3t" not in result.stdout + result.stderr

    shown = cli("secret", "get", "api", "-n", "prod")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["KEY", "token", "user"]
    assert json.loads(cli("secret", "get", "prod/api", "-o", "json").stdout) == {
        "namespace": "prod",
        "name": "api",
        "keys": ["token", "user"],
    }
    revealed = json.loads(cli("secret", "get", "prod/api", "-o", "json", "--show-values").stdout)
    assert revealed["data"] == {"user": "admin", "token": "s3cr3t-from-file"}
    assert b"s3cr3t" not in (home / "cueflow.db").read_bytes()

    assert cli("secret", "list", "-n", "prod").stdout.split() == ["api"]
    assert cli("secret", "delete", "prod/api").returncode == 0
    assert in_store(lambda s: s.kv_list("secrets")) == {}


def test_bad_secret_input_is_exit_2_with_one_line(cli):
    cases = [
        (["get", "nope"], 'secret "default/nope" not found'),
        (["set", "a/b/c", "--from-literal", "k=v"], "is not a valid name"),
        (["set", "s", "--from-file", "k=/does/not/exist"], "cannot read /does/not/exist"),
        (["set", "s"], "--from-literal or --from-file"),
    ]
    for args, message in cases:
        result = cli("secret", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
