"""cueflow: a KubeVela-Workflow-compatible workflow engine whose step types are CUE templates."""

__version__ = "0.1.0"
