"""S3 listing hazards from the field, played by the scripted S3 stub against the real binary.

Each test runs `s3catalog extract` against an S3Stub on 127.0.0.1. It checks
the job result (bucket statuses and error categories), the catalogued files,
folders and annotations, and the requests the stub received (count,
continuation tokens, query parameters, headers).

The huge-bucket tests list S3CATALOG_HUGE_KEYS keys (default 2,000,000), which
takes about half a minute per run on a 2-core test machine.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path
from typing import Any

from harness import (
    CatalogTestCase,
    GeneratedPages,
    Obj,
    Page,
    ResetConnection,
    S3Error,
    S3Stub,
    TruncateBody,
    build_environment,
    run_cli,
    run_json,
    s3catalog_binary,
)

SOURCE = "stub"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
# The client makes at most 4 attempts per request (RetryOptions in src/s3/retry.h).
# libcurl resends a request once on a new connection when a reused keep-alive
# connection fails before any response byte, so the stub can see up to twice that.
MAX_ATTEMPTS = 4
MAX_WIRE_REQUESTS = 2 * MAX_ATTEMPTS


def numbered_keys(template: str, start: int, stop: int) -> list[str]:
    return [template % index for index in range(start, stop)]


class StubCatalogTest(CatalogTestCase):
    """A test with a running S3 stub and helpers to extract and read the catalog."""

    def setUp(self) -> None:
        super().setUp()
        self.stub = self.start_stub()

    def add_stub_source(self, *extra_args: str) -> None:
        self.add_source(SOURCE, self.stub.endpoint, ACCESS_KEY, SECRET, extra_args=extra_args)

    def extract(self, *args: str, expect_status: int | None = 0, timeout: float = 60) -> dict[str, Any]:
        """Run `extract SOURCE --json` and return its result object."""
        result, _ = self.cli_json("extract", SOURCE, "--json", *args, expect_status=expect_status, timeout=timeout)
        return result

    def files(self) -> dict[str, dict[str, Any]]:
        """Return the catalogued files by path; fail on a path listed twice."""
        entries, _ = self.cli_json("files", SOURCE, "--json", lines=True, expect_status=0)
        paths = [entry["path"] for entry in entries]
        self.assertEqual(len(paths), len(set(paths)), "files --json lists a path more than once")
        return {entry["path"]: entry for entry in entries}

    def bucket_files(self, bucket: str) -> dict[str, dict[str, Any]]:
        """Return the catalogued files of one bucket by key."""
        return {entry["key"]: entry for entry in self.files().values() if entry["bucket"] == bucket}

    def show(self, path: str) -> dict[str, Any]:
        value, _ = self.cli_json("show", SOURCE, path, "--json", expect_status=0)
        return value

    def annotate(self, path: str, *args: str) -> None:
        self.cli("annotate", SOURCE, path, *args, expect_status=0)

    def bucket_result(self, result: dict[str, Any], name: str) -> dict[str, Any]:
        matches = [bucket for bucket in result["buckets"] if bucket["name"] == name]
        self.assertEqual(len(matches), 1, f"bucket {name!r} should appear once in {result['buckets']}")
        return matches[0]

    def listing_requests(self, bucket: str) -> list[Any]:
        return self.stub.requests_for(bucket, "ListObjectsV2")

    def listing_tokens(self, bucket: str) -> list[str | None]:
        return [request.continuation_token for request in self.listing_requests(bucket)]


class ControlCharacterKeyTest(StubCatalogTest):
    """Keys with bytes below 0x20 survive only through encoding-type=url."""

    KEYS = [("\x01", 1), ("a\nb.txt", 2), ("c\r\nd.txt", 3), ("tab\there.txt", 4), ("ok.txt", 5)]

    def test_url_encoding_on_every_request(self) -> None:
        objects = [Obj(key, size=size) for key, size in self.KEYS]
        self.stub.add_bucket("alpha", pages=[
            Page(keys=objects[:2], truncated=True, token="T1"),
            Page(keys=objects[2:4], truncated=True, token="T2"),
            Page(keys=objects[4:]),
        ])
        self.add_stub_source()

        result = self.extract()

        self.assertEqual(self.bucket_result(result, "alpha")["status"], "synced")
        files = self.bucket_files("alpha")
        self.assertEqual({key: entry["size"] for key, entry in files.items()}, dict(self.KEYS))
        self.assertIn("c\r\nd.txt", files, "the CR in the key must stay 0x0D")
        requests = self.listing_requests("alpha")
        self.assertEqual([request.continuation_token for request in requests], [None, "T1", "T2"])
        for request in requests:
            self.assertEqual(request.query_raw.get("encoding-type"), "url", request.target)

    def test_server_ignoring_encoding_fails_bucket_as_service(self) -> None:
        # The server sends the raw 0x01 byte, which XML 1.0 forbids: the whole
        # page is unreadable, and no key may be guessed from it.
        self.stub.add_bucket("alpha", encoding="ignore", pages=[
            Page(keys=[Obj(key, size=size) for key, size in self.KEYS]),
        ])
        self.stub.add_bucket("beta", pages=[Page(keys=["fine.txt"])])
        self.add_stub_source()

        result = self.extract(expect_status=0)

        alpha = self.bucket_result(result, "alpha")
        self.assertEqual(alpha["status"], "failed")
        self.assertEqual(alpha["category"], "service")
        self.assertEqual(self.bucket_result(result, "beta")["status"], "synced")
        files = self.bucket_files("alpha")
        self.assertNotIn("c\nd.txt", files)
        self.assertEqual(files, {})

    def test_unencoded_listing_keeps_carriage_return(self) -> None:
        # Without the 0x01 key the raw page is valid XML. An XML parser's
        # end-of-line handling would turn CR LF into LF and catalog "c\nd.txt".
        keys = [(key, size) for key, size in self.KEYS if key != "\x01"]
        self.stub.add_bucket("alpha", encoding="ignore", pages=[Page(keys=[Obj(key, size=size) for key, size in keys])])
        self.add_stub_source()

        self.extract()

        files = self.bucket_files("alpha")
        self.assertNotIn("c\nd.txt", files)
        self.assertEqual({key: entry["size"] for key, entry in files.items()}, dict(keys))


class EncodingTypeMistakeTest(StubCatalogTest):
    """Keys are decoded only when the response itself declares EncodingType url."""

    KEYS = ["50%25.txt", "a+b.txt"]

    def catalogued_keys(self) -> set[str]:
        self.add_stub_source()
        result = self.extract()
        self.assertEqual(self.bucket_result(result, "alpha")["status"], "synced")
        return set(self.bucket_files("alpha"))

    def test_raw_keys_without_encoding_element_kept_verbatim(self) -> None:
        self.stub.add_bucket("alpha", encoding="ignore", pages=[Page(keys=self.KEYS)])

        self.assertEqual(self.catalogued_keys(), {"50%25.txt", "a+b.txt"})

    def test_labelled_encoded_keys_decoded(self) -> None:
        # The stub sends 50%2525.txt and a%2Bb.txt with <EncodingType>url</EncodingType>.
        self.stub.add_bucket("alpha", encoding="auto", pages=[Page(keys=self.KEYS)])

        self.assertEqual(self.catalogued_keys(), {"50%25.txt", "a+b.txt"})

    def test_unlabelled_encoded_keys_kept_literally(self) -> None:
        """A wrong server: it URL-encodes keys but leaves out <EncodingType>.

        The client cannot tell these keys from raw ones, so it stores the bytes
        it received: 50%2525.txt and a%2Bb.txt. This is the deterministic result
        of trusting the response's own declaration. The server is at fault here,
        and this test pins down what the catalog then contains.
        """
        self.stub.add_bucket("alpha", encoding="unlabelled", pages=[Page(keys=self.KEYS)])

        self.assertEqual(self.catalogued_keys(), {"50%2525.txt", "a%2Bb.txt"})


class EmptyPageTest(StubCatalogTest):
    """Only IsTruncated and the continuation token decide whether a listing goes on."""

    def test_empty_middle_page_followed(self) -> None:
        self.stub.add_bucket("holes", pages=[
            Page(keys=["h/1", "h/2", "h/3"], truncated=True, token="T1"),
            Page(keys=[], truncated=True, token="T2"),
            Page(keys=["h/4", "h/5"]),
        ])
        self.add_stub_source()

        result = self.extract()

        holes = self.bucket_result(result, "holes")
        self.assertEqual(holes["status"], "synced")
        self.assertEqual(holes["files"], 5)
        self.assertEqual(sorted(self.bucket_files("holes")), ["h/1", "h/2", "h/3", "h/4", "h/5"])
        self.assertEqual(self.listing_tokens("holes"), [None, "T1", "T2"])

    def test_empty_bucket_synced_with_no_files(self) -> None:
        self.stub.add_bucket("void", pages=[Page(keys=[])])
        self.add_stub_source()

        result = self.extract()

        void = self.bucket_result(result, "void")
        self.assertEqual(void["status"], "synced")
        self.assertEqual(void["files"], 0)
        self.assertIsNone(void["category"])
        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(self.show("/void")["kind"], "bucket")


class BrokenPaginationTest(StubCatalogTest):
    """Missing or repeated continuation tokens end the bucket instead of looping."""

    def test_missing_and_repeated_tokens_fail_buckets(self) -> None:
        # First run: ceph1 contains old.txt, which then gets an annotation.
        self.stub.add_bucket("ceph1", pages=[Page(keys=["old.txt"])])
        self.stub.add_bucket("ok1", pages=[Page(keys=["o/1"])])
        self.stub.add_bucket("wasabi1", pages=[Page(keys=[])])
        self.add_stub_source()
        self.extract()
        self.annotate("/ceph1/old.txt", "--tag", "keep")

        ceph_keys = numbered_keys("c/%04d", 0, 1000)
        wasabi_keys = ["w/1", "w/2", "w/3"]
        self.stub.add_bucket("ceph1", pages=[Page(keys=ceph_keys, truncated=True, token=None)])
        self.stub.add_bucket("wasabi1", pages={
            None: Page(keys=wasabi_keys, truncated=True, token="T"),
            "T": Page(keys=wasabi_keys, truncated=True, token="T"),
        })
        self.stub.add_bucket("ok1", pages=[
            Page(keys=["o/1", "o/2"], truncated=True, token="OK1"),
            Page(keys=["o/3"]),
        ])
        self.stub.clear_requests()

        # A client that loops on the broken buckets hits this timeout.
        result = self.extract(timeout=10)

        ok1 = self.bucket_result(result, "ok1")
        self.assertEqual(ok1["status"], "synced")
        self.assertEqual(ok1["files"], 3)
        ceph1 = self.bucket_result(result, "ceph1")
        self.assertEqual(ceph1["status"], "failed")
        self.assertEqual(ceph1["category"], "service")
        wasabi1 = self.bucket_result(result, "wasabi1")
        self.assertEqual(wasabi1["status"], "failed")
        self.assertEqual(wasabi1["category"], "service")
        self.assertEqual(wasabi1["files"], len(wasabi_keys))

        for bucket in ("ceph1", "wasabi1", "ok1"):
            self.assertLessEqual(len(self.listing_requests(bucket)), 2, bucket)
        self.assertEqual(self.listing_tokens("ceph1"), [None])
        self.assertEqual(self.listing_tokens("wasabi1"), [None, "T"])

        # Keys received before the break are catalogued once each (files()
        # fails on a path listed twice), and ceph1 keeps its old file.
        self.assertEqual(sorted(self.bucket_files("ceph1")), sorted(ceph_keys + ["old.txt"]))
        self.assertEqual(sorted(self.bucket_files("wasabi1")), wasabi_keys)
        self.assertEqual(sorted(self.bucket_files("ok1")), ["o/1", "o/2", "o/3"])

        old = self.show("/ceph1/old.txt")
        self.assertTrue(old["present"])
        self.assertTrue(old["stale"])
        self.assertEqual(old["annotation"]["tags"], ["keep"])


class InterruptedListingTest(StubCatalogTest):
    """A connection that breaks mid-listing is retried from the same page, or fails only its bucket."""

    def test_truncated_body_retried_and_reset_fails_bucket(self) -> None:
        # First run: flaky contains z.txt, which then gets an annotation.
        self.stub.add_bucket("flaky", pages=[Page(keys=["z.txt"])])
        self.add_stub_source()
        self.extract()
        self.annotate("/flaky/z.txt", "--description", "curated", "--tag", "gold")

        big_pages = []
        for number in range(5):
            last = number == 4
            big_pages.append(Page(
                keys=numbered_keys("b/%05d", number * 1000, (number + 1) * 1000),
                truncated=not last,
                token=None if last else f"B{number + 1}",
            ))
        # The first attempt at page 3 closes the connection halfway through the body.
        big_pages[2].attempt_faults = [TruncateBody()]
        self.stub.add_bucket("big", pages=big_pages)
        flaky_keys = numbered_keys("f/%02d", 0, 10)
        self.stub.add_bucket("flaky", pages=[
            Page(keys=flaky_keys, truncated=True, token="F1"),
            Page(keys=["f/later"], fault=ResetConnection()),
        ])
        self.stub.add_bucket("calm", pages=[Page(keys=["c/1", "c/2"])])
        self.stub.clear_requests()

        result = self.extract(timeout=120)

        big = self.bucket_result(result, "big")
        self.assertEqual(big["status"], "synced")
        self.assertEqual(big["files"], 5000)
        self.assertEqual(len(self.bucket_files("big")), 5000)
        self.assertEqual(self.listing_tokens("big"), [None, "B1", "B2", "B2", "B3", "B4"])

        flaky = self.bucket_result(result, "flaky")
        self.assertEqual(flaky["status"], "failed")
        self.assertEqual(flaky["category"], "network")
        flaky_tokens = self.listing_tokens("flaky")
        self.assertEqual(flaky_tokens.count(None), 1)
        self.assertGreaterEqual(flaky_tokens.count("F1"), 2, "a reset connection is retryable")
        self.assertLessEqual(flaky_tokens.count("F1"), MAX_WIRE_REQUESTS, "retries are bounded")

        flaky_files = self.bucket_files("flaky")
        self.assertEqual(sorted(flaky_files), sorted(flaky_keys + ["z.txt"]))
        z_file = self.show("/flaky/z.txt")
        self.assertTrue(z_file["present"])
        self.assertTrue(z_file["stale"])
        self.assertEqual(z_file["annotation"]["description"], "curated")
        self.assertEqual(z_file["annotation"]["tags"], ["gold"])

        calm = self.bucket_result(result, "calm")
        self.assertEqual(calm["status"], "synced")
        self.assertEqual(sorted(self.bucket_files("calm")), ["c/1", "c/2"])


class ClockSkewTest(StubCatalogTest):
    """RequestTimeTooSkewed is an authentication failure that points at the clock."""

    def test_skewed_clock_fails_job_as_authentication(self) -> None:
        self.stub.add_bucket("alpha", pages=[Page(keys=["a.txt", "dir/b.txt"])])
        self.add_stub_source()
        self.extract()
        self.annotate("/alpha/a.txt", "--description", "before the skew")
        files_before = self.files()
        shown_before = self.show("/alpha/a.txt")
        bucket_before = self.show("/alpha")

        # RequestTime and ServerTime are 20 minutes apart; S3 allows 15.
        self.stub.set_list_buckets(fault=S3Error(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
            extra={
                "RequestTime": "20240501T120000Z",
                "ServerTime": "2024-05-01T12:20:00Z",
                "MaxAllowedSkewMilliseconds": "900000",
            },
        ))
        self.stub.clear_requests()

        result = self.extract(expect_status=1)

        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["error"]["category"], "authentication")
        self.assertIn("RequestTimeTooSkewed", result["error"]["message"])
        explanation = (result["error"]["message"] + " " + result["error"]["hint"]).lower()
        self.assertIn("clock", explanation)
        self.assertEqual(self.stub.requests_for(operation="ListObjectsV2"), [])
        self.assertEqual(len(self.stub.requests_for(operation="ListBuckets")), 1, "a skewed clock is not retried")

        self.assertEqual(self.files(), files_before)
        self.assertEqual(self.show("/alpha/a.txt"), shown_before)
        self.assertEqual(self.show("/alpha"), bucket_before)


class ExpiredSessionTokenTest(StubCatalogTest):
    """Fixed session credentials that expire mid-listing end the job."""

    SESSION_TOKEN = "FQoGZXIvYXdzEXAMPLE/session+token=="

    def add_session_source(self) -> None:
        self.cli(
            "source", "add", SOURCE, "--type", "s3", "--endpoint-url", self.stub.endpoint,
            "--region", "us-east-1", "--path-style",
            "--access-key-id", "ASIAEXAMPLESESSION", "--secret-access-key-stdin", "--session-token-stdin",
            stdin=f"{SECRET}\n{self.SESSION_TOKEN}\n",
            expect_status=0,
        )

    def test_expired_token_with_fixed_credentials_fails_job(self) -> None:
        # First run: every bucket has files that must not drop out later.
        self.stub.add_bucket("big", pages=[Page(keys=["old.txt"])])
        self.stub.add_bucket("cold", pages=[Page(keys=["c.txt"])])
        self.stub.add_bucket("delta", pages=[Page(keys=["d.txt"])])
        self.add_session_source()
        self.extract("--concurrency", "1")

        self.stub.add_bucket("big", pages=[
            Page(keys=numbered_keys("k/%04d", 0, 1000), truncated=True, token="P2"),
            Page(
                keys=numbered_keys("k/%04d", 1000, 2000),
                truncated=True,
                token="P3",
                attempt_faults=[S3Error(400, "ExpiredToken", "The provided token has expired.")],
            ),
            Page(keys=numbered_keys("k/%04d", 2000, 3000)),
        ])
        self.stub.add_bucket("cold", pages=[Page(keys=["c.txt", "c2.txt"])])
        self.stub.add_bucket("delta", pages=[Page(keys=["d.txt", "d2.txt"])])
        self.stub.clear_requests()

        result = self.extract("--concurrency", "1", expect_status=1)

        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["error"]["category"], "authentication")
        big = self.bucket_result(result, "big")
        self.assertEqual(big["status"], "failed")
        self.assertEqual(big["category"], "authentication")

        for request in self.stub.requests:
            self.assertEqual(request.header("x-amz-security-token"), self.SESSION_TOKEN, request.target)
        self.assertEqual(self.listing_tokens("big"), [None, "P2"])
        self.assertEqual(self.listing_requests("cold"), [], "buckets after big must not be listed")
        self.assertEqual(self.listing_requests("delta"), [], "buckets after big must not be listed")

        big_files = self.bucket_files("big")
        self.assertEqual(sorted(big_files), sorted(numbered_keys("k/%04d", 0, 1000) + ["old.txt"]))
        self.assertTrue(self.show("/big/old.txt")["stale"])
        self.assertEqual(sorted(self.bucket_files("cold")), ["c.txt"])
        self.assertEqual(sorted(self.bucket_files("delta")), ["d.txt"])


class StorageClassTest(StubCatalogTest):
    """Storage classes are copied from the listing; no object is read or HEADed."""

    def test_storage_classes_copied_and_missing_left_empty(self) -> None:
        classes = {
            "s.txt": "STANDARD",
            "g.txt": "GLACIER",
            "d.txt": "DEEP_ARCHIVE",
            "i.txt": "GLACIER_IR",
            "ia.txt": "STANDARD_IA",
            "it.txt": "INTELLIGENT_TIERING",
            "none.txt": None,
        }
        self.stub.add_bucket("alpha", pages=[
            Page(keys=[Obj(key, storage_class=storage_class) for key, storage_class in classes.items()]),
        ])
        self.add_stub_source()

        result = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(result["warnings"], [])
        files = self.bucket_files("alpha")
        expected = {key: storage_class or "" for key, storage_class in classes.items()}
        self.assertEqual({key: entry["storage_class"] for key, entry in files.items()}, expected)
        operations = {request.operation for request in self.stub.requests}
        self.assertEqual(operations, {"ListBuckets", "ListObjectsV2"})


class DirectoryBucketTest(StubCatalogTest):
    """An S3 Express One Zone directory bucket: unordered keys, prefixes must end in '/'."""

    BUCKET = "fast--use1-az4--x-s3"

    def add_directory_bucket(self) -> None:
        def directory_rules(request: Any) -> S3Error | Page | None:
            prefix = request.query.get("prefix", "")
            if prefix and not prefix.endswith("/"):
                return S3Error(
                    400,
                    "InvalidArgument",
                    "Prefixes for directory buckets must end in the delimiter '/'",
                    extra={"ArgumentName": "prefix", "ArgumentValue": prefix},
                )
            if prefix == "a/":
                return Page(keys=["a/1", "a/0"])
            if prefix == "" and request.query.get("delimiter") == "/":
                # One level of the bucket: its folders, including mpu/, which
                # only has a multipart upload in progress behind it.
                return Page(keys=[], common_prefixes=["a/", "b/", "c/", "mpu/"])
            return None

        self.stub.add_bucket(self.BUCKET, handler=directory_rules, pages=[
            Page(keys=["b/2", "a/1"], truncated=True, token="D1", common_prefixes=["mpu/"]),
            Page(keys=["c/3", "a/0"]),
        ])

    def test_unordered_keys_catalogued_without_upload_prefix(self) -> None:
        self.add_directory_bucket()
        self.add_stub_source()

        result = self.extract()

        bucket = self.bucket_result(result, self.BUCKET)
        self.assertEqual(bucket["status"], "synced")
        self.assertEqual(bucket["files"], 4)
        self.assertEqual(sorted(self.bucket_files(self.BUCKET)), ["a/0", "a/1", "b/2", "c/3"])
        self.assertEqual(self.show(f"/{self.BUCKET}/a/")["folder"]["file_count"], 2)
        self.cli("show", SOURCE, f"/{self.BUCKET}/mpu/", "--json", expect_status=1)
        self.assertEqual(self.stub.requests_for(operation="GetBucketLocation"), [])

    def test_filter_prefix_listed_through_its_folder(self) -> None:
        """Filter /fast--use1-az4--x-s3/a is listed without ever sending Prefix a.

        A directory bucket rejects a prefix that does not end in '/'. The
        product lists the enclosing folder one level deep (Prefix "" with
        Delimiter /) and then lists each subfolder that starts with the
        filter, so the objects come from a request with Prefix a/.
        """
        self.add_directory_bucket()
        self.add_stub_source("--path-prefix", f"/{self.BUCKET}/a")

        result = self.extract()

        requests = self.listing_requests(self.BUCKET)
        self.assertEqual([request.query.get("prefix", "") for request in requests], ["", "a/"])
        self.assertEqual(requests[0].query.get("delimiter"), "/")
        self.assertEqual(self.bucket_result(result, self.BUCKET)["status"], "synced")
        self.assertEqual(sorted(self.bucket_files(self.BUCKET)), ["a/0", "a/1"])
        self.assertEqual(self.stub.requests_for(operation="GetBucketLocation"), [])


# Huge bucket: keys p/%04d/%07d, so 10,000 keys per folder under p/.
HUGE_KEYS = int(os.environ.get("S3CATALOG_HUGE_KEYS", "2000000"))
BASELINE_KEYS = 20_000
KEYS_PER_FOLDER = 10_000
# Peak RSS of the huge run may exceed that of the 20k-key run by less than this.
# NOTE: the SQLite store sets a 64 MiB page cache (PRAGMA cache_size = -65536),
# which alone could come close to this bound. The growth measured for 2,000,000
# keys was about 40 MiB (from 600,000 keys on it stayed flat), on a 2-core test machine.
RSS_GROWTH_LIMIT_KB = 64 * 1024
HUGE_TIMEOUT_SECONDS = 600


def huge_key(index: int) -> str:
    return "p/%04d/%07d" % (index // KEYS_PER_FOLDER, index)


def huge_pages(total_keys: int) -> GeneratedPages:
    return GeneratedPages(total_keys, huge_key)


def start_extract(env: dict[str, str], directory: Path) -> subprocess.Popen:
    """Start `extract SOURCE --json` with stdout and stderr in files under `directory`."""
    with open(directory / "extract.out", "wb") as stdout, open(directory / "extract.err", "wb") as stderr:
        return subprocess.Popen(
            [s3catalog_binary(), "extract", SOURCE, "--json"],
            env=env,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            cwd=env["HOME"],
        )


def wait_with_peak_rss(process: subprocess.Popen, timeout: float) -> tuple[int, int]:
    """Wait for `process` and return (exit status, peak RSS in KiB) from wait4's rusage."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid == process.pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage.ru_maxrss
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise AssertionError(f"s3catalog extract did not finish within {timeout} s")
        time.sleep(0.05)


