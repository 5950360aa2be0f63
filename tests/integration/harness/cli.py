"""Run the s3catalog binary as a real process with an environment built per test.

The binary is $S3CATALOG_BIN (ctest sets it), falling back to
build/src/cli/s3catalog in this repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import unittest
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[3]
DEFAULT_BINARY = REPOSITORY / "build" / "src" / "cli" / "s3catalog"
DEFAULT_TIMEOUT_SECONDS = 60.0


class CliError(AssertionError):
    """The binary timed out, exited with an unexpected status or printed invalid JSON."""


def s3catalog_binary() -> str:
    """Return the path of the binary to test; raise CliError if it does not exist."""
    # Tests run the binary from their own temporary directory, so a relative
    # path is resolved against the directory the tests were started from.
    binary = os.path.abspath(os.environ.get("S3CATALOG_BIN") or str(DEFAULT_BINARY))
    if not os.access(binary, os.X_OK):
        raise CliError(
            f"s3catalog binary not found at {binary}: build it "
            "(cmake --preset default && cmake --build build) or set S3CATALOG_BIN"
        )
    return binary


def build_environment(root: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Build a child environment from scratch, rooted in the directory `root`.

    Only PATH (and LANG/TZ set to fixed values) comes from outside. HOME and
    the XDG folders are under `root`, the catalog is root/catalog.db, no AWS_*
    or proxy variable is set apart from AWS_EC2_METADATA_DISABLED=true, and
    `extra` is added last.
    """
    folders = {name: root / name for name in ("home", "data", "config", "cache", "tmp")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folders["home"]),
        "XDG_DATA_HOME": str(folders["data"]),
        "XDG_CONFIG_HOME": str(folders["config"]),
        "XDG_CACHE_HOME": str(folders["cache"]),
        "TMPDIR": str(folders["tmp"]),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "S3CATALOG_DB": f"sqlite:///{root / 'catalog.db'}",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    environment.update(extra or {})
    return environment


def run_cli(
    args: Sequence[str],
    env: Mapping[str, str],
    stdin: str | bytes | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    expect_status: int | None = None,
    binary: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the binary with `args` and `env` exactly (nothing inherited); return the finished process.

    stdout and stderr are text; bytes that are not UTF-8 survive as
    surrogate escapes. On timeout the process is killed and CliError raised.
    With `expect_status`, another exit status raises CliError with stderr.
    """
    command = [binary or s3catalog_binary(), *args]
    data = stdin.encode() if isinstance(stdin, str) else stdin
    try:
        process = subprocess.run(
            command,
            input=data if data is not None else b"",
            capture_output=True,
            env=dict(env),
            timeout=timeout,
            cwd=env.get("HOME"),
        )
    except subprocess.TimeoutExpired as error:
        stderr = (error.stderr or b"").decode("utf-8", "replace")
        raise CliError(f"{command} timed out after {timeout} s; stderr:\n{stderr[-4000:]}") from None

    result = subprocess.CompletedProcess(
        command,
        process.returncode,
        process.stdout.decode("utf-8", "surrogateescape"),
        process.stderr.decode("utf-8", "surrogateescape"),
    )
    if expect_status is not None and result.returncode != expect_status:
        raise CliError(
            f"{command} exited with {result.returncode}, expected {expect_status}; "
            f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        )
    return result


def parse_json_output(stdout: str, lines: bool) -> Any:
    """Parse stdout as exactly one JSON value, or with `lines` as JSON Lines (a list)."""
    if not lines:
        return json.loads(stdout)
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def run_json(
    args: Sequence[str],
    env: Mapping[str, str],
    lines: bool = False,
    **options: Any,
) -> tuple[Any, subprocess.CompletedProcess[str]]:
    """Run the binary like run_cli and parse its stdout; return (value, process).

    `lines=False` expects one JSON object (e.g. extract --json); `lines=True`
    expects JSON Lines and returns a list, empty when stdout is empty.
    """
    result = run_cli(args, env, **options)
    try:
        value = parse_json_output(result.stdout, lines)
    except ValueError as error:
        raise CliError(
            f"{result.args} printed invalid JSON ({error}); exit {result.returncode}; "
            f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        ) from None
    return value, result


class CatalogTestCase(unittest.TestCase):
    """A test with its own temporary HOME, XDG folders and SQLite catalog.

    setUp creates `self.root` and `self.env`; tests add variables with
    `self.env[...] = ...` and run the binary with `self.cli` or
    `self.cli_json`. Servers started with start_moto / start_stub stop at
    tear-down, before the directory is deleted.
    """

    def setUp(self) -> None:
        super().setUp()
        self.root = Path(tempfile.mkdtemp(prefix="s3catalog-test-"))
        self.addCleanup(shutil.rmtree, self.root, True)
        self.env = build_environment(self.root)

    @property
    def db_path(self) -> Path:
        return self.root / "catalog.db"

    @property
    def db_url(self) -> str:
        return self.env["S3CATALOG_DB"]

    def cli(self, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
        """Run the binary with this test's environment; options as in run_cli."""
        return run_cli(args, options.pop("env", self.env), **options)

    def cli_json(self, *args: str, lines: bool = False, **options: Any) -> tuple[Any, subprocess.CompletedProcess[str]]:
        """Run the binary and parse its JSON output; options as in run_json."""
        return run_json(args, options.pop("env", self.env), lines=lines, **options)

    def add_source(
        self,
        name: str,
        endpoint: str,
        access_key: str | None = None,
        secret: str | None = None,
        region: str = "us-east-1",
        path_style: bool = True,
        extra_args: Sequence[str] = (),
    ) -> subprocess.CompletedProcess[str]:
        """Run `source add NAME --type s3 ...`, passing the secret on stdin; expect exit 0."""
        args = ["source", "add", name, "--type", "s3", "--endpoint-url", endpoint, "--region", region]
        if path_style:
            args.append("--path-style")
        if access_key is not None:
            args += ["--access-key-id", access_key, "--secret-access-key-stdin"]
        args += list(extra_args)
        stdin = f"{secret}\n" if secret is not None else None
        return self.cli(*args, stdin=stdin, expect_status=0)

    def start_moto(self) -> Any:
        """Start a MotoServer that stops at tear-down."""
        from .moto import MotoServer

        server = MotoServer().start()
        self.addCleanup(server.stop)
        return server

    def start_stub(self, **options: Any) -> Any:
        """Start an S3Stub (options as in S3Stub) that stops at tear-down."""
        from .s3stub import S3Stub

        stub = S3Stub(**options).start()
        self.addCleanup(stub.stop)
        return stub
