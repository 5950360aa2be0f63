"""Extraction against moto with IAM enforcement: denied buckets, bad credentials, network faults, secrets.

Each test starts from an empty moto (one server per class), creates its
buckets and IAM users, turns the checks on with enable_auth() and then runs
the built binary.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import time
import unittest
from pathlib import Path
from typing import Any

from harness import CatalogTestCase, MotoServer


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


LIST_ALL_MY_BUCKETS = {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}


def list_bucket(*buckets: str) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": [f"arn:aws:s3:::{bucket}" for bucket in buckets],
    }


def closed_loopback_port() -> int:
    """Return a loopback port that nothing listens on: bound by the OS, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MotoAuthTestCase(CatalogTestCase):
    """One moto server per class; every test starts with moto emptied and its checks off."""

    moto: MotoServer

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.moto = MotoServer().start()
        cls.addClassCleanup(cls.moto.stop)

    def setUp(self) -> None:
        super().setUp()
        self.moto.reset()

    def extract(self, source: str, expect_status: int) -> dict[str, Any]:
        result, _ = self.cli_json("extract", source, "--json", expect_status=expect_status)
        return result

    def files(self, source: str) -> list[dict[str, Any]]:
        listed, _ = self.cli_json("files", source, "--json", lines=True, expect_status=0)
        return listed

    def paths(self, source: str) -> list[str]:
        return [entry["path"] for entry in self.files(source)]


