"""moto's server as a child process on 127.0.0.1, with boto3 helpers to seed it.

One MotoServer owns one process. Its state (buckets, IAM users, the auth
switch) is shared by every client of that process, so tests that change the
auth switch should use their own server or call reset() when done.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .clients import make_client
from .env import isolated_child_environment

LAUNCHER = Path(__file__).resolve().parent / "moto_launcher.py"
REGION = "us-east-1"
# moto accepts any key pair while auth enforcement is off.
DEFAULT_ACCESS_KEY = "testing"
DEFAULT_SECRET = "testing"
ADMIN_USER = "harness-admin"
ALLOW_ALL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


class MotoServerError(RuntimeError):
    """moto's process failed to start or a control request to it failed."""


class MotoServer:
    """moto's server in a child process, listening on a free loopback port."""

    def __init__(self, start_timeout: float = 30.0, query_fix: bool = True) -> None:
        """`query_fix=False` leaves moto's signature check unpatched (see moto_launcher.py)."""
        self.start_timeout = start_timeout
        self.query_fix = query_fix
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._log = None
        # Keys of an allow-all IAM user, set by enable_auth() so the helpers
        # keep working once moto checks signatures and policies.
        self._admin_keys: tuple[str, str] | None = None

    # Process lifecycle

    def start(self) -> MotoServer:
        """Start the launcher and wait until it listens; raise MotoServerError on failure."""
        if self._process is not None:
            raise MotoServerError("moto server already started")
        self._workdir = Path(tempfile.mkdtemp(prefix="moto-server-"))
        port_file = self._workdir / "port"
        self._log = open(self._workdir / "moto.log", "wb")
        child_env = isolated_child_environment(
            {"AWS_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": DEFAULT_SECRET}
        )
        command = [sys.executable, str(LAUNCHER), "--port-file", str(port_file), "--watch-stdin"]
        if not self.query_fix:
            command.append("--no-query-fix")
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=child_env,
            cwd=self._workdir,
        )
        try:
            self.port = self._wait_for_port(port_file)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_for_port(self, port_file: Path) -> int:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if port_file.exists():
                return int(port_file.read_text().strip())
            if self._process.poll() is not None:
                raise MotoServerError(
                    f"moto launcher exited with status {self._process.returncode} before "
                    f"listening; log:\n{self.log_text()}"
                )
            time.sleep(0.05)
        raise MotoServerError(
            f"moto launcher did not listen within {self.start_timeout} s; log:\n{self.log_text()}"
        )

    def stop(self) -> None:
        """Stop the process by its PID (SIGTERM, then SIGKILL after 5 s) and delete its files."""
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        self.port = None
        self._admin_keys = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def endpoint(self) -> str:
        if self.port is None:
            raise MotoServerError("moto server is not running")
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        """Return the server's combined stdout and stderr so far (request log, tracebacks)."""
        if self._workdir is None:
            return ""
        try:
            return (self._workdir / "moto.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # Clients

    def client(
        self,
        service: str,
        access_key: str | None = None,
        secret: str | None = None,
        token: str | None = None,
        region: str = REGION,
    ) -> Any:
        """Return a boto3 client for `service` pointed at this server.

        Without keys, the client uses "testing"/"testing", or the allow-all
        user's keys after enable_auth(). S3 clients use path-style addressing.
        """
        if access_key is None:
            access_key, secret = self._admin_keys or (DEFAULT_ACCESS_KEY, DEFAULT_SECRET)
        return make_client(service, self.endpoint, access_key, secret or "", token, region)

    # Seeding

    def make_bucket(
        self,
        name: str,
        objects: Mapping[str, bytes | tuple[bytes, Mapping[str, Any]]] | None = None,
        region: str = REGION,
    ) -> None:
        """Create bucket `name` and put `objects`.

        Each value is the body, or (body, extra) where extra contains more
        put_object arguments such as StorageClass or Metadata. moto stores
        about 250 objects per second, so keep seeded buckets small.
        """
        s3 = self.client("s3", region=region)
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": region}
            )
        for key, value in (objects or {}).items():
            if isinstance(value, tuple):
                body, extra = value
            else:
                body, extra = value, {}
            s3.put_object(Bucket=name, Key=key, Body=body, **extra)

    def create_user(
        self, name: str, policy_document: Mapping[str, Any], managed: bool = False
    ) -> tuple[str, str]:
        """Create IAM user `name` with one policy and an access key.

        The policy is inline, or a managed policy attached to the user when
        `managed` is true. Returns (access_key_id, secret_access_key).
        """
        iam = self.client("iam")
        iam.create_user(UserName=name)
        document = json.dumps(policy_document)
        if managed:
            arn = iam.create_policy(PolicyName=f"{name}-policy", PolicyDocument=document)[
                "Policy"
            ]["Arn"]
            iam.attach_user_policy(UserName=name, PolicyArn=arn)
        else:
            iam.put_user_policy(
                UserName=name, PolicyName=f"{name}-policy", PolicyDocument=document
            )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def create_role(
        self,
        name: str,
        policy_document: Mapping[str, Any],
        trusted_principal_arn: str,
        external_id: str | None = None,
    ) -> str:
        """Create IAM role `name` that `trusted_principal_arn` may assume; return its ARN.

        With `external_id`, the trust policy requires sts:ExternalId to match.
        """
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": {"AWS": trusted_principal_arn},
            "Action": "sts:AssumeRole",
        }
        if external_id is not None:
            statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
        trust = {"Version": "2012-10-17", "Statement": [statement]}
        iam = self.client("iam")
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
            "Arn"
        ]
        iam.put_role_policy(
            RoleName=name,
            PolicyName=f"{name}-policy",
            PolicyDocument=json.dumps(policy_document),
        )
        return arn

    def user_arn(self, name: str) -> str:
        return self.client("iam").get_user(UserName=name)["User"]["Arn"]

    # moto control API

    def enable_auth(self) -> None:
        """Turn on signature and IAM policy checks for every later request.

        moto checks a request only once it has served
        INITIAL_NO_AUTH_ACTION_COUNT unchecked ones (infinite by default).
        POST /moto-api/reset-auth sets that count to the number in the body and
        restarts the tally, so the body "0" makes the very next request
        checked. Before that, this creates an allow-all IAM user whose keys
        the helpers use from then on, because moto's "testing" keys belong to
        no IAM user and are rejected once checks are on.
        """
        if self._admin_keys is None:
            self._admin_keys = self.create_user(ADMIN_USER, ALLOW_ALL_POLICY)
        self._post_control("/moto-api/reset-auth", b"0")

    def disable_auth(self) -> None:
        """Turn the checks off again (the count back to infinite)."""
        self._post_control("/moto-api/reset-auth", b"inf")

    def reset(self) -> None:
        """Delete all of moto's state (buckets, users, keys) and turn auth checks off.

        POST /moto-api/reset leaves the auth switch as it is, and with checks
        on no key would remain to pass them, so this turns them off too.
        """
        self._post_control("/moto-api/reset", b"")
        self.disable_auth()
        self._admin_keys = None

    def _post_control(self, path: str, body: bytes) -> dict[str, Any]:
        request = urllib.request.Request(
            self.endpoint + path,
            data=body,
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        # The control API is on loopback, so no proxy may take part.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as response:
            payload = response.read()
        try:
            return json.loads(payload)
        except ValueError as error:
            raise MotoServerError(f"POST {path} returned non-JSON body {payload!r}") from error
