"""The command-line contract of docs/cli.md, end to end: JSON shapes, exit statuses, database location, streams.

Source commands run without any server. Catalog commands run against moto
(one server per class, emptied before each test), and the progress test
against the scripted S3 stub, which can hold a page back long enough for a
progress line to appear.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import re
import socket
import unittest
from pathlib import Path
from typing import Any

from harness import CatalogTestCase, MotoServer, Page, S3Error, Stall, s3catalog_binary

RFC3339_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
SOURCE_FIELDS = {
    "name", "type", "endpoint_url", "region", "addressing", "requester_pays", "credentials",
    "path_prefixes", "title", "description", "created_at", "updated_at",
}
FILE_FIELDS = {
    "path", "bucket", "key", "size", "last_modified", "etag", "storage_class", "checksum_algorithm",
}
JOB_FIELDS = {
    "source", "job_id", "status", "error", "buckets", "files_synced", "files_added", "files_updated",
    "files_removed", "warnings", "summary", "started_at", "finished_at",
}
BUCKET_RESULT_FIELDS = {"name", "status", "reason", "category", "message", "hint", "files"}
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def closed_loopback_port() -> int:
    """Return a loopback port that nothing listens on: bound by the OS, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SourceCommandsTest(CatalogTestCase):
    def show_source(self, name: str) -> dict[str, Any]:
        shown, _ = self.cli_json("source", "show", name, "--json", expect_status=0)
        return shown

    def test_show_json_with_access_key(self) -> None:
        added = self.add_source(
            "prod", "http://127.0.0.1:9000", ACCESS_KEY_ID, SECRET,
            extra_args=["--path-prefix", "/logs/app/"],
        )
        self.assertEqual(added.stdout, "")

        shown = self.show_source("prod")

        self.assertEqual(set(shown), SOURCE_FIELDS)
        self.assertEqual(shown["name"], "prod")
        self.assertEqual(shown["type"], "s3")
        self.assertEqual(shown["endpoint_url"], "http://127.0.0.1:9000")
        self.assertEqual(shown["region"], "us-east-1")
        self.assertEqual(shown["addressing"], "path")
        self.assertIs(shown["requester_pays"], False)
        self.assertEqual(
            shown["credentials"],
            {
                "mode": "access_key",
                "access_key_id_last4": "MPLE",
                "secret_access_key": "set",
                "session_token": "not set",
            },
        )
        self.assertEqual(shown["path_prefixes"], ["/logs/app/"])
        self.assertEqual(shown["title"], "prod")
        self.assertEqual(shown["description"], "")
        self.assertRegex(shown["created_at"], RFC3339_SECONDS)
        self.assertRegex(shown["updated_at"], RFC3339_SECONDS)
        text = self.cli("source", "show", "prod", expect_status=0)
        for process in (added, text):
            self.assertNotIn(SECRET, process.stdout + process.stderr)
        self.assertNotIn(ACCESS_KEY_ID, text.stdout)

    def test_show_json_with_default_chain(self) -> None:
        self.cli("source", "add", "chain", "--type", "s3", expect_status=0)

        shown = self.show_source("chain")

        self.assertEqual(set(shown), SOURCE_FIELDS)
        self.assertEqual(shown["credentials"], {"mode": "default_chain", "access_key_id_last4": None})
        self.assertIsNone(shown["endpoint_url"])
        self.assertEqual(shown["region"], "us-east-1")
        self.assertEqual(shown["addressing"], "auto")
        self.assertEqual(shown["path_prefixes"], [])

    def test_session_token_is_reported_set(self) -> None:
        self.cli(
            "source", "add", "temp", "--type", "s3", "--access-key-id", ACCESS_KEY_ID,
            "--secret-access-key-stdin", "--session-token-stdin",
            stdin=f"{SECRET}\nsession-token-value\n",
            expect_status=0,
        )

        credentials = self.show_source("temp")["credentials"]

        self.assertEqual(credentials["mode"], "access_key")
        self.assertEqual(credentials["secret_access_key"], "set")
        self.assertEqual(credentials["session_token"], "set")

    def test_list_json_prints_one_line_per_source(self) -> None:
        self.add_source("first", "http://127.0.0.1:9000", ACCESS_KEY_ID, SECRET)
        self.cli("source", "add", "second", "--type", "s3", expect_status=0)

        listed, process = self.cli_json("source", "list", "--json", lines=True, expect_status=0)

        self.assertEqual(len(process.stdout.splitlines()), 2)
        self.assertEqual(sorted(entry["name"] for entry in listed), ["first", "second"])
        for entry in listed:
            with self.subTest(source=entry["name"]):
                self.assertEqual(set(entry), SOURCE_FIELDS)
                self.assertEqual(entry, self.show_source(entry["name"]))

    def test_update_changes_only_given_fields(self) -> None:
        self.add_source(
            "prod", "http://127.0.0.1:9000", ACCESS_KEY_ID, SECRET,
            extra_args=["--path-prefix", "/aaa/", "--path-prefix", "/bbb", "--description", "raw data"],
        )
        before = self.show_source("prod")

        updated = self.cli("source", "update", "prod", "--title", "Production", expect_status=0)
        self.assertEqual(updated.stdout, "")
        after_title = self.show_source("prod")
        self.assertEqual(after_title["title"], "Production")
        for field in ("description", "endpoint_url", "region", "addressing", "credentials", "path_prefixes"):
            self.assertEqual(after_title[field], before[field], field)
        self.assertEqual(after_title["created_at"], before["created_at"])

        self.cli("source", "update", "prod", "--path-prefix", "/ccc/d", expect_status=0)
        self.assertEqual(self.show_source("prod")["path_prefixes"], ["/ccc/d"])

        self.cli("source", "update", "prod", "--clear-path-prefixes", expect_status=0)
        self.assertEqual(self.show_source("prod")["path_prefixes"], [])
        self.assertEqual(self.show_source("prod")["credentials"]["mode"], "access_key")

        self.cli("source", "update", "prod", "--clear-credentials", expect_status=0)
        self.assertEqual(
            self.show_source("prod")["credentials"], {"mode": "default_chain", "access_key_id_last4": None}
        )

        self.cli(
            "source", "update", "prod", "--access-key-id", "AKIANEWKEY0000001234",
            "--secret-access-key-stdin",
            stdin="another-secret\n",
            expect_status=0,
        )
        credentials = self.show_source("prod")["credentials"]
        self.assertEqual(credentials["mode"], "access_key")
        self.assertEqual(credentials["access_key_id_last4"], "1234")

    def test_access_key_needs_secret_from_stdin(self) -> None:
        missing = self.cli(
            "source", "add", "prod", "--type", "s3", "--access-key-id", ACCESS_KEY_ID, stdin=f"{SECRET}\n"
        )
        self.assertEqual(missing.returncode, 2, missing.stderr)
        self.assertIn("--secret-access-key-stdin", missing.stderr)

        alone = self.cli("source", "add", "prod", "--type", "s3", "--secret-access-key-stdin", stdin=f"{SECRET}\n")
        self.assertEqual(alone.returncode, 2, alone.stderr)
        self.assertIn("--access-key-id", alone.stderr)

        self.assertEqual(self.cli("source", "show", "prod").returncode, 1)

    def test_secret_as_argument_is_rejected(self) -> None:
        self.cli("source", "add", "chain", "--type", "s3", expect_status=0)
        before = self.show_source("chain")
        cases = {
            "add, secret as next argument": ["source", "add", "prod", "--access-key-id", ACCESS_KEY_ID,
                                             "--secret-access-key", SECRET],
            "add, secret after '='": ["source", "add", "prod", "--access-key-id", ACCESS_KEY_ID,
                                      f"--secret-access-key={SECRET}"],
            "add, session token": ["source", "add", "prod", "--session-token", SECRET],
            "update, secret": ["source", "update", "chain", "--access-key-id", ACCESS_KEY_ID,
                               "--secret-access-key", SECRET],
        }
        for case, arguments in cases.items():
            with self.subTest(case=case):
                process = self.cli(*arguments)

                self.assertEqual(process.returncode, 2, process.stderr)
                self.assertNotIn(SECRET, process.stdout)
                self.assertNotIn(SECRET, process.stderr, "the rejected secret was printed back")
                self.assertIn("--secret-access-key-stdin", process.stderr)
                self.assertEqual(self.cli("source", "show", "prod").returncode, 1)
                self.assertEqual(self.show_source("chain"), before)

    def test_unknown_source_fails_with_message(self) -> None:
        self.cli("source", "add", "known", "--type", "s3", expect_status=0)
        commands = [
            ["source", "show", "nope"],
            ["source", "show", "nope", "--json"],
            ["source", "update", "nope", "--title", "x"],
            ["source", "remove", "nope"],
            ["extract", "nope"],
            ["extract", "nope", "--json"],
            ["files", "nope"],
            ["show", "nope", "/bucket/key"],
            ["annotate", "nope", "/bucket/key", "--description", "x"],
            ["jobs", "nope"],
        ]
        for command in commands:
            with self.subTest(command=" ".join(command)):
                process = self.cli(*command)
                self.assertEqual(process.returncode, 1, process.stderr)
                self.assertEqual(process.stdout, "")
                self.assertIn('no source named "nope"; list the sources with: s3catalog source list', process.stderr)

    def test_remove_deletes_source(self) -> None:
        self.cli("source", "add", "gone", "--type", "s3", expect_status=0)
        self.cli("source", "add", "kept", "--type", "s3", expect_status=0)

        removed = self.cli("source", "remove", "gone", expect_status=0)

        self.assertEqual(removed.stdout, "")
        self.assertEqual(self.cli("source", "show", "gone").returncode, 1)
        listed, _ = self.cli_json("source", "list", "--json", lines=True, expect_status=0)
        self.assertEqual([entry["name"] for entry in listed], ["kept"])

    def test_invalid_usage_exits_2(self) -> None:
        self.cli("source", "add", "dup", "--type", "s3", expect_status=0)
        commands = [
            ["source", "add", "x", "--type", "s3", "--no-such-option"],
            ["files", "dup", "--no-such-option"],
            ["no-such-command"],
            ["source", "add"],
            ["source", "add", "Bad Name", "--type", "s3"],
            ["source", "add", "dup", "--type", "s3"],
            ["source", "add", "x", "--type", "gcs"],
            ["source", "add", "x", "--type", "s3", "--addressing", "sideways"],
            ["extract", "dup", "--concurrency", "0"],
            ["files", "dup", "--prefix", "bucket/no-slash"],
            ["show", "dup", "no-leading-slash"],
            ["annotate", "dup", "/bucket/key"],
            ["--log-level", "loud", "source", "list"],
            ["--db", "postgresql://user@127.0.0.1:5432/catalog", "source", "list"],
            ["--db", "mysql://127.0.0.1/catalog", "source", "list"],
        ]
        for command in commands:
            with self.subTest(command=" ".join(command)):
                process = self.cli(*command)
                self.assertEqual(process.returncode, 2, process.stderr)
                self.assertEqual(process.stdout, "")
                self.assertTrue(process.stderr.strip())