class DeniedBucketsTest(MotoAuthTestCase):
    def test_bucket_without_list_bucket_is_skipped(self) -> None:
        self.moto.make_bucket("open-one", {"a.txt": b"a", "d/b.txt": b"bb"})
        self.moto.make_bucket("open-two", {"c.txt": b"ccc"})
        self.moto.make_bucket("restricted", {"secret.txt": b"s"})
        key, secret = self.moto.create_user(
            "lister", policy(LIST_ALL_MY_BUCKETS, list_bucket("open-one", "open-two"))
        )
        self.moto.enable_auth()
        self.add_source("perm", self.moto.endpoint, key, secret)

        result = self.extract("perm", expect_status=0)

        self.assertEqual(result["status"], "succeeded_with_warnings")
        self.assertIsNone(result["error"])
        buckets = {bucket["name"]: bucket for bucket in result["buckets"]}
        self.assertEqual(sorted(buckets), ["open-one", "open-two", "restricted"])
        self.assertEqual(buckets["open-one"]["status"], "synced")
        self.assertEqual(buckets["open-one"]["files"], 2)
        self.assertEqual(buckets["open-two"]["status"], "synced")
        self.assertEqual(buckets["open-two"]["files"], 1)
        self.assertEqual(buckets["restricted"]["status"], "skipped")
        self.assertEqual(buckets["restricted"]["reason"], "access_denied")
        self.assertEqual(buckets["restricted"]["category"], "permissions")
        self.assertTrue(buckets["restricted"]["hint"])
        self.assertEqual(result["files_synced"], 3)
        self.assertTrue(
            any("restricted" in warning for warning in result["warnings"]),
            f"no warning names the skipped bucket: {result['warnings']}",
        )
        self.assertEqual(
            self.paths("perm"), ["/open-one/a.txt", "/open-one/d/b.txt", "/open-two/c.txt"]
        )

    def test_revoked_bucket_keeps_files_marked_stale(self) -> None:
        self.moto.make_bucket("steady", {"s.txt": b"s"})
        self.moto.make_bucket("curated", {"c.txt": b"cc", "d/e.txt": b"e"})
        key, secret = self.moto.create_user(
            "reader", policy(LIST_ALL_MY_BUCKETS, list_bucket("steady", "curated"))
        )
        self.moto.enable_auth()
        self.add_source("perm", self.moto.endpoint, key, secret)
        self.extract("perm", expect_status=0)
        self.cli("annotate", "perm", "/curated/c.txt", "--description", "keep me", expect_status=0)
        seen_before = self.cli_json("show", "perm", "/curated/c.txt", "--json", expect_status=0)[0]
        files_before = self.files("perm")
        # Times have whole seconds, so a last_seen wrongly moved by the next
        # job would differ from this one.
        time.sleep(1.1)

        # Replaces the user's inline policy: ListBucket on `curated` is gone.
        self.moto.client("iam").put_user_policy(
            UserName="reader",
            PolicyName="reader-policy",
            PolicyDocument=json.dumps(policy(LIST_ALL_MY_BUCKETS, list_bucket("steady"))),
        )
        result = self.extract("perm", expect_status=0)

        self.assertEqual(result["status"], "succeeded_with_warnings")
        statuses = {bucket["name"]: (bucket["status"], bucket["reason"]) for bucket in result["buckets"]}
        self.assertEqual(statuses, {"curated": ("skipped", "access_denied"), "steady": ("synced", None)})
        self.assertEqual(result["files_removed"], 0)
        self.assertEqual(self.files("perm"), files_before)
        kept = self.cli_json("show", "perm", "/curated/c.txt", "--json", expect_status=0)[0]
        self.assertTrue(kept["present"])
        self.assertTrue(kept["stale"])
        self.assertEqual(kept["last_seen"], seen_before["last_seen"])
        self.assertEqual(kept["annotation"], seen_before["annotation"])
        bucket = self.cli_json("show", "perm", "/curated", "--json", expect_status=0)[0]
        self.assertTrue(bucket["present"])
        self.assertTrue(bucket["bucket"]["stale"])
        steady = self.cli_json("show", "perm", "/steady/s.txt", "--json", expect_status=0)[0]
        self.assertFalse(steady["stale"])

    def test_no_list_all_my_buckets_without_filters_fails(self) -> None:
        self.moto.make_bucket("only", {"a.txt": b"a"})
        key, secret = self.moto.create_user("no-list-all", policy(list_bucket("only")))
        self.moto.enable_auth()
        self.add_source("perm", self.moto.endpoint, key, secret)

        result = self.extract("perm", expect_status=1)

        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["error"]["category"], "permissions")
        self.assertIn("ListAllMyBuckets", result["error"]["hint"])
        self.assertEqual(result["files_synced"], 0)
        self.assertEqual(self.files("perm"), [])

    def test_no_list_all_my_buckets_lists_filtered_buckets(self) -> None:
        self.moto.make_bucket("first", {"a.txt": b"a", "sub/b.txt": b"bb"})
        self.moto.make_bucket("second", {"c.txt": b"ccc"})
        self.moto.make_bucket("unnamed", {"d.txt": b"d"})
        key, secret = self.moto.create_user(
            "direct", policy(list_bucket("first", "second", "unnamed"))
        )
        self.moto.enable_auth()
        self.add_source(
            "perm",
            self.moto.endpoint,
            key,
            secret,
            extra_args=["--path-prefix", "/first", "--path-prefix", "/second/c"],
        )

        result = self.extract("perm", expect_status=0)

        self.assertIn(result["status"], ("succeeded", "succeeded_with_warnings"))
        self.assertIsNone(result["error"])
        self.assertEqual(
            {bucket["name"]: bucket["status"] for bucket in result["buckets"]},
            {"first": "synced", "second": "synced"},
        )
        self.assertTrue(
            any("ListAllMyBuckets" in warning for warning in result["warnings"]),
            f"no warning about ListAllMyBuckets: {result['warnings']}",
        )
        self.assertEqual(self.paths("perm"), ["/first/a.txt", "/first/sub/b.txt", "/second/c.txt"])


