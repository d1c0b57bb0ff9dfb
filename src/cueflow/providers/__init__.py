"""Provider packages: what templates import as `vela/<name>`, CUE schemas plus async functions.

`base` holds the contract with the step runner, `registry.default_packages()` the set a
run can import (built-ins and `cueflow.providers` entry-point plugins). Importing this
package loads no provider: each lives in its own module (`kube`, `http`, `email`, ...).
"""

from cueflow.providers.base import (
    ENTRY_POINT_GROUP,
    ProviderContext,
    ProviderError,
    ProviderFunction,
    ProviderPackage,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "ProviderContext",
    "ProviderError",
    "ProviderFunction",
    "ProviderPackage",
]
