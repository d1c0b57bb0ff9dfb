"""Test support shipped with cueflow: an in-memory Kubernetes API server."""
