"""Environment variables for the processes the harness starts."""

from __future__ import annotations

import os
from collections.abc import Mapping

# Proxy settings that curl, libcurl, Python and the AWS SDKs read. Every
# server in these tests is on loopback, so none of them may apply.
PROXY_VARIABLES = frozenset(
    name
    for base in ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "no_proxy")
    for name in (base, base.upper())
)


def is_removed_variable(name: str) -> bool:
    """Return whether a child must not inherit `name` (AWS settings and proxies)."""
    return name.startswith("AWS_") or name in PROXY_VARIABLES


def isolated_child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Copy this process's environment without AWS_* and proxy variables, then add `extra`.

    AWS_EC2_METADATA_DISABLED=true is always set, so no SDK in the child
    tries the instance-metadata address.
    """
    environment = {name: value for name, value in os.environ.items() if not is_removed_variable(name)}
    environment["AWS_EC2_METADATA_DISABLED"] = "true"
    environment.update(extra or {})
    return environment
