"""Sharded listing against the scripted S3 stub: every key once, ranges in parallel, throttling.

Each test runs `s3catalog extract` against an S3Stub bucket whose objects the
stub paginates like S3 (prefix, delimiter, start-after and max-keys applied),
with a small page size so that the listing has many pages and is split into
key ranges. The key sets come from fixed seeds, so a failure repeats.
"""

from __future__ import annotations

import random
import re
import sqlite3
import threading
import unittest
from typing import Any

from harness import CatalogTestCase, S3Error, Stall

SOURCE = "stub"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
PAGE_SIZE = "100"

UNICODE_PIECES = ["a", "z", "Z", "0", "9", "-", "_", ".", " ", "é", "ß", "日本", "€", "😀", "Ω", "~", "/"]


def unicode_keys(rng: random.Random, count: int) -> list[str]:
    keys = set()
    while len(keys) < count:
        keys.add("".join(rng.choice(UNICODE_PIECES) for _ in range(rng.randint(1, 12))))
    return sorted(keys)


def slash_heavy_keys(rng: random.Random, count: int) -> list[str]:
    """Keys with "//", leading and trailing "/", and folder markers."""
    keys = set()
    while len(keys) < count:
        depth = rng.randint(1, 5)
        parts = [rng.choice(["", "a", "b", "logs", "x" * rng.randint(1, 3), str(rng.randint(0, 99))])
                 for _ in range(depth)]
        key = "/".join(parts)
        if rng.random() < 0.2:
            key += "/"
        if key:
            keys.add(key)
    return sorted(keys)


def flat_keys(rng: random.Random, count: int) -> list[str]:
    keys = set()
    while len(keys) < count:
        keys.add("%012x" % rng.getrandbits(48))
    return sorted(keys)


def skewed_keys(rng: random.Random, count: int) -> list[str]:
    """95% of the keys under one prefix, the rest spread over the alphabet."""
    keys = set()
    while len(keys) < count:
        if rng.random() < 0.95:
            keys.add("hot/%07d.log" % rng.randint(0, 9_999_999))
        else:
            keys.add("%s/%05d" % (rng.choice("abcdefghijklmnopqrstuvwxyz"), rng.randint(0, 99_999)))
    return sorted(keys)


def prefix_chain_keys(rng: random.Random, count: int) -> list[str]:
    """Keys that are prefixes of other keys, and folder markers next to files."""
    keys = set()
    while len(keys) < count:
        stem = "".join(rng.choice("ab/0") for _ in range(rng.randint(1, 10)))
        for cut in range(1, len(stem) + 1):
            keys.add(stem[:cut])
        keys.add(stem + "/")
    return sorted(keys)


# (name, generator, seed, key count)
KEY_SETS = [
    ("unicode", unicode_keys, 11, 8_000),
    ("slash_heavy", slash_heavy_keys, 12, 6_000),
    ("flat", flat_keys, 13, 20_000),
    ("skewed", skewed_keys, 14, 12_000),
    ("prefix_chain", prefix_chain_keys, 15, 5_000),
]


