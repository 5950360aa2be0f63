"""Test connection: `s3catalog source test` and POST /api/sources/{name}/test-connection.

moto (IAM checks on) gives real identities and denials; the S3 stub shows
the exact probe requests. The check must report who the credentials are,
which provider gave them, and the IAM action and resource of each denial,
and must change nothing in the catalog.
"""

from __future__ import annotations

import json
import select
import signal
import sqlite3
import subprocess
import unittest
import urllib.error
import urllib.request
from typing import Any

from harness import CatalogTestCase, Page, S3Error, create_account, s3catalog_binary
from test_credentials import ContainerStub

LIST_ALL = {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
# urllib reads proxy settings from the environment; the server is on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def list_bucket(*buckets: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": [f"arn:aws:s3:::{name}" for name in buckets]}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


class MotoConnectionTestCase(CatalogTestCase):
    """moto with three buckets; `reader` may list all but finance-restricted."""

    def setUp(self) -> None:
        super().setUp()
        self.moto = self.start_moto()
        for bucket in ("analytics", "logs", "finance-restricted"):
            self.moto.make_bucket(bucket, {"app/a.txt": b"a"})
        self.key, self.secret = self.moto.create_user("reader", policy(LIST_ALL, list_bucket("analytics", "logs")))
        self.no_list_key, self.no_list_secret = self.moto.create_user("no-list-all", policy(list_bucket("logs")))
        self.moto.enable_auth()

    def connection_test(self, name: str, expect_status: int) -> dict[str, Any]:
        report, process = self.cli_json("source", "test", name, "--json", expect_status=expect_status)
        for secret in (self.secret, self.no_list_secret):
            self.assertNotIn(secret, process.stdout + process.stderr)
        return report

    @staticmethod
    def bucket(report: dict[str, Any], name: str) -> dict[str, Any]:
        return next(bucket for bucket in report["buckets"] if bucket["name"] == name)


class CliConnectionTest(MotoConnectionTestCase):
    def test_reports_identity_provider_and_denials(self) -> None:
        self.add_source("prod", self.moto.endpoint, self.key, self.secret)

        report = self.connection_test("prod", expect_status=0)

        self.assertEqual(report["status"], "warnings")
        self.assertFalse(report["ok"])
        self.assertIsNone(report["error"])
        self.assertEqual(report["credentials"]["mode"], "access_key")
        self.assertEqual(report["credentials"]["provider"], "source access key")
        self.assertEqual(report["credentials"]["access_key_id_last4"], self.key[-4:])
        self.assertEqual(report["identity"]["status"], "ok")
        self.assertEqual(report["identity"]["arn"], self.moto.user_arn("reader"))
        self.assertEqual(report["identity"]["account"], "123456789012")
        self.assertEqual(report["list_buckets"], "ok")
        self.assertEqual(report["list_all_my_buckets"]["status"], "allowed")
        self.assertEqual(report["list_all_my_buckets"]["bucket_count"], 3)
        self.assertEqual([bucket["name"] for bucket in report["buckets"]], ["analytics", "finance-restricted", "logs"])
        for name in ("analytics", "logs"):
            self.assertEqual(self.bucket(report, name)["status"], "allowed")
            self.assertTrue(self.bucket(report, name)["readable"])
        denied = self.bucket(report, "finance-restricted")
        self.assertEqual(denied["status"], "denied")
        self.assertFalse(denied["readable"])
        self.assertEqual(denied["action"], "s3:ListBucket")
        self.assertEqual(denied["resource"], "arn:aws:s3:::finance-restricted")
        self.assertEqual(denied["error"]["category"], "permissions")
        self.assertEqual(denied["error"]["code"], "AccessDenied")
        self.assertTrue(denied["error"]["message"].startswith(
            "s3:ListBucket on arn:aws:s3:::finance-restricted was denied"), denied["error"]["message"])
        self.assertIn("finance-restricted", report["summary"])

    def test_text_output_names_action_and_resource(self) -> None:
        self.add_source("prod", self.moto.endpoint, self.key, self.secret)

        process = self.cli("source", "test", "prod", expect_status=0)

        self.assertIn("s3:ListAllMyBuckets on *: allowed (3 buckets)", process.stdout)
        self.assertIn("s3:ListBucket on arn:aws:s3:::logs: allowed", process.stdout)
        self.assertIn("s3:ListBucket on arn:aws:s3:::finance-restricted: denied", process.stdout)
        self.assertIn(self.moto.user_arn("reader"), process.stdout)
        self.assertNotIn(self.secret, process.stdout + process.stderr)

    def test_changes_nothing_in_catalog(self) -> None:
        self.add_source("prod", self.moto.endpoint, self.key, self.secret)
        tables = ("sources", "jobs", "buckets", "objects", "folders")

        def snapshot() -> dict[str, list[tuple[Any, ...]]]:
            with sqlite3.connect(self.db_path) as database:
                return {table: database.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in tables}

        before = snapshot()
        self.connection_test("prod", expect_status=0)
        after = snapshot()

        self.assertEqual(after, before)
        self.assertEqual(after["jobs"], [])

    def test_list_all_denied_with_filters_checks_filter_buckets(self) -> None:
        self.add_source("narrow", self.moto.endpoint, self.no_list_key, self.no_list_secret,
                        extra_args=["--path-prefix", "/logs/app/"])

        report = self.connection_test("narrow", expect_status=0)

        self.assertEqual(report["status"], "warnings")
        self.assertTrue(report["ok"], "every bucket checked is readable")
        self.assertEqual(report["list_buckets"], "denied")
        denial = report["list_all_my_buckets"]
        self.assertEqual(denial["status"], "denied")
        self.assertTrue(denial["error"]["message"].startswith("s3:ListAllMyBuckets on * was denied"), denial)
        self.assertEqual(len(report["buckets"]), 1)
        logs = report["buckets"][0]
        self.assertEqual(logs["name"], "logs")
        self.assertEqual(logs["prefix"], "app/")
        self.assertFalse(logs["in_bucket_list"])
        self.assertEqual(logs["status"], "allowed")
        self.assertTrue(report["warnings"])

    def test_list_all_denied_without_filters_fails(self) -> None:
        self.add_source("narrow", self.moto.endpoint, self.no_list_key, self.no_list_secret)

        report = self.connection_test("narrow", expect_status=1)

        self.assertEqual(report["status"], "failed")
        self.assertEqual(report["error"]["category"], "permissions")
        self.assertEqual(report["list_buckets"], "failed")
        self.assertEqual(report["buckets"], [])

    def test_wrong_secret_fails_as_authentication(self) -> None:
        self.add_source("bad", self.moto.endpoint, self.key, "not-the-secret-value")

        report = self.connection_test("bad", expect_status=1)

        self.assertEqual(report["status"], "failed")
        self.assertEqual(report["error"]["category"], "authentication")
        self.assertEqual(report["identity"]["status"], "failed")
        self.assertEqual(report["identity"]["error"]["category"], "authentication")

    def test_missing_source_exits_one(self) -> None:
        process = self.cli("source", "test", "nowhere")

        self.assertEqual(process.returncode, 1)
        self.assertIn("nowhere", process.stderr)


class StubConnectionTest(CatalogTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.stub = self.start_stub()

    def test_probe_lists_filter_prefix_once(self) -> None:
        self.stub.add_bucket("logs", objects=["app/a", "app/b", "web/c"])
        self.stub.add_bucket("other", objects=["x"])
        self.add_source("stub", self.stub.endpoint, "AKIDEXAMPLE", "stub-secret",
                        extra_args=["--path-prefix", "/logs/app/"])

        report, _ = self.cli_json("source", "test", "stub", "--json", expect_status=0)

        self.assertEqual(report["status"], "ok")
        self.assertTrue(report["ok"])
        # The stub has no STS: GetCallerIdentity fails, which is informational.
        self.assertEqual(report["identity"]["status"], "unavailable")
        probes = self.stub.requests_for("logs", "ListObjectsV2")
        self.assertEqual(len(probes), 1)
        self.assertEqual(probes[0].query.get("prefix"), "app/")
        self.assertEqual(probes[0].query.get("max-keys"), "1")
        self.assertEqual(self.stub.requests_for("other", "ListObjectsV2"), [])

    def test_requester_pays_denial_has_hint(self) -> None:
        self.stub.add_bucket("rp", objects=["a"], require_headers={"x-amz-request-payer": "requester"})
        self.add_source("stub", self.stub.endpoint, "AKIDEXAMPLE", "stub-secret")

        report, _ = self.cli_json("source", "test", "stub", "--json", expect_status=0)

        rp = report["buckets"][0]
        self.assertEqual(rp["status"], "denied")
        self.assertIn("requester pays", rp["error"]["hint"])

    def test_authentication_error_on_bucket_stops_check(self) -> None:
        expired = S3Error(400, "ExpiredToken", "The provided token has expired.")
        self.stub.add_bucket("alpha", pages=[Page(keys=["a"], fault=expired)])
        self.add_source("stub", self.stub.endpoint, "AKIDEXAMPLE", "stub-secret")

        report, _ = self.cli_json("source", "test", "stub", "--json", expect_status=1)

        self.assertEqual(report["status"], "failed")
        self.assertEqual(report["error"]["category"], "authentication")
        self.assertEqual(report["buckets"][0]["status"], "failed")

    def test_container_credentials_named(self) -> None:
        self.stub.add_bucket("alpha", objects=["a"])
        container = ContainerStub("container-token").start()
        self.addCleanup(container.stop)
        self.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.url
        self.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = container.token
        self.cli("source", "add", "chain", "--type", "s3", "--endpoint-url", self.stub.endpoint, "--path-style",
                 expect_status=0)

        report, _ = self.cli_json("source", "test", "chain", "--json", expect_status=0)

        self.assertEqual(report["credentials"]["mode"], "default_chain")
        self.assertEqual(report["credentials"]["provider"], "container credentials")
        self.assertEqual(report["credentials"]["access_key_id_last4"], "NER1")
        self.assertIsNotNone(report["credentials"]["expires_at"])
        self.assertEqual({request.credential.access_key for request in self.stub.requests}, {"ASIACONTAINER1"})

    def test_unresolvable_credentials_fail_before_any_request(self) -> None:
        self.stub.add_bucket("alpha", objects=["a"])
        self.cli("source", "add", "chain", "--type", "s3", "--endpoint-url", self.stub.endpoint, "--path-style",
                 expect_status=0)

        report, _ = self.cli_json("source", "test", "chain", "--json", expect_status=1)

        self.assertEqual(report["status"], "failed")
        self.assertEqual(report["credentials"]["error"]["category"], "authentication")
        self.assertIn("no credentials found in the default chain", report["error"]["message"])
        self.assertEqual(report["identity"]["status"], "skipped")
        self.assertEqual(report["list_buckets"], "skipped")
        self.assertEqual(self.stub.requests, [])


class ApiConnectionTest(MotoConnectionTestCase):
    """The same check through `s3catalog serve`."""

    def setUp(self) -> None:
        super().setUp()
        self.admin = create_account(self.env, "admin", "admin")
        log = open(self.root / "server.log", "ab")
        self.server = subprocess.Popen(
            [s3catalog_binary(), "serve", "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=log, env=self.env, cwd=self.env["HOME"],
        )
        log.close()
        self.addCleanup(self.stop_server)
        ready, _, _ = select.select([self.server.stdout], [], [], 30)
        line = self.server.stdout.readline().decode() if ready else ""
        self.assertTrue(line.startswith("listening on http://127.0.0.1:"), line)
        self.url = line.split()[-1]

    def stop_server(self) -> None:
        if self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(timeout=5)
        self.server.stdout.close()

    def post(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else b""
        request = urllib.request.Request(self.url + path, data=data, method="POST", headers=self.admin.bearer)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with OPENER.open(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def test_route_reports_identity_and_denials(self) -> None:
        status, _ = self.post("/api/sources", {
            "name": "prod", "endpoint_url": self.moto.endpoint, "addressing": "path",
            "credentials": {"access_key_id": self.key, "secret_access_key": self.secret}})
        self.assertEqual(status, 201)

        status, report = self.post("/api/sources/prod/test-connection")

        self.assertEqual(status, 200)
        self.assertEqual(report["status"], "warnings")
        self.assertEqual(report["credentials"]["provider"], "source access key")
        self.assertEqual(report["identity"]["arn"], self.moto.user_arn("reader"))
        denied = self.bucket(report, "finance-restricted")
        self.assertEqual(denied["resource"], "arn:aws:s3:::finance-restricted")
        self.assertTrue(denied["error"]["message"].startswith("s3:ListBucket on arn:aws:s3:::finance-restricted"))
        self.assertNotIn(self.secret, json.dumps(report))
        jobs, _ = self.cli_json("jobs", "prod", "--json", lines=True, expect_status=0)
        self.assertEqual(jobs, [], "the check runs no job")

    def test_role_session_name_saved_and_checked(self) -> None:
        base = {"endpoint_url": self.moto.endpoint, "addressing": "path",
                "credentials": {"access_key_id": self.key, "secret_access_key": self.secret},
                "role_arn": "arn:aws:iam::123456789012:role/catalog-reader"}

        invalid_status, invalid = self.post("/api/sources", {**base, "name": "bad", "role_session_name": "no spaces"})
        status, created = self.post("/api/sources", {**base, "name": "role", "role_session_name": "catalog-ui"})

        self.assertEqual(invalid_status, 400)
        self.assertEqual(invalid["error"]["field"], "role_session_name")
        self.assertEqual(status, 201)
        self.assertEqual(created["role_session_name"], "catalog-ui")
        shown, _ = self.cli_json("source", "show", "role", "--json", expect_status=0)
        self.assertEqual(shown["credentials"]["role_session_name"], "catalog-ui")

    def test_unsaved_settings_checked(self) -> None:
        status, report = self.post("/api/test-connection", {
            "endpoint_url": self.moto.endpoint, "addressing": "path",
            "credentials": {"access_key_id": self.no_list_key, "secret_access_key": self.no_list_secret},
            "path_prefixes": ["/logs"]})

        self.assertEqual(status, 200)
        self.assertEqual(report["list_buckets"], "denied")
        self.assertTrue(report["list_all_my_buckets"]["error"]["message"].startswith("s3:ListAllMyBuckets on *"))
        self.assertEqual([bucket["name"] for bucket in report["buckets"]], ["logs"])


if __name__ == "__main__":
    unittest.main()