class DatabaseLocationTest(CatalogTestCase):
    def test_absolute_sqlite_url(self) -> None:
        target = self.root / "elsewhere" / "abs.db"
        self.cli("--db", f"sqlite:///{target}", "source", "add", "abs", "--type", "s3", expect_status=0)

        self.assertTrue(target.exists())
        self.assertFalse(self.db_path.exists())
        listed, _ = self.cli_json(
            "--db", f"sqlite:///{target}", "source", "list", "--json", lines=True, expect_status=0
        )
        self.assertEqual([entry["name"] for entry in listed], ["abs"])

    def test_relative_sqlite_url_is_relative_to_cwd(self) -> None:
        # The harness runs the binary with HOME as its working directory.
        working_directory = Path(self.env["HOME"])
        self.cli("--db", "sqlite://relative.db", "source", "add", "rel", "--type", "s3", expect_status=0)

        self.assertTrue((working_directory / "relative.db").exists())
        self.assertFalse(self.db_path.exists())

    def test_db_option_overrides_environment(self) -> None:
        target = self.root / "option.db"
        self.cli("--db", f"sqlite:///{target}", "source", "add", "opt", "--type", "s3", expect_status=0)

        self.assertTrue(target.exists())
        self.assertFalse(self.db_path.exists())

    def test_environment_selects_database(self) -> None:
        self.cli("source", "add", "env", "--type", "s3", expect_status=0)

        self.assertTrue(self.db_path.exists())

    def test_default_location_under_xdg_data_home(self) -> None:
        env = dict(self.env)
        del env["S3CATALOG_DB"]

        self.cli("source", "add", "xdg", "--type", "s3", env=env, expect_status=0)

        self.assertTrue((Path(env["XDG_DATA_HOME"]) / "s3catalog" / "catalog.db").exists())
        self.assertFalse(self.db_path.exists())

    def test_default_location_without_xdg_data_home(self) -> None:
        env = dict(self.env)
        del env["S3CATALOG_DB"]
        del env["XDG_DATA_HOME"]

        self.cli("source", "add", "home", "--type", "s3", env=env, expect_status=0)

        self.assertTrue(Path(env["HOME"], ".local", "share", "s3catalog", "catalog.db").exists())


