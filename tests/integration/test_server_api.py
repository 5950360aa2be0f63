"""The REST API of `s3catalog serve` against moto and the S3 stub.

Each test starts the real server process on 127.0.0.1 with a port chosen by
the OS (`--listen 127.0.0.1:0`, which prints the bound URL) and talks to it
with urllib, bypassing any proxy. docs/api.md is the contract checked here.
"""

from __future__ import annotations

import csv
import io
import json
import select
import signal
import socket
import sqlite3
import subprocess
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable

from harness import (
    Account,
    CatalogTestCase,
    GeneratedPages,
    MotoServer,
    Obj,
    S3Error,
    Stall,
    create_account,
    s3catalog_binary,
)

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
# urllib reads proxy settings from the environment; every request here goes
# straight to the server on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class Event:
    name: str
    data: Any


class ServerProcess:
    """`s3catalog serve --listen 127.0.0.1:0` as a child process, stopped by its PID.

    Requests carry `auth_headers` (an API token) unless the call gives its
    own Authorization or Cookie header.
    """

    def __init__(self, env: dict[str, str], log_path: str, auth_headers: dict[str, str] | None = None) -> None:
        self.env = env
        self.log_path = log_path
        self.auth_headers = dict(auth_headers or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.bodies: list[str] = []  # every response body, to check that no secret leaks

    def start(self, timeout: float = 30.0) -> ServerProcess:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [s3catalog_binary(), "--log-level", "debug", "serve", "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=log,
            env=self.env,
            cwd=self.env["HOME"],
        )
        log.close()
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline().decode() if ready else ""
        if not line.startswith("listening on http://127.0.0.1:"):
            self.stop()
            raise AssertionError(f"server did not print its URL; first line {line!r}; log:\n{self.log()}")
        self.url = line.split()[-1]
        return self

    def stop(self, timeout: float = 30.0) -> int | None:
        """Send SIGTERM and wait; SIGKILL after `timeout`. Returns the exit status."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()
        return process.returncode

    def log(self) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as file:
                return file.read()
        except FileNotFoundError:
            return ""

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        timeout: float = 30.0,
    ) -> Reply:
        data = raw
        if data is None and body is not None:
            data = json.dumps(body).encode()
        if data is None and method in ("POST", "PUT", "PATCH"):
            data = b""
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers=self.with_auth(headers or {}))
        if data:
            request.add_header("Content-Type", "application/json")
        try:
            with OPENER.open(request, timeout=timeout) as response:
                reply = Reply(response.status, dict(response.headers.items()), response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            reply = Reply(error.code, dict(error.headers.items()), error.read().decode("utf-8"))
        self.bodies.append(reply.text)
        return reply

    def with_auth(self, headers: dict[str, str]) -> dict[str, str]:
        if any(name.lower() in ("authorization", "cookie") for name in headers):
            return headers
        return {**self.auth_headers, **headers}

    def events(self, path: str, on_event: Callable[[Event], None] | None = None, timeout: float = 60.0) -> list[Event]:
        """Read a server-sent event stream to its end (at most `timeout` seconds and 10,000 events)."""
        events: list[Event] = []
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(self.url + path, headers=self.with_auth({}))
        with OPENER.open(request, timeout=timeout) as response:
            assert response.headers.get_content_type() == "text/event-stream", response.headers
            name, data = None, []
            while time.monotonic() < deadline and len(events) < 10_000:
                line = response.readline()
                if not line:
                    break
                line = line.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    name = line[len("event: "):]
                elif line.startswith("data: "):
                    data.append(line[len("data: "):])
                elif line == "" and name is not None:
                    event = Event(name, json.loads("\n".join(data)))
                    self.bodies.append("\n".join(data))
                    events.append(event)
                    if on_event is not None:
                        on_event(event)
                    name, data = None, []
        return events


def quote(path: str) -> str:
    return urllib.parse.quote(path, safe="")


class ServerTestCase(CatalogTestCase):
    """A catalog per test and the server on it; `self.server` talks to it as the admin `self.admin`."""

    def setUp(self) -> None:
        super().setUp()
        self.admin: Account = create_account(self.env, "admin", "admin")
        self.server = self.start_server()

    def start_server(self) -> ServerProcess:
        server = ServerProcess(dict(self.env), str(self.root / "server.log"), self.admin.bearer).start()
        self.addCleanup(server.stop)
        return server

    def create_source(self, name: str, endpoint: str, **fields: Any) -> dict[str, Any]:
        body = {
            "name": name,
            "endpoint_url": endpoint,
            "addressing": "path",
            "credentials": {"access_key_id": KEY_ID, "secret_access_key": SECRET},
        }
        body.update(fields)
        reply = self.server.call("POST", "/api/sources", body)
        self.assertEqual(reply.status, 201, reply.text)
        return reply.json

    def wait_for_job(self, job_id: int, timeout: float = 60.0) -> dict[str, Any]:
        """Poll the job every 0.2 s until it is no longer running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.server.call("GET", f"/api/jobs/{job_id}").json
            if job["status"] != "running":
                return job
            time.sleep(0.2)
        self.fail(f"job {job_id} still running after {timeout} s")

    def run_job(self, source: str) -> dict[str, Any]:
        reply = self.server.call("POST", f"/api/sources/{source}/jobs", {})
        self.assertEqual(reply.status, 202, reply.text)
        return self.wait_for_job(reply.json["id"])

    def wait_until(self, condition: Callable[[], Any], timeout: float, message: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.2)
        self.fail(message)

    def assert_error(self, reply: Reply, status: int, field: str | None = None) -> dict[str, Any]:
        self.assertEqual(reply.status, status, reply.text)
        error = reply.json["error"]
        self.assertIsInstance(error["message"], str)
        self.assertTrue(error["message"])
        self.assertEqual(error["field"], field, error["message"])
        return error

    def assert_no_secret(self) -> None:
        for body in self.server.bodies:
            self.assertNotIn(SECRET, body)
            self.assertNotIn(KEY_ID, body)
        self.assertNotIn(SECRET, self.server.log())

    def start_slow_stub(self, **options: Any) -> Any:
        """A stub whose bucket `slow` has 100,000 keys in pages of 100, each page 0.2 s late."""
        stub = self.start_stub()
        stub.add_bucket(
            "slow",
            pages=GeneratedPages(100_000, lambda i: "k/%06d" % i, page_size=100),
            handler=lambda request: Stall(0.2),
            **options,
        )
        return stub


class SourcesTest(ServerTestCase):
    def test_source_crud_without_secrets(self) -> None:
        created = self.create_source("prod", "http://127.0.0.1:9", title="Production", path_prefixes=["/logs/app/"])
        self.assertEqual(created["name"], "prod")
        self.assertEqual(created["title"], "Production")
        self.assertEqual(created["endpoint_url"], "http://127.0.0.1:9")
        self.assertEqual(created["addressing"], "path")
        self.assertEqual(
            created["credentials"],
            {"mode": "access_key", "access_key_id_last4": "MPLE", "secret_access_key": "set", "session_token": "not set"},
        )
        self.assertEqual(created["path_prefixes"], ["/logs/app/"])
        self.assertIsNone(created["schedule"])
        self.assertEqual(created["file_count"], 0)
        self.assertIsNone(created["running_job_id"])
        self.assertIsNone(created["last_job"])

        listed = self.server.call("GET", "/api/sources").json["sources"]
        self.assertEqual([source["name"] for source in listed], ["prod"])
        self.assertEqual(self.server.call("GET", "/api/sources/prod").json["credentials"]["access_key_id_last4"], "MPLE")

        # Only the key ID: the stored secret stays, and the session token is replaced.
        patched = self.server.call(
            "PATCH", "/api/sources/prod",
            {"description": "logs", "credentials": {"access_key_id": KEY_ID, "session_token": "token-value"},
             "schedule": {"interval_minutes": 30}},
        )
        self.assertEqual(patched.status, 200, patched.text)
        self.assertEqual(patched.json["description"], "logs")
        self.assertEqual(patched.json["title"], "Production")
        self.assertEqual(patched.json["credentials"]["secret_access_key"], "set")
        self.assertEqual(patched.json["credentials"]["session_token"], "set")
        self.assertEqual(patched.json["schedule"], {"interval_minutes": 30})
        self.assertNotIn("token-value", patched.text)
        shown, _ = self.cli_json("source", "show", "prod", "--json", expect_status=0)
        self.assertEqual(shown["credentials"]["session_token"], "set")

        # A session token alone keeps the key ID and the secret.
        renewed = self.server.call("PATCH", "/api/sources/prod", {"credentials": {"session_token": ""}})
        self.assertEqual(renewed.status, 200, renewed.text)
        self.assertEqual(renewed.json["credentials"]["secret_access_key"], "set")
        self.assertEqual(renewed.json["credentials"]["session_token"], "not set")
        self.assertEqual(renewed.json["credentials"]["access_key_id_last4"], "MPLE")

        blank = self.server.call("PATCH", "/api/sources/prod",
                                 {"credentials": {"access_key_id": "", "secret_access_key": ""}, "schedule": None})
        self.assertEqual(blank.status, 200, blank.text)
        self.assertEqual(blank.json["credentials"],
                         {"mode": "default_chain", "access_key_id_last4": None, "secret_access_key": "not set",
                          "session_token": "not set"})
        self.assertIsNone(blank.json["schedule"])

        self.assertEqual(self.server.call("DELETE", "/api/sources/prod").status, 204)
        missing = self.assert_error(self.server.call("GET", "/api/sources/prod"), 404)
        self.assertEqual(missing["message"], 'no source named "prod"', "the API's message names no CLI command")
        self.assert_error(self.server.call("DELETE", "/api/sources/prod"), 404)
        self.assert_no_secret()

    def test_source_errors_name_field(self) -> None:
        self.create_source("prod", "http://127.0.0.1:9")
        base = {"name": "other", "endpoint_url": "http://127.0.0.1:9"}
        cases = [
            ({**base, "path_prefixes": ["/logs", "/data/x/", "no-slash"]}, "path_prefixes[2]"),
            ({**base, "path_prefixes": ["/logs", ""]}, "path_prefixes[1]"),
            ({**base, "path_prefixes": ["/logs", "/a\u0001b"]}, "path_prefixes[1]"),
            ({**base, "name": "Bad Name"}, "name"),
            ({"endpoint_url": "http://127.0.0.1:9"}, "name"),
            ({**base, "credentials": {"access_key_id": KEY_ID}}, "credentials.secret_access_key"),
            ({**base, "credentials": {"secret_access_key": SECRET}}, "credentials.access_key_id"),
            ({**base, "credentials": {"access_key_id": KEY_ID, "secret_access_key": SECRET, "extra": 1}},
             "credentials.extra"),
            ({**base, "schedule": {"interval_minutes": 0}}, "schedule.interval_minutes"),
            ({**base, "addressing": "sideways"}, "addressing"),
            ({**base, "endpoint_url": "ftp://example"}, "endpoint_url"),
            ({**base, "region": "Not A Region"}, "region"),
            ({**base, "unknown_field": True}, "unknown_field"),
            ({**base, "requester_pays": "yes"}, "requester_pays"),
        ]
        for body, expected_field in cases:
            with self.subTest(field=expected_field, body=body):
                self.assert_error(self.server.call("POST", "/api/sources", body), 400, expected_field)

        error = self.assert_error(
            self.server.call("POST", "/api/sources", {**base, "path_prefixes": ["/logs", "/data/x/", "no-slash"]}),
            400, "path_prefixes[2]")
        self.assertIn("/bucket/prefix", error["message"], "the message shows the expected form")

        self.assert_error(self.server.call("POST", "/api/sources", {"name": "prod"}), 409)
        self.assert_error(self.server.call("POST", "/api/sources", raw=b"{not json"), 400)
        self.assert_error(self.server.call("POST", "/api/sources", raw=b"[1, 2]"), 400)
        self.assert_error(self.server.call("PATCH", "/api/sources/prod", {"name": "renamed"}), 400, "name")
        self.assert_error(self.server.call("PATCH", "/api/sources/prod", {"path_prefixes": ["x"]}), 400,
                          "path_prefixes[0]")
        self.assert_error(self.server.call("PATCH", "/api/sources/prod",
                                           {"credentials": {"access_key_id": "AKIANEWKEY"}}),
                          400, "credentials.secret_access_key")
        self.assert_error(self.server.call("PATCH", "/api/sources/missing", {"title": "x"}), 404)
        self.assert_error(self.server.call("GET", "/api/sources/missing"), 404)
        self.assert_error(self.server.call("POST", "/api/sources", raw=b"x" * (1024 * 1024 + 1)), 413)
        self.assert_no_secret()

    def test_filter_validation_per_line(self) -> None:
        reply = self.server.call("POST", "/api/filters/validate",
                                 {"path_prefixes": ["/logs", "logs", "", "/data/2024/", "/x"]})
        self.assertEqual(reply.status, 200, reply.text)
        self.assertFalse(reply.json["valid"])
        results = reply.json["results"]
        self.assertEqual([result["valid"] for result in results], [True, False, False, True, False])
        self.assertEqual([result["index"] for result in results], [0, 1, 2, 3, 4])
        self.assertEqual(results[0]["normalized"], "/logs")
        self.assertEqual(results[3]["bucket"], "data")
        self.assertEqual(results[3]["key_prefix"], "2024/")
        self.assertIsNone(results[0]["error"])
        self.assertIn("must start with", results[1]["error"])
        self.assertIsNotNone(results[2]["error"])
        self.assertIn("bucket name", results[4]["error"])

        good = self.server.call("POST", "/api/filters/validate", {"path_prefixes": ["/logs/app/"]})
        self.assertTrue(good.json["valid"])
        self.assert_error(self.server.call("POST", "/api/filters/validate", {"path_prefixes": "/logs"}), 400,
                          "path_prefixes")
        self.assert_error(self.server.call("POST", "/api/filters/validate", {}), 400, "path_prefixes")
        self.assert_error(self.server.call("POST", "/api/sources/missing/filters/validate",
                                           {"path_prefixes": []}), 404)
        self.create_source("prod", "http://127.0.0.1:9")
        scoped = self.server.call("POST", "/api/sources/prod/filters/validate", {"path_prefixes": ["nope"]})
        self.assertEqual(scoped.status, 200)
        self.assertFalse(scoped.json["results"][0]["valid"])


class MotoCatalogTest(ServerTestCase):
    """Extraction through the API against moto, then browse, annotate, search and preview."""

    moto: MotoServer

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.moto = MotoServer().start()
        cls.addClassCleanup(cls.moto.stop)

    def setUp(self) -> None:
        super().setUp()
        self.moto.reset()
        self.moto.make_bucket("alpha", {
            "top.txt": b"t",
            "docs/readme.md": b"readme text",
            "docs/guide.md": b"g",
            "docs/deep/x.csv": b"xxxx",
            "logs/2024.log": b"log line",
        })
        self.moto.make_bucket("beta", {"b.bin": b"bbbbbb"})
        self.create_source("moto", self.moto.endpoint)
        self.job = self.run_job("moto")

    def test_job_result_and_history(self) -> None:
        job = self.job
        self.assertEqual(job["status"], "succeeded", job)
        self.assertEqual(job["trigger"], "api")
        self.assertEqual(job["source"], "moto")
        self.assertEqual(job["files_synced"], 6)
        self.assertEqual(job["files_added"], 6)
        self.assertIsNone(job["progress"])
        self.assertIsNotNone(job["finished_at"])
        self.assertEqual({bucket["name"]: bucket["status"] for bucket in job["buckets"]},
                         {"alpha": "synced", "beta": "synced"})

        history = self.server.call("GET", "/api/sources/moto/jobs").json
        self.assertEqual(history["total"], 1)
        self.assertEqual(history["jobs"][0]["id"], job["id"])
        self.assertEqual(history["jobs"][0]["buckets"], job["buckets"])
        log = self.server.call("GET", f"/api/jobs/{job['id']}/log").json
        self.assertEqual(log["job_id"], job["id"])
        self.assertTrue(log["lines"])
        self.assertEqual(set(log["lines"][0]), {"time", "level", "message"})

        source = self.server.call("GET", "/api/sources/moto").json
        self.assertEqual(source["file_count"], 6)
        self.assertEqual(source["last_job"]["id"], job["id"])

        events = self.server.events(f"/api/jobs/{job['id']}/events")
        self.assertEqual([event.name for event in events], ["result"], "a finished job sends only its result")
        self.assertEqual(events[0].data["status"], "succeeded")

        self.assert_error(self.server.call("GET", "/api/jobs/999999"), 404)
        self.assert_error(self.server.call("GET", "/api/jobs/999999/log"), 404)
        self.assert_error(self.server.call("GET", "/api/jobs/999999/events"), 404)
        self.assert_error(self.server.call("POST", "/api/jobs/999999/cancel"), 404)
        self.assert_error(self.server.call("POST", f"/api/jobs/{job['id']}/cancel"), 409)
        self.assert_error(self.server.call("POST", "/api/sources/missing/jobs", {}), 404)
        self.assert_error(self.server.call("GET", "/api/sources/missing/jobs"), 404)
        self.assert_error(self.server.call("POST", "/api/sources/moto/jobs", {"concurrency": 0}), 400, "concurrency")
        self.assert_error(self.server.call("GET", "/api/sources/moto/jobs?limit=0"), 400, "limit")
        self.assert_no_secret()

    def test_browse_buckets_folders_files(self) -> None:
        buckets = self.server.call("GET", "/api/sources/moto/buckets").json["buckets"]
        self.assertEqual([bucket["name"] for bucket in buckets], ["alpha", "beta"])
        self.assertEqual(buckets[0]["file_count"], 5)
        self.assertEqual(buckets[0]["total_bytes"], 1 + 11 + 1 + 4 + 8)
        self.assertEqual(buckets[0]["path"], "/alpha")

        folders = self.server.call("GET", "/api/sources/moto/folders?path=/alpha").json
        self.assertEqual([folder["path"] for folder in folders["folders"]], ["/alpha/docs/", "/alpha/logs/"])
        self.assertEqual(folders["folders"][0]["file_count"], 3)
        by_size = self.server.call("GET", "/api/sources/moto/folders?path=/alpha/&sort=size&order=desc").json
        self.assertEqual([folder["name"] for folder in by_size["folders"]], ["docs/", "logs/"])

        files = self.server.call("GET", "/api/sources/moto/files?path=/alpha/docs/").json
        self.assertEqual([file["name"] for file in files["files"]], ["guide.md", "readme.md"])
        self.assertEqual(files["total"], 2)
        self.assertIsNone(files["next_cursor"])
        by_size = self.server.call("GET", "/api/sources/moto/files?path=/alpha/docs/&sort=size&order=desc").json
        self.assertEqual([file["size"] for file in by_size["files"]], [11, 1])

        first = self.server.call("GET", "/api/sources/moto/files?path=/alpha/docs/&limit=1").json
        self.assertEqual([file["key"] for file in first["files"]], ["docs/guide.md"])
        self.assertIsNotNone(first["next_cursor"])
        second = self.server.call(
            "GET", f"/api/sources/moto/files?path=/alpha/docs/&limit=1&cursor={quote(first['next_cursor'])}").json
        self.assertEqual([file["key"] for file in second["files"]], ["docs/readme.md"])
        self.assertIsNone(second["next_cursor"])
        offset = self.server.call("GET", "/api/sources/moto/files?path=/alpha/docs/&limit=1&offset=1").json
        self.assertEqual([file["key"] for file in offset["files"]], ["docs/readme.md"])

        self.assert_error(self.server.call("GET", "/api/sources/moto/files?path=/alpha/docs/&offset=1&cursor=x"),
                          400, "cursor")
        self.assert_error(self.server.call(
            "GET", f"/api/sources/moto/files?path=/alpha/docs/&sort=size&cursor={quote(first['next_cursor'])}"),
            400, "cursor")
        self.assert_error(self.server.call("GET", "/api/sources/moto/files?path=/alpha/docs/&sort=color"), 400, "sort")
        self.assert_error(self.server.call("GET", "/api/sources/moto/files?path=/alpha/docs"), 400, "path")
        self.assert_error(self.server.call("GET", "/api/sources/moto/files"), 400, "path")
        self.assert_error(self.server.call("GET", "/api/sources/moto/files?path=/nobucket/"), 404)
        self.assert_error(self.server.call("GET", "/api/sources/missing/buckets"), 404)

    def test_items_and_annotations(self) -> None:
        detail = self.server.call("GET", f"/api/sources/moto/items?path={quote('/alpha/docs/readme.md')}").json
        self.assertEqual(detail["kind"], "file")
        self.assertTrue(detail["present"])
        self.assertEqual(detail["file"]["size"], 11)
        self.assertIsNotNone(detail["first_seen"])
        self.assertFalse(detail["stale"])
        self.assertIsNone(detail["annotation"])
        folder = self.server.call("GET", "/api/sources/moto/items?path=/alpha/docs/").json
        self.assertEqual(folder["kind"], "folder")
        self.assertEqual(folder["folder"]["file_count"], 3)
        bucket = self.server.call("GET", "/api/sources/moto/items?path=/alpha").json
        self.assertEqual(bucket["kind"], "bucket")
        self.assertEqual(bucket["bucket"]["file_count"], 5)
        self.assert_error(self.server.call("GET", "/api/sources/moto/items?path=/alpha/none.txt"), 404)
        self.assert_error(self.server.call("GET", "/api/sources/moto/items?path=alpha"), 400, "path")

        put = self.server.call(
            "PUT", f"/api/sources/moto/annotations?path={quote('/alpha/docs/readme.md')}",
            {"description": "The **onboarding** readme", "tags": [" docs ", "docs", "gold"], "owners": ["team-a"]},
            headers=create_account(self.env, "alice", "steward").bearer,
        )
        self.assertEqual(put.status, 200, put.text)
        annotation = put.json["annotation"]
        self.assertEqual(annotation["tags"], ["docs", "gold"])
        self.assertEqual(annotation["owners"], ["team-a"])
        self.assertEqual(annotation["updated_by"], "alice")
        self.assertTrue(annotation["updated_at"])

        on_folder = self.server.call("PUT", "/api/sources/moto/annotations?path=/alpha/logs/",
                                     {"description": "application logs"})
        self.assertEqual(on_folder.json["annotation"]["updated_by"], "admin")
        self.assertEqual(on_folder.json["annotation"]["tags"], [])
        ghost = self.server.call("PUT", "/api/sources/moto/annotations?path=/alpha/planned.txt",
                                 {"description": "coming later"})
        self.assertEqual(ghost.status, 200, ghost.text)
        self.assertFalse(ghost.json["present"])

        self.assert_error(self.server.call("PUT", "/api/sources/moto/annotations?path=/alpha/x",
                                           {"tags": ["ok", ""]}), 400, "tags[1]")
        self.assert_error(self.server.call("PUT", "/api/sources/moto/annotations?path=/alpha/x",
                                           {"owners": ["a\nb"]}), 400, "owners[0]")
        self.assert_error(self.server.call("PUT", "/api/sources/moto/annotations?path=/alpha/x",
                                           {"note": "x"}), 400, "note")
        self.assert_error(self.server.call("PUT", "/api/sources/moto/annotations?path=/alpha/x",
                                           {"description": "x" * 70000}), 400, "description")
        self.assert_error(self.server.call("PUT", "/api/sources/moto/annotations", {}), 400, "path")

        files = self.server.call("GET", "/api/sources/moto/files?path=/alpha/docs/").json["files"]
        self.assertEqual(files[1]["annotation"]["description"], "The **onboarding** readme")

        found = self.server.call("GET", "/api/search?text=onboarding").json
        self.assertEqual(found["total"], 1)
        self.assertEqual(found["results"][0]["path"], "/alpha/docs/readme.md")
        self.assertEqual(found["results"][0]["kind"], "file")
        self.assertEqual(found["results"][0]["source"], "moto")
        self.assertEqual(self.server.call("GET", "/api/search?text=applic*").json["results"][0]["path"],
                         "/alpha/logs/")
        self.assertEqual(self.server.call("GET", "/api/search?text=coming").json["total"], 0,
                         "items that are not present are not found")

        # The readme leaves S3; its annotation stays and shows as not present.
        self.moto.client("s3").delete_object(Bucket="alpha", Key="docs/readme.md")
        self.assertEqual(self.run_job("moto")["files_removed"], 1)
        absent = self.server.call("GET", "/api/sources/moto/annotations?present=false").json
        self.assertEqual([item["path"] for item in absent["items"]], ["/alpha/docs/readme.md", "/alpha/planned.txt"])
        self.assertEqual(absent["items"][0]["kind"], "file")
        self.assertFalse(absent["items"][0]["present"])
        self.assertEqual(absent["items"][0]["annotation"]["updated_by"], "alice")
        present = self.server.call("GET", "/api/sources/moto/annotations?present=true").json
        self.assertEqual([item["path"] for item in present["items"]], ["/alpha/logs/"])
        self.assertEqual(self.server.call("GET", "/api/sources/moto/annotations").json["total"], 3)
        self.assertEqual(self.server.call("GET", "/api/search?text=onboarding").json["total"], 0)
        gone = self.server.call("GET", f"/api/sources/moto/items?path={quote('/alpha/docs/readme.md')}").json
        self.assertFalse(gone["present"])
        self.assertEqual(gone["annotation"]["description"], "The **onboarding** readme")

    def test_search_filters(self) -> None:
        def paths(query: str) -> list[str]:
            reply = self.server.call("GET", "/api/search?" + query)
            self.assertEqual(reply.status, 200, reply.text)
            return [result["path"] for result in reply.json["results"]]

        self.assertEqual(paths("name=READ"), ["/alpha/docs/readme.md"])
        counted = self.server.call("GET", "/api/search?extension=md").json
        self.assertEqual((counted["total"], counted["total_exact"]), (2, True))
        self.assertEqual(paths("path=/alpha/docs/"),
                         ["/alpha/docs/deep/x.csv", "/alpha/docs/guide.md", "/alpha/docs/readme.md"])
        self.assertEqual(paths("extension=md"), ["/alpha/docs/guide.md", "/alpha/docs/readme.md"])
        self.assertEqual(paths("extension=.csv"), ["/alpha/docs/deep/x.csv"])
        self.assertEqual(paths("min_size=5&max_size=8"), ["/alpha/logs/2024.log", "/beta/b.bin"])
        self.assertEqual(paths("bucket=beta"), ["/beta/b.bin"])
        self.assertEqual(paths("source=moto&limit=2&offset=1"), ["/alpha/docs/guide.md", "/alpha/docs/readme.md"])
        self.assertEqual(len(paths("modified_after=2000-01-01")), 6)
        self.assertEqual(paths("modified_before=2000-01-01"), [])
        self.server.call("PUT", "/api/sources/moto/annotations?path=/beta/b.bin", {"tags": ["binary", "raw"]})
        self.server.call("PUT", "/api/sources/moto/annotations?path=/alpha/", {"tags": ["raw"]})
        self.assertEqual(paths("tag=binary"), ["/beta/b.bin"])
        self.assertEqual(self.server.call("GET", "/api/tags?source=moto").json["tags"],
                         [{"tag": "binary", "count": 1}, {"tag": "raw", "count": 2}])
        self.assertEqual(len(self.server.call("GET", "/api/tags").json["tags"]), 2)
        self.assert_error(self.server.call("GET", "/api/tags?source=missing"), 404)

        self.assert_error(self.server.call("GET", "/api/search?modified_after=yesterday"), 400, "modified_after")
        self.assert_error(self.server.call("GET", "/api/search?min_size=-1"), 400, "min_size")
        self.assert_error(self.server.call("GET", "/api/search?source=missing"), 404)

    def test_filter_preview_from_catalog(self) -> None:
        self.server.call("PUT", "/api/sources/moto/annotations?path=/beta/b.bin", {"description": "binary"})
        self.server.call("PUT", "/api/sources/moto/annotations?path=/alpha/docs/", {"description": "docs"})
        requests_before = len(self.moto.log_text())

        preview = self.server.call("POST", "/api/sources/moto/filters/preview",
                                   {"path_prefixes": ["/alpha/docs/"]})
        self.assertEqual(preview.status, 200, preview.text)
        body = preview.json
        self.assertEqual(body["basis"], "catalog")
        self.assertEqual(body["files_selected"], 3)
        self.assertEqual(body["bytes_selected"], 11 + 1 + 4)
        self.assertEqual({bucket["name"]: (bucket["selected"], bucket["files"]) for bucket in body["buckets"]},
                         {"alpha": (True, 3), "beta": (False, 0)})
        self.assertEqual(body["files_disappearing"]["count"], 3)
        self.assertEqual(body["files_disappearing"]["sample"],
                         ["/alpha/logs/2024.log", "/alpha/top.txt", "/beta/b.bin"])
        self.assertEqual(body["files_returning"]["count"], 0)
        self.assertEqual(body["annotations_disappearing"]["items"], [{"path": "/beta/b.bin", "kind": "file"}])
        self.assertEqual(body["annotations_returning"]["count"], 0)
        self.assertEqual(len(self.moto.log_text()), requests_before, "the preview sends no S3 request")

        # Save the filter and sync: the files outside it leave. Previewing no
        # filter now shows them coming back.
        self.server.call("PATCH", "/api/sources/moto", {"path_prefixes": ["/alpha/docs/"]})
        self.run_job("moto")
        back = self.server.call("POST", "/api/sources/moto/filters/preview", {"path_prefixes": []}).json
        self.assertEqual(back["files_selected"], 3)
        self.assertEqual(back["files_returning"]["count"], 3)
        self.assertEqual(back["files_returning"]["sample"], ["/alpha/logs/2024.log", "/alpha/top.txt", "/beta/b.bin"])
        self.assertEqual(back["annotations_returning"]["items"], [{"path": "/beta/b.bin", "kind": "file"}])
        self.assertEqual(back["files_disappearing"]["count"], 0)

        self.assert_error(self.server.call("POST", "/api/sources/moto/filters/preview",
                                           {"path_prefixes": ["/alpha", "bad"]}), 400, "path_prefixes[1]")
        self.assert_error(self.server.call("POST", "/api/sources/missing/filters/preview",
                                           {"path_prefixes": []}), 404)

    def test_delete_source_removes_catalog(self) -> None:
        self.assertEqual(self.server.call("DELETE", "/api/sources/moto").status, 204)
        self.assertEqual(self.server.call("GET", "/api/search").json["total"], 0)
        self.assert_error(self.server.call("GET", "/api/sources/moto/buckets"), 404)


class StubJobsTest(ServerTestCase):
    """Jobs against the S3 stub: slow listings, one job per source, cancel, events, schedules, export."""

    def test_one_job_per_source_and_cancel(self) -> None:
        stub = self.start_slow_stub()
        self.create_source("slow", stub.endpoint)
        started = self.server.call("POST", "/api/sources/slow/jobs", {"concurrency": 2})
        self.assertEqual(started.status, 202, started.text)
        job_id = started.json["id"]
        self.assertEqual(started.json["status"], "running")
        self.assertEqual(started.json["trigger"], "api")

        again = self.server.call("POST", "/api/sources/slow/jobs", {})
        self.assertEqual(again.status, 200, "a second start returns the running job")
        self.assertEqual(again.json["id"], job_id)
        self.assertEqual(self.server.call("GET", "/api/sources/slow/jobs").json["total"], 1)
        self.assertEqual(self.server.call("GET", "/api/sources/slow").json["running_job_id"], job_id)
        self.assert_error(self.server.call("DELETE", "/api/sources/slow"), 409)

        # The CLI cannot start a second job of the source either.
        self.cli("extract", "slow", expect_status=1)

        running = self.wait_until(
            lambda: (job := self.server.call("GET", f"/api/jobs/{job_id}").json)["progress"]["objects_listed"] > 0
            and job,
            30, "the job listed no object")
        progress = running["progress"]
        self.assertEqual(progress["buckets_total"], 1)
        self.assertEqual(progress["current_buckets"], ["slow"])
        self.assertGreater(progress["pages_listed"], 0)
        self.assertGreaterEqual(progress["objects_per_second"], 0)

        cancelled = self.server.call("POST", f"/api/jobs/{job_id}/cancel")
        self.assertEqual(cancelled.status, 202, cancelled.text)
        self.assertTrue(cancelled.json["cancel_requested"])
        self.assertEqual(self.server.call("POST", f"/api/jobs/{job_id}/cancel").status, 202, "cancel twice")
        final = self.wait_for_job(job_id, timeout=30)
        self.assertEqual(final["status"], "cancelled")
        self.assertEqual(final["files_removed"], 0)
        self.assertEqual(final["buckets"][0]["reason"], "cancelled")
        self.assertIsNone(final["progress"])
        self.assertEqual(self.server.call("GET", "/api/sources/slow").json["running_job_id"], None)
        self.assert_error(self.server.call("POST", f"/api/jobs/{job_id}/cancel"), 409)

    def test_events_progress_then_result(self) -> None:
        stub = self.start_slow_stub()
        self.create_source("slow", stub.endpoint)
        job_id = self.server.call("POST", "/api/sources/slow/jobs", {}).json["id"]
        progress_seen: list[Event] = []

        def cancel_after_progress(event: Event) -> None:
            if event.name == "progress":
                progress_seen.append(event)
                if len(progress_seen) == 3:
                    self.server.call("POST", f"/api/jobs/{job_id}/cancel")

        started = time.monotonic()
        events = self.server.events(f"/api/jobs/{job_id}/events", on_event=cancel_after_progress, timeout=60)
        self.assertGreaterEqual(len(progress_seen), 3)
        self.assertEqual(events[-1].name, "result")
        self.assertEqual([event.name for event in events[:-1]], ["progress"] * (len(events) - 1))
        self.assertEqual(events[-1].data["status"], "cancelled")
        self.assertEqual(events[-1].data["id"], job_id)
        self.assertIsNotNone(progress_seen[-1].data["progress"])
        self.assertEqual(progress_seen[-1].data["status"], "running")
        # Three events 500 ms apart take about one second.
        self.assertGreater(time.monotonic() - started, 0.8)

    def test_schedule_starts_and_skips_jobs(self) -> None:
        stub = self.start_slow_stub()
        self.create_source("sched", stub.endpoint, schedule={"interval_minutes": 1})

        def scheduled_job() -> dict[str, Any] | None:
            jobs = self.server.call("GET", "/api/sources/sched/jobs").json["jobs"]
            return jobs[0] if jobs else None

        job = self.wait_until(scheduled_job, 20, "the scheduler started no job within 20 s")
        self.assertEqual(job["trigger"], "schedule")
        self.assertEqual(job["status"], "running")
        # The scheduler checks every 5 s; a running job is not started again.
        time.sleep(6)
        self.assertEqual(self.server.call("GET", "/api/sources/sched/jobs").json["total"], 1)
        self.server.call("POST", f"/api/jobs/{job['id']}/cancel")
        self.assertEqual(self.wait_for_job(job["id"])["status"], "cancelled")

        # The job started less than a minute ago, so the next one is not due yet.
        time.sleep(6)
        self.assertEqual(self.server.call("GET", "/api/sources/sched/jobs").json["total"], 1)

    def test_shutdown_cancels_running_job(self) -> None:
        stub = self.start_slow_stub()
        self.create_source("slow", stub.endpoint)
        job_id = self.server.call("POST", "/api/sources/slow/jobs", {}).json["id"]
        self.wait_until(lambda: self.server.call("GET", f"/api/jobs/{job_id}").json["progress"]["pages_listed"] > 0,
                        30, "the job listed no page")

        self.assertEqual(self.server.stop(), 0)

        jobs, _ = self.cli_json("jobs", "slow", "--json", lines=True, expect_status=0)
        self.assertEqual(jobs[0]["job_id"], job_id)
        self.assertEqual(jobs[0]["status"], "cancelled")
        self.assertEqual(jobs[0]["buckets"][0]["name"], "slow")
        self.assertEqual(jobs[0]["buckets"][0]["reason"], "cancelled")
        self.assertIn("cancelled because the server is stopping", self.server.log())

    def test_export_csv_and_jsonl(self) -> None:
        keys = ["plain.txt", "comma,name.txt", 'quote"name.txt', "new\nline.txt", "caf\u00e9/\u00e9t\u00e9.txt",
                "dir/sub/file.bin"]
        stub = self.start_stub()
        stub.add_bucket("odd", objects=[Obj(key=key, size=index + 1) for index, key in enumerate(keys)])
        self.create_source("odd", stub.endpoint)
        self.assertEqual(self.run_job("odd")["files_synced"], len(keys))

        reply = self.server.call("GET", "/api/sources/odd/export.csv")
        self.assertEqual(reply.status, 200, reply.text)
        self.assertEqual(reply.headers.get("Transfer-Encoding"), "chunked", "the export is streamed")
        self.assertIn('filename="odd-files.csv"', reply.headers.get("Content-Disposition", ""))
        self.assertIn('"comma,name.txt"', reply.text)
        self.assertIn('"quote""name.txt"', reply.text)
        self.assertIn('"/odd/new\nline.txt"', reply.text)
        rows = list(csv.reader(io.StringIO(reply.text, newline="")))
        self.assertEqual(rows[0][:4], ["path", "bucket", "key", "size"])
        by_key = {row[2]: row for row in rows[1:]}
        self.assertEqual(sorted(by_key), sorted(keys))
        self.assertEqual(by_key['quote"name.txt'][3], "3")
        self.assertEqual(by_key["new\nline.txt"][0], "/odd/new\nline.txt")
        self.assertTrue(reply.text.endswith("\r\n"))

        lines = self.server.call("GET", "/api/sources/odd/export.jsonl")
        self.assertEqual(lines.status, 200)
        objects = [json.loads(line) for line in lines.text.splitlines()]
        self.assertEqual(sorted(entry["key"] for entry in objects), sorted(keys))
        self.assertEqual([entry["path"] for entry in objects], sorted(entry["path"] for entry in objects),
                         "files come in path order")
        self.assertEqual(set(objects[0]), {"path", "bucket", "key", "size", "last_modified", "etag", "storage_class",
                                           "checksum_algorithm", "first_seen", "last_seen", "stale"})

        under = self.server.call("GET", f"/api/sources/odd/export.jsonl?prefix={quote('/odd/dir/')}")
        self.assertEqual([json.loads(line)["key"] for line in under.text.splitlines()], ["dir/sub/file.bin"])
        self.assert_error(self.server.call("GET", "/api/sources/odd/export.csv?prefix=odd"), 400, "prefix")
        self.assert_error(self.server.call("GET", "/api/sources/missing/export.csv"), 404)

    def test_connection_reports_each_bucket(self) -> None:
        stub = self.start_stub()
        stub.add_bucket("open", objects=["a.txt"])
        # A required header that the client never sends: every request gets 403 AccessDenied.
        stub.add_bucket("closed", objects=["b.txt"], require_headers={"x-never-sent": "1"})
        self.create_source("conn", stub.endpoint)

        reply = self.server.call("POST", "/api/sources/conn/test-connection")
        self.assertEqual(reply.status, 200, reply.text)
        result = reply.json
        self.assertFalse(result["ok"])
        self.assertIsNone(result["error"])
        self.assertEqual(result["list_buckets"], "ok")
        readable = {bucket["name"]: bucket["readable"] for bucket in result["buckets"]}
        self.assertEqual(readable, {"open": True, "closed": False})
        closed = next(bucket for bucket in result["buckets"] if bucket["name"] == "closed")
        self.assertEqual(closed["error"]["category"], "permissions")
        self.assertTrue(closed["error"]["hint"])

        # Filters given in the body are tested without being saved.
        only_open = self.server.call("POST", "/api/sources/conn/test-connection", {"path_prefixes": ["/open/"]}).json
        self.assertTrue(only_open["ok"])
        self.assertEqual([bucket["name"] for bucket in only_open["buckets"]], ["open"])
        self.assertEqual(self.server.call("GET", "/api/sources/conn").json["path_prefixes"], [])

        unsaved = self.server.call("POST", "/api/test-connection", {
            "endpoint_url": stub.endpoint, "addressing": "path",
            "credentials": {"access_key_id": KEY_ID, "secret_access_key": SECRET}, "path_prefixes": ["/closed"]})
        self.assertEqual(unsaved.status, 200, unsaved.text)
        self.assertFalse(unsaved.json["ok"])
        self.assertEqual([bucket["readable"] for bucket in unsaved.json["buckets"]], [False])
        self.assertEqual(len(stub.requests_for("open", "ListObjectsV2")), 2, "one probe per check of open")
        self.assertEqual(stub.requests_for("open", "ListObjectsV2")[0].query.get("max-keys"), "1")

        stub.set_list_buckets(fault=S3Error(403, "InvalidAccessKeyId", "The key does not exist"))
        rejected = self.server.call("POST", "/api/sources/conn/test-connection").json
        self.assertFalse(rejected["ok"])
        self.assertEqual(rejected["error"]["category"], "authentication")
        self.assertEqual(rejected["list_buckets"], "failed")

        stub.set_list_buckets(fault=S3Error(403, "AccessDenied", "Access Denied"))
        fallback = self.server.call("POST", "/api/sources/conn/test-connection", {"path_prefixes": ["/open"]}).json
        self.assertEqual(fallback["list_buckets"], "denied")
        self.assertTrue(fallback["ok"])
        self.assertTrue(fallback["warnings"])

        port = self.closed_port()
        dead = self.server.call("POST", "/api/test-connection", {
            "endpoint_url": f"http://127.0.0.1:{port}",
            "credentials": {"access_key_id": KEY_ID, "secret_access_key": SECRET}}).json
        self.assertFalse(dead["ok"])
        self.assertEqual(dead["error"]["category"], "network")

        self.assert_error(self.server.call("POST", "/api/sources/missing/test-connection"), 404)
        self.assert_error(self.server.call("POST", "/api/test-connection", {"addressing": "sideways"}), 400,
                          "addressing")
        self.assert_no_secret()

    @staticmethod
    def closed_port() -> int:
        """A loopback port that nothing listens on: bound by the OS, then closed."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]

    def test_interrupted_job_marked_at_start(self) -> None:
        self.create_source("crashed", "http://127.0.0.1:9")
        self.server.stop()
        # A job recorded as running by a process that has exited.
        dead = subprocess.Popen(["true"])
        dead.wait()
        with sqlite3.connect(self.db_path) as database:
            source_id = database.execute("SELECT id FROM sources WHERE name = 'crashed'").fetchone()[0]
            job_id = database.execute(
                "INSERT INTO jobs(source_id, status, started_at, owner_pid, owner_host) "
                "VALUES (?, 'running', '2024-01-01T00:00:00Z', ?, ?)",
                (source_id, dead.pid, socket.gethostname()),
            ).lastrowid
        database.close()

        self.server = self.start_server()
        job = self.server.call("GET", f"/api/jobs/{job_id}").json
        self.assertEqual(job["status"], "interrupted")
        self.assertEqual(job["error"]["category"], "internal")
        self.assertIn(str(dead.pid), job["error"]["message"])
        self.assertIsNotNone(job["finished_at"])


class ServiceRoutesTest(ServerTestCase):
    def test_openapi_lists_every_route(self) -> None:
        listed = self.cli("serve", "--list-routes", expect_status=0).stdout.splitlines()
        registered = {tuple(line.split(" ", 1)) for line in listed}
        self.assertGreater(len(registered), 20)

        document = self.server.call("GET", "/api/openapi.json").json
        self.assertTrue(document["openapi"].startswith("3.0"))
        documented = {
            (method.upper(), path)
            for path, operations in document["paths"].items()
            for method in operations
            if method in ("get", "post", "put", "patch", "delete")
        }
        self.assertEqual(registered - documented, set(), "registered routes missing from the OpenAPI document")
        self.assertEqual(documented - registered, set(), "documented routes the server does not register")
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if method == "parameters":
                    continue
                with self.subTest(route=f"{method} {path}"):
                    self.assertTrue(operation.get("summary"))
                    self.assertTrue(operation.get("responses"))

    def test_foreign_origin_and_host_rejected(self) -> None:
        body = {"name": "web", "endpoint_url": "http://127.0.0.1:9"}
        self.assert_error(self.server.call("POST", "/api/sources", body, headers={"Origin": "http://evil.example"}),
                          403)
        self.assert_error(self.server.call("GET", "/api/sources", headers={"Host": "evil.example:80"}), 403)
        self.assert_error(self.server.call("DELETE", "/api/sources/web", headers={"Origin": "null"}), 403)
        self.assertEqual(self.server.call("GET", "/api/sources").json["sources"], [], "nothing was created")

        same_origin = self.server.call("POST", "/api/sources", body, headers={"Origin": self.server.url})
        self.assertEqual(same_origin.status, 201, same_origin.text)
        port = self.server.url.rsplit(":", 1)[1]
        by_name = self.server.call("GET", "/api/sources/web", headers={"Host": f"localhost:{port}"})
        self.assertEqual(by_name.status, 200, by_name.text)
        self.assertIn("rejected POST /api/sources", self.server.log())

    def test_health_metrics_and_web_files(self) -> None:
        self.assertEqual(self.server.call("GET", "/healthz").json, {"status": "ok"})
        self.server.call("GET", "/api/sources")
        self.server.call("GET", "/api/sources/missing")
        metrics = self.server.call("GET", "/metrics")
        self.assertEqual(metrics.status, 200)
        self.assertIn('s3catalog_http_requests_total{method="GET",route="/api/sources",status="200"} 1', metrics.text)
        self.assertIn('s3catalog_http_requests_total{method="GET",route="/api/sources/{name}",status="404"} 1',
                      metrics.text)
        self.assertIn('s3catalog_http_request_duration_seconds_count{method="GET",route="/healthz"} 1', metrics.text)
        self.assertIn('s3catalog_jobs_finished_total{status="succeeded"} 0', metrics.text)
        self.assertIn("s3catalog_jobs_running 0", metrics.text)
        self.assertIn("s3catalog_objects_listed_total 0", metrics.text)

        index = self.server.call("GET", "/")
        self.assertEqual(index.status, 200)
        self.assertTrue(index.headers["Content-Type"].startswith("text/html"))
        self.assertIn("default-src 'self'", index.headers["Content-Security-Policy"])
        self.assertEqual(index.headers["X-Content-Type-Options"], "nosniff")
        self.assertIn("<html", index.text.lower())
        routed = self.server.call("GET", "/sources/prod/settings")
        self.assertEqual(routed.text, index.text, "a path without an extension gets index.html")
        self.assert_error(self.server.call("GET", "/no-such-file.js"), 404)
        self.assert_error(self.server.call("GET", "/api/no-such-route"), 404)
        self.assert_error(self.server.call("DELETE", "/api/sources"), 404)


if __name__ == "__main__":
    unittest.main()
