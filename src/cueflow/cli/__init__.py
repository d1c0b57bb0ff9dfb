"""The `cueflow` command line (entry point `cueflow.cli.main:app`).

Every command runs against the store of the cueflow home directory; `cueflow run` embeds the
engine in the foreground, the other commands read the store or record requests in it for the
engine that owns it.
"""