class BrokenCredentialsTest(MotoAuthTestCase):
    """Broken credentials fail the job with `authentication` and leave the catalog as it was."""

    def seed_catalog(self) -> tuple[str, str, str]:
        """Sync bucket `kept` with a valid user, annotate a file; return (key id, secret, files JSON)."""
        self.moto.make_bucket("kept", {"a.txt": b"a", "docs/b.txt": b"bb"})
        key, secret = self.moto.create_user(
            "reader", policy(LIST_ALL_MY_BUCKETS, list_bucket("kept"))
        )
        self.moto.enable_auth()
        self.add_source("auth", self.moto.endpoint, key, secret)
        self.extract("auth", expect_status=0)
        self.cli(
            "annotate", "auth", "/kept/docs/b.txt",
            "--description", "curated", "--tag", "gold", "--owner", "data-eng",
            expect_status=0,
        )
        files_before = self.cli("files", "auth", "--json", expect_status=0).stdout
        return key, secret, files_before

    def annotation(self, path: str) -> dict[str, Any] | None:
        shown, _ = self.cli_json("show", "auth", path, "--json", expect_status=0)
        return shown["annotation"]

    def assert_job_fails_and_changes_nothing(
        self, key: str, secret: str, session_token: str | None, expected_code: str
    ) -> None:
        annotation_before = self.annotation("/kept/docs/b.txt")
        files_before = self.cli("files", "auth", "--json", expect_status=0).stdout
        self.assertIn("/kept/docs/b.txt", files_before)

        arguments = ["source", "update", "auth", "--access-key-id", key, "--secret-access-key-stdin"]
        stdin = f"{secret}\n"
        if session_token is not None:
            arguments.append("--session-token-stdin")
            stdin += f"{session_token}\n"
        self.cli(*arguments, stdin=stdin, expect_status=0)

        result = self.extract("auth", expect_status=1)

        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["error"]["category"], "authentication")
        self.assertIn(expected_code, result["error"]["message"])
        self.assertTrue(result["error"]["hint"])
        self.assertEqual(result["buckets"], [])
        self.assertEqual(result["files_removed"], 0)
        self.assertEqual(self.cli("files", "auth", "--json", expect_status=0).stdout, files_before)
        self.assertEqual(self.annotation("/kept/docs/b.txt"), annotation_before)
        self.assertEqual(annotation_before["description"], "curated")
        self.assertEqual(annotation_before["tags"], ["gold"])
        self.assertEqual(annotation_before["owners"], ["data-eng"])

    def test_wrong_secret_is_authentication(self) -> None:
        key, secret, _ = self.seed_catalog()
        wrong = ("X" if secret[0] != "X" else "Y") + secret[1:]
        self.assert_job_fails_and_changes_nothing(key, wrong, None, "SignatureDoesNotMatch")

    def test_unknown_key_id_is_authentication(self) -> None:
        _, secret, _ = self.seed_catalog()
        self.assert_job_fails_and_changes_nothing(
            "AKIAUNKNOWNKEY000000", secret, None, "InvalidAccessKeyId"
        )

    def test_bad_session_token_is_authentication(self) -> None:
        # An IAM user's long-term keys with a session token that STS never
        # issued: moto 5.2.1 responds with 400 InvalidToken.
        key, secret, _ = self.seed_catalog()
        self.assert_job_fails_and_changes_nothing(
            key, secret, "FwoGZXIvYXdzEBogus-session-token", "InvalidToken"
        )


class DefaultChainTest(MotoAuthTestCase):
    """A source without keys takes them from the environment or the shared credentials file."""

    def setUp(self) -> None:
        super().setUp()
        self.moto.make_bucket("chain", {"a.txt": b"a"})
        self.key, self.secret = self.moto.create_user(
            "chain-user", policy(LIST_ALL_MY_BUCKETS, list_bucket("chain"))
        )
        self.moto.enable_auth()
        self.cli(
            "source", "add", "chain", "--type", "s3", "--endpoint-url", self.moto.endpoint, "--path-style",
            expect_status=0,
        )

    def test_empty_chain_is_authentication(self) -> None:
        result = self.extract("chain", expect_status=1)

        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["error"]["category"], "authentication")
        self.assertIn("AWS_ACCESS_KEY_ID", result["error"]["hint"])

    def test_environment_keys_are_used(self) -> None:
        self.env["AWS_ACCESS_KEY_ID"] = self.key
        self.env["AWS_SECRET_ACCESS_KEY"] = self.secret

        process = self.cli("extract", "chain", "--json", expect_status=0)

        self.assertEqual(json.loads(process.stdout)["files_synced"], 1)
        self.assertNotIn(self.secret, process.stdout + process.stderr)

    def test_shared_credentials_profile_is_used(self) -> None:
        folder = Path(self.env["HOME"]) / ".aws"
        folder.mkdir()
        (folder / "credentials").write_text(
            f"[reports]\naws_access_key_id = {self.key}\naws_secret_access_key = {self.secret}\n"
        )
        self.env["AWS_PROFILE"] = "reports"

        process = self.cli("extract", "chain", "--json", expect_status=0)

        self.assertEqual(json.loads(process.stdout)["files_synced"], 1)
        self.assertNotIn(self.secret, process.stdout + process.stderr)