def catalog_count(db_path: Path, sql: str, *parameters: Any) -> int:
    """Run a COUNT query on the catalog database, opened read-only."""
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return connection.execute(sql, parameters).fetchone()[0]
    finally:
        connection.close()


def count_files(db_path: Path, bucket: str) -> int:
    return catalog_count(
        db_path, "SELECT COUNT(*) FROM objects WHERE bucket = ? AND present = 1 AND is_marker = 0", bucket
    )


class HugeBucketRun:
    """One extraction of a generated bucket in its own directory, with its peak RSS."""

    def __init__(self, total_keys: int) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="s3catalog-huge-"))
        self.env = build_environment(self.root)
        self.stub = S3Stub().start()
        self.stub.add_bucket("huge", pages=huge_pages(total_keys))
        run_cli(
            ["source", "add", SOURCE, "--type", "s3", "--endpoint-url", self.stub.endpoint, "--region", "us-east-1",
             "--path-style", "--access-key-id", ACCESS_KEY, "--secret-access-key-stdin"],
            self.env,
            stdin=f"{SECRET}\n",
            expect_status=0,
        )
        started = time.monotonic()
        process = start_extract(self.env, self.root)
        self.status, self.peak_rss_kb = wait_with_peak_rss(process, HUGE_TIMEOUT_SECONDS)
        self.seconds = time.monotonic() - started
        self.output = (self.root / "extract.out").read_text("utf-8", "replace")
        self.stderr = (self.root / "extract.err").read_text("utf-8", "replace")

    @property
    def db_path(self) -> Path:
        return self.root / "catalog.db"

    def close(self) -> None:
        self.stub.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class HugeBucketTest(CatalogTestCase):
    """A bucket of S3CATALOG_HUGE_KEYS keys is streamed into the catalog page by page."""

    huge: HugeBucketRun
    baseline: HugeBucketRun

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.baseline = HugeBucketRun(BASELINE_KEYS)
        cls.addClassCleanup(cls.baseline.close)
        cls.huge = HugeBucketRun(HUGE_KEYS)
        cls.addClassCleanup(cls.huge.close)

    def test_huge_bucket_catalogs_every_file(self) -> None:
        run = self.huge
        self.assertEqual(run.status, 0, run.stderr[-4000:])
        result = json.loads(run.output)
        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(result["files_synced"], HUGE_KEYS)
        self.assertEqual(count_files(run.db_path, "huge"), HUGE_KEYS)
        # The generated pages ignore start-after, so the one request that
        # checks for it before a sharded listing gets page 1 again, and the
        # bucket is then listed sequentially.
        listings = run.stub.requests_for("huge", "ListObjectsV2")
        probes = [request for request in listings if "start-after" in request.query]
        self.assertLessEqual(len(probes), 1)
        pages = [request for request in listings if "start-after" not in request.query]
        self.assertEqual(len(pages), math.ceil(HUGE_KEYS / 1000), "each page is requested once")

    def test_huge_bucket_rolls_up_folders(self) -> None:
        run = self.huge
        folder_count = math.ceil(HUGE_KEYS / KEYS_PER_FOLDER)
        self.assertEqual(
            catalog_count(run.db_path, "SELECT COUNT(*) FROM folders WHERE bucket = 'huge' AND parent = 'p/'"),
            folder_count,
        )
        top, _ = run_json(["show", SOURCE, "/huge/p/", "--json"], run.env, expect_status=0)
        self.assertEqual(top["kind"], "folder")
        self.assertEqual(top["folder"]["file_count"], HUGE_KEYS)
        for number in (0, folder_count // 2, folder_count - 1):
            path = "/huge/p/%04d/" % number
            folder, _ = run_json(["show", SOURCE, path, "--json"], run.env, expect_status=0)
            expected = min(KEYS_PER_FOLDER, HUGE_KEYS - number * KEYS_PER_FOLDER)
            self.assertEqual(folder["kind"], "folder", path)
            self.assertEqual(folder["folder"]["file_count"], expected, path)
            self.assertEqual(folder["folder"]["total_bytes"], expected, path)
        run_cli(["show", SOURCE, "/huge/p/%04d/" % folder_count, "--json"], run.env, expect_status=1)

    def test_huge_bucket_peak_memory_bounded(self) -> None:
        self.assertEqual(self.baseline.status, 0, self.baseline.stderr[-4000:])
        self.assertEqual(self.huge.status, 0, self.huge.stderr[-4000:])
        growth = self.huge.peak_rss_kb - self.baseline.peak_rss_kb
        self.assertLess(
            growth,
            RSS_GROWTH_LIMIT_KB,
            f"peak RSS {self.huge.peak_rss_kb} KiB for {HUGE_KEYS} keys against "
            f"{self.baseline.peak_rss_kb} KiB for {BASELINE_KEYS} keys",
        )

    def test_killed_listing_keeps_pages_and_resumes(self) -> None:
        stub = self.start_stub()
        pages = huge_pages(HUGE_KEYS)
        stub.add_bucket("huge", pages=pages)
        # Page 1000, or the middle page of a smaller bucket.
        kill_after_page = min(1000, pages.page_count // 2)
        next_page_requested = threading.Event()

        def watch(request: Any) -> None:
            # The request for the next page shows that every earlier page arrived in full.
            if request.continuation_token == f"gen/{kill_after_page}":
                next_page_requested.set()
            return None

        stub.handler = watch
        self.add_source(SOURCE, stub.endpoint, ACCESS_KEY, SECRET)

        process = start_extract(self.env, self.root)
        try:
            self.assertTrue(next_page_requested.wait(HUGE_TIMEOUT_SECONDS), "the listing never reached the kill page")
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        self.assertEqual(process.returncode, -signal.SIGKILL)

        rows = catalog_count(self.db_path, "SELECT COUNT(*) FROM objects WHERE bucket = 'huge'")
        self.assertGreaterEqual(rows, (kill_after_page - 1) * 1000)

        stub.clear_requests()
        result, _ = self.cli_json("extract", SOURCE, "--json", expect_status=0, timeout=HUGE_TIMEOUT_SECONDS)
        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(result["files_synced"], HUGE_KEYS)
        self.assertEqual(count_files(self.db_path, "huge"), HUGE_KEYS)
        self.assertEqual(catalog_count(self.db_path, "SELECT COUNT(*) FROM objects"), HUGE_KEYS)
        jobs, _ = self.cli_json("jobs", SOURCE, "--json", lines=True, expect_status=0)
        self.assertEqual([job["status"] for job in jobs], ["succeeded", "interrupted"])

        # files --json is in strictly increasing byte order of path, so no path repeats.
        listing = self.root / "files.jsonl"
        with open(listing, "wb") as output:
            subprocess.run(
                [s3catalog_binary(), "files", SOURCE, "--json"],
                env=self.env,
                stdout=output,
                stderr=subprocess.DEVNULL,
                check=True,
                timeout=HUGE_TIMEOUT_SECONDS,
            )
        count = 0
        out_of_order = []
        previous = b""
        with open(listing, "rb") as lines:
            for line in lines:
                path = json.loads(line)["path"].encode("utf-8", "surrogateescape")
                if path <= previous:
                    out_of_order.append(path)
                previous = path
                count += 1
        self.assertEqual(count, HUGE_KEYS)
        self.assertEqual(out_of_order[:10], [], "paths repeated or out of byte order")


if __name__ == "__main__":
    unittest.main()