class CatalogCommandsTest(CatalogTestCase):
    """files, show, annotate and jobs on a catalog synced from moto."""

    moto: MotoServer

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.moto = MotoServer().start()
        cls.addClassCleanup(cls.moto.stop)

    def setUp(self) -> None:
        super().setUp()
        self.moto.reset()
        self.moto.make_bucket("aaa", {
            "x.txt": b"x",
            "B.txt": b"bb",
            "\u00e9.txt": b"eee",
            "dir/one.txt": b"1111",
            "dir/sub/two.txt": b"22222",
        })
        self.moto.make_bucket("aaa-b", {"y.txt": b"y"})
        self.add_source("cat", self.moto.endpoint, "testing", "testing")

    def extract(self, expect_status: int = 0) -> dict[str, Any]:
        result, _ = self.cli_json("extract", "cat", "--json", expect_status=expect_status)
        return result

    def files(self, *options: str) -> list[dict[str, Any]]:
        listed, _ = self.cli_json("files", "cat", *options, "--json", lines=True, expect_status=0)
        return listed

    def show(self, path: str, **options: Any) -> dict[str, Any]:
        shown, _ = self.cli_json("show", "cat", path, "--json", expect_status=0, **options)
        return shown

    def test_files_json_fields_and_byte_order(self) -> None:
        self.extract()

        listed = self.files()

        self.assertEqual(
            [entry["path"] for entry in listed],
            [
                "/aaa-b/y.txt",
                "/aaa/B.txt",
                "/aaa/dir/one.txt",
                "/aaa/dir/sub/two.txt",
                "/aaa/x.txt",
                "/aaa/\u00e9.txt",
            ],
        )
        for entry in listed:
            with self.subTest(path=entry["path"]):
                self.assertEqual(set(entry), FILE_FIELDS)
                self.assertEqual(entry["path"], f"/{entry['bucket']}/{entry['key']}")
                self.assertRegex(entry["last_modified"], RFC3339_SECONDS)
                self.assertRegex(entry["etag"], r"^[0-9a-f]{32}$")
                self.assertEqual(entry["storage_class"], "STANDARD")
                self.assertIsInstance(entry["size"], int)
                self.assertTrue(entry["checksum_algorithm"] is None or isinstance(entry["checksum_algorithm"], str))
        self.assertEqual(listed[-1]["size"], 3)

    def test_files_prefix_selects_paths(self) -> None:
        self.extract()

        self.assertEqual(
            [entry["path"] for entry in self.files("--prefix", "/aaa/dir/")],
            ["/aaa/dir/one.txt", "/aaa/dir/sub/two.txt"],
        )
        self.assertEqual(
            [entry["path"] for entry in self.files("--prefix", "/aaa/")],
            ["/aaa/B.txt", "/aaa/dir/one.txt", "/aaa/dir/sub/two.txt", "/aaa/x.txt", "/aaa/\u00e9.txt"],
        )
        self.assertEqual([entry["path"] for entry in self.files("--prefix", "/aaa-b/")], ["/aaa-b/y.txt"])
        self.assertEqual(self.files("--prefix", "/zzz/"), [])

    def test_show_file_folder_and_bucket(self) -> None:
        self.extract()
        listed = {entry["path"]: entry for entry in self.files()}

        file = self.show("/aaa/dir/one.txt")
        self.assertEqual(file["kind"], "file")
        self.assertEqual(file["path"], "/aaa/dir/one.txt")
        self.assertIs(file["present"], True)
        self.assertEqual(file["file"], listed["/aaa/dir/one.txt"])
        self.assertIsNone(file["annotation"])
        self.assertRegex(file["first_seen"], RFC3339_SECONDS)
        self.assertRegex(file["last_seen"], RFC3339_SECONDS)
        self.assertIs(file["stale"], False)

        folder = self.show("/aaa/dir/")
        self.assertEqual(folder["kind"], "folder")
        self.assertIs(folder["present"], True)
        self.assertIsNone(folder["file"])
        self.assertEqual(folder["folder"]["file_count"], 2)
        self.assertEqual(folder["folder"]["total_bytes"], 9)
        self.assertRegex(folder["folder"]["newest_modified"], RFC3339_SECONDS)

        bucket = self.show("/aaa")
        self.assertEqual(bucket["kind"], "bucket")
        self.assertIs(bucket["present"], True)
        self.assertIsNone(bucket["file"])
        self.assertEqual(bucket["bucket"]["name"], "aaa")
        # moto names no bucket region anywhere, so the catalog does not invent one.
        self.assertEqual(bucket["bucket"]["region"], "")

        for missing in ("/aaa/no-such.txt", "/aaa/no-such/", "/no-such-bucket"):
            with self.subTest(path=missing):
                process = self.cli("show", "cat", missing, "--json")
                self.assertEqual(process.returncode, 1, process.stderr)
                self.assertEqual(process.stdout, "")
                self.assertIn(missing, process.stderr)

    def test_annotate_path_not_present(self) -> None:
        self.extract()
        env = dict(self.env, S3CATALOG_USER="alice", USER="bob")

        annotated = self.cli(
            "annotate", "cat", "/aaa/later.txt", "--description", "arrives later",
            "--tag", "raw", "--tag", "daily", "--owner", "data-eng",
            env=env, expect_status=0,
        )

        self.assertEqual(annotated.stdout, "")
        waiting = self.show("/aaa/later.txt")
        self.assertEqual(waiting["kind"], "file")
        self.assertIs(waiting["present"], False)
        self.assertIsNone(waiting["file"])
        annotation = waiting["annotation"]
        self.assertEqual(annotation["description"], "arrives later")
        self.assertEqual(annotation["tags"], ["raw", "daily"])
        self.assertEqual(annotation["owners"], ["data-eng"])
        self.assertEqual(annotation["updated_by"], "alice")
        self.assertRegex(annotation["updated_at"], RFC3339_SECONDS)

        # Each option given replaces its field; the others keep their value.
        env_without_override = dict(self.env, USER="bob")
        self.cli("annotate", "cat", "/aaa/later.txt", "--tag", "hourly", env=env_without_override, expect_status=0)
        changed = self.show("/aaa/later.txt")["annotation"]
        self.assertEqual(changed["description"], "arrives later")
        self.assertEqual(changed["tags"], ["hourly"])
        self.assertEqual(changed["owners"], ["data-eng"])
        self.assertEqual(changed["updated_by"], "bob")

        self.moto.client("s3").put_object(Bucket="aaa", Key="later.txt", Body=b"here")
        self.extract()

        arrived = self.show("/aaa/later.txt")
        self.assertIs(arrived["present"], True)
        self.assertEqual(arrived["file"]["size"], 4)
        self.assertEqual(arrived["annotation"], changed)

    def test_annotate_folder_and_bucket(self) -> None:
        self.extract()
        self.cli("annotate", "cat", "/aaa/dir/", "--description", "folder notes", expect_status=0)
        self.cli("annotate", "cat", "/aaa", "--owner", "platform", expect_status=0)

        self.assertEqual(self.show("/aaa/dir/")["annotation"]["description"], "folder notes")
        self.assertEqual(self.show("/aaa")["annotation"]["owners"], ["platform"])

    def test_jobs_json_newest_first(self) -> None:
        results = [self.extract()]
        self.cli(
            "source", "update", "cat", "--endpoint-url", f"http://127.0.0.1:{closed_loopback_port()}",
            expect_status=0,
        )
        results.append(self.extract(expect_status=1))
        self.cli("source", "update", "cat", "--endpoint-url", self.moto.endpoint, expect_status=0)
        results.append(self.extract())

        jobs, _ = self.cli_json("jobs", "cat", "--json", lines=True, expect_status=0)

        self.assertEqual([job["job_id"] for job in jobs], [result["job_id"] for result in reversed(results)])
        self.assertEqual([job["status"] for job in jobs], ["succeeded", "failed", "succeeded"])
        for job, result in zip(jobs, reversed(results)):
            with self.subTest(job_id=job["job_id"]):
                self.assertEqual(set(job), JOB_FIELDS)
                self.assertEqual(job, result)
        for bucket in jobs[0]["buckets"]:
            self.assertEqual(set(bucket), BUCKET_RESULT_FIELDS)
        self.assertRegex(jobs[0]["started_at"], RFC3339_SECONDS)
        self.assertRegex(jobs[0]["finished_at"], RFC3339_SECONDS)

    def test_result_alone_on_stdout(self) -> None:
        json_run = self.cli("extract", "cat", "--json", expect_status=0)
        self.assertEqual(len(json_run.stdout.splitlines()), 1)
        result = json.loads(json_run.stdout)
        self.assertEqual(set(result), JOB_FIELDS)
        self.assertTrue(json_run.stderr.strip(), "extract logged nothing on stderr")

        text_run = self.cli("extract", "cat", expect_status=0)
        self.assertIn(result["summary"].split(":")[0], text_run.stdout)
        self.assertNotIn(" info ", text_run.stdout)
        self.assertIn(" info ", text_run.stderr)