class NetworkFailureTest(CatalogTestCase):
    def test_closed_port_fails_fast_with_network(self) -> None:
        port = closed_loopback_port()
        self.add_source("closed", f"http://127.0.0.1:{port}", "AKIDEXAMPLE", "closed-port-secret")

        started = time.monotonic()
        result, _ = self.cli_json("extract", "closed", "--json", expect_status=1)
        elapsed = time.monotonic() - started

        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["error"]["category"], "network")
        self.assertTrue(result["error"]["hint"])
        # Retries are bounded in count and time, so a refused connection ends
        # the job within seconds; 30 s leaves room for a slow test machine.
        self.assertLess(elapsed, 30.0)


class SecretsNeverShownTest(MotoAuthTestCase):
    def test_secrets_absent_from_output_and_database(self) -> None:
        self.moto.make_bucket("vault", {"a.txt": b"a"})
        key, secret = self.moto.create_user("holder", policy(LIST_ALL_MY_BUCKETS, list_bucket("vault")))
        self.moto.enable_auth()
        wrong_secret = "WrongSecretValue0123456789abcdefghijklmn"
        session_token = "SessionTokenValue0123456789abcdefghijkl"
        secrets = [secret, wrong_secret, session_token]
        outputs = []

        # Creates the database, so this test can hold it open below.
        outputs.append(self.cli("source", "list", expect_status=0))
        reader = sqlite3.connect(self.db_path)
        self.addCleanup(reader.close)
        # A read maps the WAL index, so the WAL file outlives each CLI process
        # and its bytes can be inspected afterwards.
        reader.execute("SELECT count(*) FROM sqlite_master").fetchall()

        outputs.append(self.add_source("keys", self.moto.endpoint, key, secret))
        outputs.append(
            self.cli(
                "source", "add", "token", "--type", "s3", "--endpoint-url", self.moto.endpoint,
                "--path-style", "--access-key-id", key, "--secret-access-key-stdin",
                "--session-token-stdin",
                stdin=f"{secret}\n{session_token}\n",
                expect_status=0,
            )
        )
        outputs.append(self.cli("--log-level", "trace", "extract", "keys", "--json", expect_status=0))
        outputs.append(self.cli("--log-level", "trace", "extract", "keys", expect_status=0))
        outputs.append(self.cli("--log-level", "trace", "extract", "token", "--json", expect_status=1))
        outputs.append(self.cli("files", "keys", "--json", expect_status=0))
        outputs.append(self.cli("show", "keys", "/vault/a.txt", "--json", expect_status=0))
        outputs.append(self.cli("jobs", "keys", "--json", expect_status=0))
        outputs.append(self.cli("source", "list", "--json", expect_status=0))
        outputs.append(self.cli("source", "show", "keys", expect_status=0))
        outputs.append(self.cli("source", "show", "token", expect_status=0))
        shown_keys = self.cli("source", "show", "keys", "--json", expect_status=0)
        shown_token = self.cli("source", "show", "token", "--json", expect_status=0)
        outputs += [shown_keys, shown_token]
        outputs.append(
            self.cli(
                "source", "update", "keys", "--access-key-id", key, "--secret-access-key-stdin",
                stdin=f"{wrong_secret}\n",
                expect_status=0,
            )
        )
        outputs.append(self.cli("--log-level", "trace", "extract", "keys", "--json", expect_status=1))
        outputs.append(self.cli("--log-level", "trace", "extract", "keys", expect_status=1))

        for process in outputs:
            for value in secrets:
                self.assertNotIn(value, process.stdout, f"secret in stdout of {process.args[1:]}")
                self.assertNotIn(value, process.stderr, f"secret in stderr of {process.args[1:]}")

        credentials = self.cli_json("source", "show", "token", "--json", expect_status=0)[0]["credentials"]
        self.assertEqual(credentials["mode"], "access_key")
        self.assertEqual(credentials["access_key_id_last4"], key[-4:])
        self.assertEqual(credentials["secret_access_key"], "set")
        self.assertEqual(credentials["session_token"], "set")

        database_files = sorted(self.root.glob("catalog.db*"))
        names = [path.name for path in database_files]
        self.assertIn("catalog.db", names)
        self.assertIn("catalog.db-wal", names)
        self.assertGreater((self.root / "catalog.db-wal").stat().st_size, 0)
        for path in database_files:
            content = path.read_bytes()
            for value in secrets:
                self.assertNotIn(value.encode(), content, f"secret in {path.name}")


if __name__ == "__main__":
    unittest.main()
