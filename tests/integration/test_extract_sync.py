"""What successive extractions change in the catalog, run against moto's server.

Covers filter changes, deleted objects and buckets, failed jobs, pagination
past 1000 keys, keys that need escaping, path filters and the counts in the
job result. Each test starts from an empty moto (one server per class).
"""

from __future__ import annotations

import hashlib
import re
import socket
import unittest
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs

from harness import CatalogTestCase, MotoServer


def put_object_via_form(moto: MotoServer, bucket: str, key: str, body: bytes) -> None:
    """Upload one object with a browser-style POST form, where the key is a form field.

    boto3's put_object sends the key in the URL path, and moto 5.2.1 responds
    with 404 to a path that contains CR or LF. In a POST form the key travels in
    the body, so any key survives.
    """
    post = moto.client("s3").generate_presigned_post(bucket, key)
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in post["fields"].items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + body
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        post["url"],
        data=b"".join(parts),
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    # moto is on loopback, so no proxy may take part.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        if response.status not in (200, 201, 204):
            raise AssertionError(f"POST form upload of {key!r} returned HTTP {response.status}")


def put_objects(moto: MotoServer, bucket: str, objects: dict[str, bytes]) -> None:
    """Put each object, through a POST form when the key contains CR or LF."""
    s3 = moto.client("s3")
    for key, body in objects.items():
        if "\r" in key or "\n" in key:
            put_object_via_form(moto, bucket, key, body)
        else:
            s3.put_object(Bucket=bucket, Key=key, Body=body)


def delete_bucket(moto: MotoServer, bucket: str) -> None:
    s3 = moto.client("s3")
    for entry in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=entry["Key"])
    s3.delete_bucket(Bucket=bucket)