class ProgressTest(CatalogTestCase):
    def test_progress_line_on_stderr(self) -> None:
        stub = self.start_stub()
        # The second page is held back for 3 s, longer than the 2 s between
        # progress lines when stderr is not a terminal.
        stub.add_bucket("slow", pages=[
            Page(keys=["a", "b"], truncated=True, token="T1"),
            Page(keys=["c"], attempt_faults=[Stall(3.0)]),
        ])
        self.add_source("prog", stub.endpoint, "AKIDEXAMPLE", "stub-secret")

        process = self.cli("extract", "prog", "--json", expect_status=0)

        result = json.loads(process.stdout)
        self.assertEqual(result["files_synced"], 3)
        self.assertEqual(len(process.stdout.splitlines()), 1)
        progress = [line for line in process.stderr.splitlines() if "prog" in line and "objects/s" in line]
        self.assertTrue(progress, f"no progress line on stderr:\n{process.stderr}")
        self.assertRegex(progress[0], r"\b0/1 buckets\b")
        self.assertRegex(progress[0], r"\b2 objects\b")
        self.assertIn("slow", progress[0])

    def test_terminal_log_clears_progress(self) -> None:
        stub = self.start_stub()
        # Page two stalls past a few progress ticks (every 0.5 s on a
        # terminal) and then returns 503, so the retry warning is logged
        # while a progress line is on the screen.
        stub.add_bucket("slow", pages=[
            Page(keys=["a", "b"], truncated=True, token="T1"),
            Page(keys=["c"], attempt_faults=[Stall(1.5, then=S3Error(503, "SlowDown"))]),
        ])
        self.add_source("tty", stub.endpoint, "AKIDEXAMPLE", "stub-secret")

        controller, terminal = pty.openpty()
        process = subprocess.Popen([s3catalog_binary(), "extract", "tty"], env=self.env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=terminal)
        os.close(terminal)
        screen = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            screen += chunk
        os.close(controller)
        self.assertEqual(process.wait(timeout=60), 0, screen)

        text = screen.decode()
        progress = text.index("objects/s")
        self.assertIn("warning attempt 1 of", text[progress:], "no log line came after a progress line")
        for line in re.finditer(r"\d{4}-\d\d-\d\dT[\d:.]+ (info|warning) ", text):
            before = text[:line.start()]
            self.assertTrue(before == "" or before.endswith(("\n", "\r\033[K")),
                            f"a log line runs into the progress line: {text[line.start() - 60:line.start() + 40]!r}")


if __name__ == "__main__":
    unittest.main()
