"""Kubernetes clusters: the registry of named kubeconfig contexts, their clients, and secrets.

The only package that imports the Kubernetes client library; everything else
gets `KubeClient` objects that speak plain dicts.
"""

from cueflow.clusters.kube import (
    KubeAlreadyExists,
    KubeClient,
    KubeConflict,
    KubeError,
    KubeForbidden,
    KubeNotFound,
    KubeUnreachable,
)
from cueflow.clusters.registry import (
    DEFAULT_CLUSTER,
    KV_SPACE,
    ClusterError,
    ClusterRegistry,
    ClusterSpec,
    KeyValue,
    add_cluster,
    list_clusters,
    remove_cluster,
)
from cueflow.clusters.secrets import LocalSecrets, SecretNotFound, SecretResolver

__all__ = [
    "DEFAULT_CLUSTER",
    "KV_SPACE",
    "ClusterError",
    "ClusterRegistry",
    "ClusterSpec",
    "KeyValue",
    "KubeAlreadyExists",
    "KubeClient",
    "KubeConflict",
    "KubeError",
    "KubeForbidden",
    "KubeNotFound",
    "KubeUnreachable",
    "LocalSecrets",
    "SecretNotFound",
    "SecretResolver",
    "add_cluster",
    "list_clusters",
    "remove_cluster",
]