class ShardedListingTest(CatalogTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.stub = self.start_stub()

    def add_stub_source(self, *extra_args: str) -> None:
        self.add_source(SOURCE, self.stub.endpoint, ACCESS_KEY, SECRET, extra_args=extra_args)

    def extract(self, *args: str, expect_status: int = 0) -> tuple[dict[str, Any], str]:
        """Run `extract SOURCE --json` with small pages; return the result and stderr."""
        result, process = self.cli_json(
            "extract", SOURCE, "--json", "--page-size", PAGE_SIZE, *args, expect_status=expect_status, timeout=300
        )
        return result, process.stderr

    def present_keys(self, bucket: str) -> list[str]:
        """Keys present in the catalog, folder markers included, in byte order."""
        connection = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            rows = connection.execute(
                "SELECT key FROM objects WHERE bucket = ? AND present = 1", (bucket,)
            ).fetchall()
        finally:
            connection.close()
        return sorted((row[0] for row in rows), key=lambda key: key.encode("utf-8", "surrogateescape"))

    def range_starts(self, bucket: str) -> set[str]:
        """The start-after values of the flat (no delimiter) listing requests of one bucket."""
        return {
            request.query["start-after"]
            for request in self.stub.requests_for(bucket, "ListObjectsV2")
            if "start-after" in request.query and "delimiter" not in request.query
        }

    def assert_listed_exactly(self, bucket: str, keys: list[str], stderr: str) -> None:
        """Assert the catalog contains exactly `keys` for the bucket, each listed once."""
        expected = sorted(keys, key=lambda key: key.encode("utf-8", "surrogateescape"))
        present = self.present_keys(bucket)
        missing = sorted(set(expected) - set(present))
        extra = sorted(set(present) - set(expected))
        self.assertEqual(missing[:10], [], f"{len(missing)} keys missing")
        self.assertEqual(extra[:10], [], f"{len(extra)} keys that the bucket does not hold")
        self.assertEqual(present, expected)
        # Each page keeps only keys of its own range, so the objects written
        # equal the keys when none was listed twice.
        listed = re.search(rf"bucket {bucket} synced, \d+ files?, (\d+) objects? listed", stderr)
        self.assertIsNotNone(listed, stderr[-2000:])
        self.assertEqual(int(listed.group(1)), len(expected), "some key was listed more than once")

    def test_key_sets_equal_sequential_listing(self) -> None:
        key_sets = {name.replace("_", "-"): generate(random.Random(seed), count)
                    for name, generate, seed, count in KEY_SETS}
        for bucket, keys in key_sets.items():
            self.stub.add_bucket(bucket, objects=keys)
        self.add_stub_source()

        result, stderr = self.extract("--concurrency", "2")

        self.assertEqual(result["status"], "succeeded", result)
        files = sum(1 for keys in key_sets.values() for key in keys if not key.endswith("/"))
        self.assertEqual(result["files_synced"], files)
        for bucket, keys in key_sets.items():
            with self.subTest(bucket=bucket):
                self.assert_listed_exactly(bucket, keys, stderr)
                self.assertGreater(len(self.range_starts(bucket)), 1, "the listing was not split into ranges")
                self.assertRegex(stderr, rf"bucket {bucket}: listed in \d+ key ranges")

    def test_sequential_listing_gives_same_catalog(self) -> None:
        keys = skewed_keys(random.Random(21), 6_000)
        self.stub.add_bucket("seq", objects=keys)
        self.add_stub_source()

        result, stderr = self.extract("--max-requests", "1")

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(result["files_synced"], sum(1 for key in keys if not key.endswith("/")))
        self.assert_listed_exactly("seq", keys, stderr)
        self.assertEqual(self.range_starts("seq"), set(), "--max-requests 1 lists sequentially")

    def test_prefix_filter_applies_to_every_range(self) -> None:
        keys = slash_heavy_keys(random.Random(31), 6_000) + ["logs", "logs0", "logsx/y", "log"]
        self.stub.add_bucket("filtered", objects=keys)
        self.add_stub_source("--path-prefix", "/filtered/logs/")

        result, stderr = self.extract()

        self.assertEqual(result["status"], "succeeded")
        expected = sorted((key for key in keys if key.startswith("logs/")),
                          key=lambda key: key.encode("utf-8", "surrogateescape"))
        self.assertEqual(self.present_keys("filtered"), expected)
        for request in self.stub.requests_for("filtered", "ListObjectsV2"):
            self.assertEqual(request.query.get("prefix"), "logs/")
        self.assertGreater(len(self.range_starts("filtered")), 1)

    def test_reconciliation_removes_only_deleted_keys(self) -> None:
        keys = flat_keys(random.Random(41), 8_000)
        self.stub.add_bucket("sync", objects=keys)
        self.add_stub_source()
        self.extract()

        rng = random.Random(42)
        deleted = set(rng.sample(keys, 300))
        remaining = [key for key in keys if key not in deleted]
        added = ["%012x" % rng.getrandbits(48) + "-new" for _ in range(200)]
        self.stub.add_bucket("sync", objects=remaining + added)
        self.stub.clear_requests()

        result, _ = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(result["files_removed"], len(deleted))
        self.assertEqual(result["files_added"], len(added))
        expected = sorted(remaining + added, key=lambda key: key.encode("utf-8", "surrogateescape"))
        self.assertEqual(self.present_keys("sync"), expected)
        self.assertGreater(len(self.range_starts("sync")), 1)

    def test_failed_range_fails_bucket(self) -> None:
        keys = flat_keys(random.Random(51), 6_000)
        self.stub.add_bucket("broken", objects=keys)
        self.stub.add_bucket("fine", objects=["one", "two"])
        self.add_stub_source()

        # A range that starts far into the key space gets 403 on every attempt.
        def deny_late_ranges(request: Any) -> Any:
            start_after = request.query.get("start-after", "")
            if request.bucket == "broken" and start_after > keys[3000] and "delimiter" not in request.query:
                return S3Error(403, "AccessDenied", "Access Denied")
            return None

        self.stub.handler = deny_late_ranges
        result, _ = self.extract(expect_status=0)

        self.assertEqual(result["status"], "succeeded_with_warnings")
        broken = [bucket for bucket in result["buckets"] if bucket["name"] == "broken"][0]
        self.assertEqual(broken["status"], "failed")
        self.assertEqual(broken["category"], "permissions")
        fine = [bucket for bucket in result["buckets"] if bucket["name"] == "fine"][0]
        self.assertEqual(fine["status"], "synced")
        present = set(self.present_keys("broken"))
        self.assertTrue(set(keys[:100]) <= present, "the first page, listed before the failure, is kept")

    def test_throttling_lowers_and_restores_limit(self) -> None:
        keys = flat_keys(random.Random(61), 15_000)
        self.stub.add_bucket("busy", objects=keys)
        self.add_stub_source()

        # Every 7th ListObjectsV2 request among the first 120 gets 503 SlowDown;
        # the client retries it, so the listing still completes.
        counter = {"count": 0}
        lock = threading.Lock()

        def slow_down(request: Any) -> Any:
            if request.operation != "ListObjectsV2":
                return None
            with lock:
                counter["count"] += 1
                number = counter["count"]
            if number <= 120 and number % 7 == 0:
                return S3Error(503, "SlowDown", "Please reduce your request rate.")
            return None

        self.stub.handler = slow_down
        result, stderr = self.extract("--max-requests", "8")

        self.assertEqual(result["status"], "succeeded", result)
        self.assert_listed_exactly("busy", keys, stderr)
        lowered = re.findall(r"request limit lowered from (\d+) to (\d+)", stderr)
        raised = re.findall(r"request limit raised from (\d+) to (\d+)", stderr)
        self.assertTrue(lowered, stderr[-3000:])
        self.assertTrue(raised, stderr[-3000:])
        for old, new in lowered:
            self.assertEqual(int(new), max(1, int(old) // 2))
        for old, new in raised:
            self.assertEqual(int(new), int(old) + 1)

    def test_requests_overlap_with_latency(self) -> None:
        keys = flat_keys(random.Random(71), 6_000)
        self.stub.add_bucket("remote", objects=keys)
        self.add_stub_source()
        # Each listing request waits 30 ms before its response.
        self.stub.handler = lambda request: Stall(0.03) if request.operation == "ListObjectsV2" else None
        self.stub.clear_requests()

        result, stderr = self.extract("--max-requests", "6")

        self.assertEqual(result["status"], "succeeded")
        self.assert_listed_exactly("remote", keys, stderr)
        self.assertGreater(self.stub.peak_in_flight, 1, "no two listing requests were in flight at once")
        self.assertLessEqual(self.stub.peak_in_flight, 6, "more requests in flight than --max-requests")
        # Every request waited 30 ms, so the listing used every request allowed.
        self.assertRegex(stderr, r"bucket remote: listing key ranges with 6 workers")

    def test_first_page_of_range_is_short(self) -> None:
        keys = flat_keys(random.Random(81), 8_000)
        self.stub.add_bucket("probed", objects=keys)
        self.add_stub_source()

        result, stderr = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assert_listed_exactly("probed", keys, stderr)
        # A range starts with a tenth of a page, then continues with full
        # pages after the last key of that first page.
        flat = [request.query for request in self.stub.requests_for("probed", "ListObjectsV2")
                if "start-after" in request.query and "delimiter" not in request.query]
        short = [query for query in flat if query.get("max-keys") == "10"]
        full = [query for query in flat if query.get("max-keys") == PAGE_SIZE]
        self.assertGreater(len(short), 1, "no range started with a short first page")
        self.assertGreater(len(full), 1, "no range continued with full pages")
        self.assertEqual(len(short) + len(full), len(flat))


if __name__ == "__main__":
    unittest.main()