def closed_loopback_port() -> int:
    """Return a loopback port that nothing listens on: bound by the OS, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def md5_hex(body: bytes) -> str:
    return hashlib.md5(body).hexdigest()


class MotoSyncTestCase(CatalogTestCase):
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

    @property
    def s3(self) -> Any:
        return self.moto.client("s3")

    def add_moto_source(self, name: str, *filters: str) -> None:
        extra = []
        for text in filters:
            extra += ["--path-prefix", text]
        self.add_source(name, self.moto.endpoint, "testing", "testing", extra_args=extra)

    def extract(self, source: str, expect_status: int = 0) -> dict[str, Any]:
        result, _ = self.cli_json("extract", source, "--json", expect_status=expect_status)
        return result

    def files(self, source: str, *options: str) -> list[dict[str, Any]]:
        listed, _ = self.cli_json("files", source, *options, "--json", lines=True, expect_status=0)
        return listed

    def paths(self, source: str) -> list[str]:
        return [entry["path"] for entry in self.files(source)]

    def show(self, source: str, path: str) -> dict[str, Any]:
        shown, _ = self.cli_json("show", source, path, "--json", expect_status=0)
        return shown

    def annotate(self, source: str, path: str, description: str) -> dict[str, Any]:
        self.cli(
            "annotate", source, path,
            "--description", description, "--tag", "curated", "--owner", "data-eng",
            expect_status=0,
        )
        return self.show(source, path)["annotation"]

    def listing_queries(self, bucket: str, log_offset: int) -> list[dict[str, list[str]]]:
        """Return the decoded query of each ListObjectsV2 request for `bucket` that moto logged after `log_offset`."""
        pattern = re.compile(r'"GET /' + re.escape(bucket) + r'\?([^ "]*) HTTP/1\.[01]"')
        queries = []
        for match in pattern.finditer(self.moto.log_text()[log_offset:]):
            query = parse_qs(match.group(1), keep_blank_values=True)
            if query.get("list-type") == ["2"]:
                queries.append(query)
        return queries

    def log_offset(self) -> int:
        return len(self.moto.log_text())


class FilterChangeTest(MotoSyncTestCase):
    def test_filter_change_hides_and_restores_annotation(self) -> None:
        self.moto.make_bucket("data", {"keep/a.txt": b"a", "hide/b.txt": b"bb"})
        self.moto.make_bucket("other", {"o.txt": b"o"})
        self.add_moto_source("sync")
        self.extract("sync")
        annotation = self.annotate("sync", "/data/hide/b.txt", "curated file")
        bucket_annotation = self.annotate("sync", "/other", "whole bucket")
        file_before = self.show("sync", "/data/hide/b.txt")["file"]

        self.cli("source", "update", "sync", "--path-prefix", "/data/keep/", expect_status=0)
        hidden_result = self.extract("sync")

        self.assertEqual(hidden_result["status"], "succeeded")
        self.assertEqual(hidden_result["files_removed"], 2)
        self.assertEqual(self.paths("sync"), ["/data/keep/a.txt"])
        hidden = self.show("sync", "/data/hide/b.txt")
        self.assertFalse(hidden["present"])
        self.assertEqual(hidden["annotation"], annotation)
        hidden_bucket = self.show("sync", "/other")
        self.assertFalse(hidden_bucket["present"])
        self.assertEqual(hidden_bucket["annotation"], bucket_annotation)

        self.cli("source", "update", "sync", "--clear-path-prefixes", expect_status=0)
        self.extract("sync")

        self.assertEqual(self.paths("sync"), ["/data/hide/b.txt", "/data/keep/a.txt", "/other/o.txt"])
        back = self.show("sync", "/data/hide/b.txt")
        self.assertTrue(back["present"])
        self.assertEqual(back["annotation"], annotation)
        self.assertEqual(back["file"], file_before)
        back_bucket = self.show("sync", "/other")
        self.assertTrue(back_bucket["present"])
        self.assertEqual(back_bucket["annotation"], bucket_annotation)


class DeletedObjectTest(MotoSyncTestCase):
    def test_deleted_object_leaves_and_returns(self) -> None:
        self.moto.make_bucket("data", {"a.txt": b"a", "b.txt": b"old"})
        self.add_moto_source("sync")
        self.extract("sync")
        annotation = self.annotate("sync", "/data/b.txt", "returns later")
        self.assertEqual(self.show("sync", "/data/b.txt")["file"]["etag"], md5_hex(b"old"))

        self.s3.delete_object(Bucket="data", Key="b.txt")
        removed = self.extract("sync")

        self.assertEqual(removed["files_removed"], 1)
        self.assertEqual(self.paths("sync"), ["/data/a.txt"])
        gone = self.show("sync", "/data/b.txt")
        self.assertFalse(gone["present"])
        self.assertIsNone(gone["file"])
        self.assertEqual(gone["annotation"], annotation)

        new_body = b"new and longer"
        self.s3.put_object(Bucket="data", Key="b.txt", Body=new_body)
        self.extract("sync")

        self.assertEqual(self.paths("sync"), ["/data/a.txt", "/data/b.txt"])
        back = self.show("sync", "/data/b.txt")
        self.assertTrue(back["present"])
        self.assertEqual(back["annotation"], annotation)
        self.assertEqual(back["file"]["size"], len(new_body))
        self.assertEqual(back["file"]["etag"], md5_hex(new_body))


class FailedJobTest(MotoSyncTestCase):
    def seed_and_remove_in_moto(self) -> str:
        """Sync two buckets, then delete one object and one whole bucket in moto; return files JSON."""
        self.moto.make_bucket("data", {"a.txt": b"a", "b.txt": b"bb"})
        self.moto.make_bucket("other", {"c.txt": b"ccc"})
        self.add_moto_source("sync")
        self.extract("sync")
        files_before = self.cli("files", "sync", "--json", expect_status=0).stdout
        self.s3.delete_object(Bucket="data", Key="a.txt")
        delete_bucket(self.moto, "other")
        return files_before

    def test_failed_job_on_closed_port_removes_nothing(self) -> None:
        files_before = self.seed_and_remove_in_moto()
        self.cli(
            "source", "update", "sync", "--endpoint-url", f"http://127.0.0.1:{closed_loopback_port()}",
            expect_status=0,
        )

        result = self.extract("sync", expect_status=1)

        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["error"]["category"], "network")
        self.assertEqual(result["files_removed"], 0)
        self.assertEqual(self.cli("files", "sync", "--json", expect_status=0).stdout, files_before)

        # The same removals do happen once a job succeeds.
        self.cli("source", "update", "sync", "--endpoint-url", self.moto.endpoint, expect_status=0)
        self.assertEqual(self.extract("sync")["files_removed"], 2)
        self.assertEqual(self.paths("sync"), ["/data/b.txt"])

    def test_failed_job_on_bad_credentials_removes_nothing(self) -> None:
        files_before = self.seed_and_remove_in_moto()
        # moto checks signatures from here on, and the source's "testing"
        # keys belong to no IAM user.
        self.moto.enable_auth()

        result = self.extract("sync", expect_status=1)

        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["error"]["category"], "authentication")
        self.assertEqual(result["files_removed"], 0)
        self.assertEqual(self.cli("files", "sync", "--json", expect_status=0).stdout, files_before)


class PaginationTest(MotoSyncTestCase):
    def test_more_than_1000_keys_catalogued_once(self) -> None:
        count = 1100
        keys = [f"part/{index:05d}.bin" for index in range(count)]
        self.moto.make_bucket("big")
        s3 = self.s3
        # One upload thread stored about 50 objects per second in moto on the
        # 2-core test machine; 8 threads took about 6 s.
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda key: s3.put_object(Bucket="big", Key=key, Body=b""), keys))
        self.add_moto_source("sync")
        offset = self.log_offset()

        result = self.extract("sync")

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(result["files_synced"], count)
        self.assertEqual(result["files_added"], count)
        self.assertEqual(result["buckets"][0]["files"], count)
        paths = self.paths("sync")
        self.assertEqual(len(paths), count)
        self.assertEqual(paths, [f"/big/{key}" for key in keys])
        queries = self.listing_queries("big", offset)
        self.assertGreaterEqual(len(queries), 2, "the listing of 1100 keys took one page")
        self.assertNotIn("continuation-token", queries[0])
        self.assertIn("continuation-token", queries[1])


class SpecialKeysTest(MotoSyncTestCase):
    def test_special_keys_are_byte_exact(self) -> None:
        objects = {
            "with space.txt": b"1",
            " leading-space.txt": b"1",
            "trailing-space.txt ": b"12",
            "plus+sign.txt": b"12",
            # A client that form-decodes '+' would merge these two keys.
            "pair+.txt": b"123",
            "pair .txt": b"1234",
            "percent%.txt": b"123",
            "literal%2B.txt": b"1234",
            "caf\u00e9/\u00e9t\u00e9.txt": b"12345",
            "\u65e5\u672c/\u8a9e.txt": b"6",
            "emoji \U0001F600.txt": b"67",
            "ctrl\x01.txt": b"678",
            "line\nfeed.txt": b"6789",
            "cr\r\nlf.txt": b"67890",
            "tab\there.txt": b"a",
            "/rooted.txt": b"ab",
            "a//b.txt": b"abc",
            "//double-rooted.txt": b"abcd",
            "folder/": b"",
            "folder/inside.txt": b"abcde",
            "marker-only/": b"",
        }
        self.moto.make_bucket("special")
        put_objects(self.moto, "special", objects)
        self.add_moto_source("sync")

        result = self.extract("sync")

        expected = {key: body for key, body in objects.items() if not key.endswith("/")}
        self.assertEqual(result["files_synced"], len(expected))
        listed = self.files("sync")
        self.assertEqual(
            sorted(entry["key"] for entry in listed), sorted(expected), "keys differ from what was put"
        )
        for entry in listed:
            with self.subTest(key=entry["key"]):
                self.assertEqual(entry["path"], "/special/" + entry["key"])
                self.assertEqual(entry["size"], len(expected[entry["key"]]))
                self.assertEqual(entry["etag"], md5_hex(expected[entry["key"]]))
        self.assertEqual(
            [entry["path"] for entry in listed],
            sorted((entry["path"] for entry in listed), key=lambda path: path.encode()),
        )

        rooted = self.show("sync", "/special//rooted.txt")
        self.assertEqual(rooted["kind"], "file")
        self.assertTrue(rooted["present"])
        self.assertEqual(rooted["file"]["key"], "/rooted.txt")
        double = self.show("sync", "/special///double-rooted.txt")
        self.assertEqual(double["file"]["key"], "//double-rooted.txt")
        crlf = self.show("sync", "/special/cr\r\nlf.txt")
        self.assertEqual(crlf["file"]["size"], 5)
        marker = self.show("sync", "/special/marker-only/")
        self.assertEqual(marker["kind"], "folder")
        self.assertTrue(marker["present"])
        self.assertEqual(marker["folder"]["file_count"], 0)


class PathFilterTest(MotoSyncTestCase):
    def test_folder_filter_lists_only_that_folder(self) -> None:
        self.moto.make_bucket(
            "tree", {"folder/a.txt": b"a", "folder/sub/b.txt": b"bb", "folderx.txt": b"x", "other/c.txt": b"c"}
        )
        self.add_moto_source("sync", "/tree/folder/")
        offset = self.log_offset()

        result = self.extract("sync")

        self.assertEqual(result["files_synced"], 2)
        self.assertEqual(self.paths("sync"), ["/tree/folder/a.txt", "/tree/folder/sub/b.txt"])
        queries = self.listing_queries("tree", offset)
        self.assertGreaterEqual(len(queries), 1)
        for query in queries:
            self.assertEqual(query.get("prefix"), ["folder/"], f"listing without the folder prefix: {query}")

    def test_prefix_filter_matches_like_s3_prefix(self) -> None:
        self.moto.make_bucket(
            "logs",
            {"app.log": b"1", "apps/x": b"22", "ap": b"3", "zzz/app": b"4", "web.log": b"5"},
        )
        self.add_moto_source("sync", "/logs/app")

        result = self.extract("sync")

        self.assertEqual(result["files_synced"], 2)
        self.assertEqual(self.paths("sync"), ["/logs/app.log", "/logs/apps/x"])

    def test_overlapping_filters_list_each_file_once(self) -> None:
        self.moto.make_bucket("logs", {"app.log": b"1", "apps/x": b"22", "apps/y": b"3", "web.log": b"4"})
        self.moto.make_bucket("tree", {"folder/a.txt": b"a", "other/b.txt": b"b"})
        self.add_moto_source(
            "sync", "/logs/app", "/logs/apps/", "/logs/apps/x", "/tree", "/tree/folder/"
        )
        offset = self.log_offset()

        result = self.extract("sync")

        expected = [
            "/logs/app.log",
            "/logs/apps/x",
            "/logs/apps/y",
            "/tree/folder/a.txt",
            "/tree/other/b.txt",
        ]
        self.assertEqual(result["files_synced"], len(expected))
        self.assertEqual(result["files_added"], len(expected))
        self.assertEqual(
            {bucket["name"]: bucket["files"] for bucket in result["buckets"]}, {"logs": 3, "tree": 2}
        )
        self.assertEqual(self.paths("sync"), expected)
        logs_prefixes = [query.get("prefix", [""])[0] for query in self.listing_queries("logs", offset)]
        self.assertEqual(logs_prefixes, ["app"])
        tree_prefixes = [query.get("prefix", [""])[0] for query in self.listing_queries("tree", offset)]
        self.assertEqual(tree_prefixes, [""])

    def test_filter_on_missing_bucket_warns(self) -> None:
        self.moto.make_bucket("data", {"a.txt": b"a"})
        self.add_moto_source("sync", "/data", "/no-such-bucket/logs/")

        result = self.extract("sync")

        self.assertEqual(result["status"], "succeeded_with_warnings")
        self.assertEqual(result["files_synced"], 1)
        self.assertTrue(
            any("no-such-bucket" in warning for warning in result["warnings"]),
            f"no warning names the missing bucket: {result['warnings']}",
        )
        missing = [bucket for bucket in result["buckets"] if bucket["name"] == "no-such-bucket"]
        self.assertEqual(len(missing), 1)
        self.assertEqual(missing[0]["status"], "skipped")
        self.assertEqual(missing[0]["reason"], "not_found")
        self.assertEqual(self.paths("sync"), ["/data/a.txt"])

    def test_invalid_filter_rejected_without_loss(self) -> None:
        self.moto.make_bucket("data", {"keep/a.txt": b"a", "other/b.txt": b"b"})
        self.add_moto_source("good", "/data/keep/")
        self.extract("good")
        sources_before = self.cli("source", "list", "--json", expect_status=0).stdout
        files_before = self.cli("files", "good", "--json", expect_status=0).stdout

        for text in ("logs/x", "", "/"):
            with self.subTest(filter=text):
                added = self.cli(
                    "source", "add", "bad", "--type", "s3", "--endpoint-url", self.moto.endpoint,
                    "--path-prefix", text,
                )
                self.assertEqual(added.returncode, 2, added.stderr)
                self.assertIn("/bucket/prefix", added.stderr)
                self.assertEqual(added.stdout, "")

                updated = self.cli("source", "update", "good", "--path-prefix", text)
                self.assertEqual(updated.returncode, 2, updated.stderr)
                self.assertIn("/bucket/prefix", updated.stderr)

        self.assertEqual(self.cli("source", "list", "--json", expect_status=0).stdout, sources_before)
        shown, _ = self.cli_json("source", "show", "good", "--json", expect_status=0)
        self.assertEqual(shown["path_prefixes"], ["/data/keep/"])
        self.assertEqual(self.cli("files", "good", "--json", expect_status=0).stdout, files_before)
        self.assertEqual(self.extract("good")["files_removed"], 0)


class SyncCountsTest(MotoSyncTestCase):
    def test_counts_across_successive_runs(self) -> None:
        self.moto.make_bucket("data", {"a.txt": b"a", "b.txt": b"b", "c.txt": b"c"})
        self.add_moto_source("sync")

        first = self.extract("sync")
        self.assertEqual(
            (first["files_synced"], first["files_added"], first["files_updated"], first["files_removed"]),
            (3, 3, 0, 0),
        )

        self.s3.put_object(Bucket="data", Key="d.txt", Body=b"d")
        self.s3.put_object(Bucket="data", Key="b.txt", Body=b"b, rewritten")
        self.s3.delete_object(Bucket="data", Key="c.txt")
        second = self.extract("sync")
        self.assertEqual(
            (second["files_synced"], second["files_added"], second["files_updated"], second["files_removed"]),
            (3, 1, 1, 1),
        )
        self.assertIn("1 added, 1 updated, 1 removed", second["summary"])

        third = self.extract("sync")
        self.assertEqual(
            (third["files_synced"], third["files_added"], third["files_updated"], third["files_removed"]),
            (3, 0, 0, 0),
        )
        self.assertEqual(self.paths("sync"), ["/data/a.txt", "/data/b.txt", "/data/d.txt"])


class DeletedBucketTest(MotoSyncTestCase):
    def test_deleted_bucket_leaves_and_keeps_annotations(self) -> None:
        self.moto.make_bucket("stay", {"s.txt": b"s"})
        self.moto.make_bucket("doomed", {"x.txt": b"x", "y/z.txt": b"zz"})
        self.add_moto_source("sync")
        self.extract("sync")
        annotations = {
            path: self.annotate("sync", path, f"notes on {path}")
            for path in ("/doomed", "/doomed/y/", "/doomed/x.txt")
        }

        delete_bucket(self.moto, "doomed")
        result = self.extract("sync")

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(result["files_removed"], 2)
        self.assertEqual(self.paths("sync"), ["/stay/s.txt"])
        self.assertEqual(self.files("sync", "--prefix", "/doomed"), [])
        for path, annotation in annotations.items():
            with self.subTest(path=path):
                shown = self.show("sync", path)
                self.assertFalse(shown["present"])
                self.assertEqual(shown["annotation"], annotation)
        self.assertEqual(self.cli("show", "sync", "/doomed/y/z.txt").returncode, 1)

        self.moto.make_bucket("doomed", {"x.txt": b"x"})
        self.extract("sync")

        back = self.show("sync", "/doomed/x.txt")
        self.assertTrue(back["present"])
        self.assertEqual(back["annotation"], annotations["/doomed/x.txt"])
        bucket = self.show("sync", "/doomed")
        self.assertTrue(bucket["present"])
        self.assertEqual(bucket["annotation"], annotations["/doomed"])


class ZeroFileJobTest(MotoSyncTestCase):
    def test_zero_file_summary_names_filters(self) -> None:
        self.moto.make_bucket("data", {"a.txt": b"a"})
        self.add_moto_source("sync", "/data/nothing-here/", "/data/nope")

        result = self.extract("sync")

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(result["files_synced"], 0)
        self.assertIn("/data/nothing-here/", result["summary"])
        self.assertIn("/data/nope", result["summary"])
        self.assertEqual(self.files("sync"), [])


if __name__ == "__main__":
    unittest.main()
