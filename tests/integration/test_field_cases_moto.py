"""S3 listing hazards seen in the field, reproduced on moto's server.

One test per case: control characters in keys, folder markers and zero-byte
files, an empty bucket, keys that a delimiter would group, a versioned bucket
with delete markers, and archive storage classes. The product lists flat
(no delimiter), so each test asserts what ends up in the catalog.
"""

from __future__ import annotations

import hashlib
import re
import unittest
from typing import Any

from harness import CatalogTestCase, MotoServer
from test_extract_sync import put_objects


def md5_hex(body: bytes) -> str:
    return hashlib.md5(body).hexdigest()


class FieldCasesMotoTest(CatalogTestCase):
    """One moto server for the class; every test starts with moto emptied."""

    moto: MotoServer

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.moto = MotoServer().start()
        cls.addClassCleanup(cls.moto.stop)

    def setUp(self) -> None:
        super().setUp()
        self.moto.reset()
        self.add_source("field", self.moto.endpoint, "testing", "testing")

    def extract(self) -> dict[str, Any]:
        result, _ = self.cli_json("extract", "field", "--json", expect_status=0)
        return result

    def files(self) -> list[dict[str, Any]]:
        listed, _ = self.cli_json("files", "field", "--json", lines=True, expect_status=0)
        return listed

    def show(self, path: str) -> dict[str, Any]:
        shown, _ = self.cli_json("show", "field", path, "--json", expect_status=0)
        return shown

    def test_control_characters_in_keys(self) -> None:
        objects = {
            "\x01": b"1",
            "a\nb.txt": b"22",
            "c\r\nd.txt": b"333",
            "tab\there.txt": b"4444",
            "ok.txt": b"55555",
        }
        self.moto.make_bucket("alpha")
        put_objects(self.moto, "alpha", objects)

        result = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(result["files_synced"], 5)
        listed = self.files()
        self.assertEqual({entry["key"]: entry["size"] for entry in listed}, {
            key: len(body) for key, body in objects.items()
        })
        crlf = [entry["key"] for entry in listed if entry["key"].startswith("c")]
        self.assertEqual([key.encode() for key in crlf], [b"c\x0d\x0ad.txt"])
        self.assertEqual(self.show("/alpha/c\r\nd.txt")["file"]["size"], 3)
        self.assertEqual(self.show("/alpha/\x01")["file"]["size"], 1)

    def test_folder_markers_and_zero_byte_files(self) -> None:
        self.moto.make_bucket("gamma", {
            "reports/": b"",
            "reports/q1.csv": b"0123456789",
            "empty/": b"",
            "zero.txt": b"",
            "tbl/part=0_$folder$": b"",
        })

        result = self.extract()

        self.assertEqual(result["files_synced"], 3)
        listed = self.files()
        self.assertEqual(
            [entry["key"] for entry in listed], ["reports/q1.csv", "tbl/part=0_$folder$", "zero.txt"]
        )
        sizes = {entry["key"]: entry["size"] for entry in listed}
        self.assertEqual(sizes, {"reports/q1.csv": 10, "tbl/part=0_$folder$": 0, "zero.txt": 0})
        for path in ("/gamma/reports/", "/gamma/empty/", "/gamma/tbl/"):
            with self.subTest(path=path):
                folder = self.show(path)
                self.assertEqual(folder["kind"], "folder")
                self.assertTrue(folder["present"])
        self.assertEqual(self.show("/gamma/reports/")["folder"]["file_count"], 1)
        self.assertEqual(self.show("/gamma/reports/")["folder"]["total_bytes"], 10)
        self.assertEqual(self.show("/gamma/empty/")["folder"]["file_count"], 0)
        missing = self.cli("show", "field", "/gamma/tbl/part=0/", "--json")
        self.assertEqual(missing.returncode, 1, missing.stdout)
        self.assertEqual(missing.stdout, "")

    def test_empty_bucket(self) -> None:
        self.moto.make_bucket("void")

        result = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertIsNone(result["error"])
        self.assertEqual(len(result["buckets"]), 1)
        bucket = result["buckets"][0]
        self.assertEqual(bucket["name"], "void")
        self.assertEqual(bucket["status"], "synced")
        self.assertIsNone(bucket["reason"])
        self.assertIsNone(bucket["category"])
        self.assertEqual(bucket["files"], 0)
        self.assertEqual(self.files(), [])
        shown = self.show("/void")
        self.assertEqual(shown["kind"], "bucket")
        self.assertTrue(shown["present"])

    def test_delimiter_grouping_keys_listed_flat(self) -> None:
        self.moto.make_bucket(
            "alpha", {"d1/f": b"1", "d2/f": b"2", "d3/f": b"3", "d4/f": b"4", "top.txt": b"5"}
        )

        result = self.extract()

        self.assertEqual(result["files_synced"], 5)
        self.assertEqual(
            [entry["path"] for entry in self.files()],
            ["/alpha/d1/f", "/alpha/d2/f", "/alpha/d3/f", "/alpha/d4/f", "/alpha/top.txt"],
        )
        for folder in ("d1", "d2", "d3", "d4"):
            with self.subTest(folder=folder):
                shown = self.show(f"/alpha/{folder}/")
                self.assertEqual(shown["kind"], "folder")
                self.assertTrue(shown["present"])
                self.assertEqual(shown["folder"]["file_count"], 1)

    def test_versioned_bucket_with_delete_markers(self) -> None:
        s3 = self.moto.client("s3")
        self.moto.make_bucket("versioned")
        s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket="versioned", Key="keep.txt", Body=b"1")
        s3.put_object(Bucket="versioned", Key="gone/a.txt", Body=b"22")
        s3.put_object(Bucket="versioned", Key="re.txt", Body=b"333")
        self.extract()
        annotations = {}
        for path in ("/versioned/keep.txt", "/versioned/gone/a.txt", "/versioned/re.txt"):
            self.cli("annotate", "field", path, "--description", f"about {path}", expect_status=0)
            annotations[path] = self.show(path)["annotation"]

        s3.delete_object(Bucket="versioned", Key="gone/a.txt")
        marker = s3.delete_object(Bucket="versioned", Key="re.txt")
        self.assertTrue(marker["DeleteMarker"])
        s3.delete_object(Bucket="versioned", Key="re.txt", VersionId=marker["VersionId"])
        result = self.extract()

        self.assertEqual(result["files_synced"], 2)
        self.assertEqual(result["files_removed"], 1)
        self.assertEqual([entry["key"] for entry in self.files()], ["keep.txt", "re.txt"])
        gone = self.show("/versioned/gone/a.txt")
        self.assertFalse(gone["present"])
        self.assertEqual(gone["annotation"], annotations["/versioned/gone/a.txt"])
        self.assertEqual(self.show("/versioned/re.txt")["annotation"], annotations["/versioned/re.txt"])
        self.assertEqual(self.show("/versioned/re.txt")["file"]["size"], 3)
        no_folder = self.cli("show", "field", "/versioned/gone/", "--json")
        self.assertEqual(no_folder.returncode, 1, no_folder.stdout)

        old_etag = md5_hex(b"22")
        s3.put_object(Bucket="versioned", Key="gone/a.txt", Body=b"55555")
        self.extract()

        back = self.show("/versioned/gone/a.txt")
        self.assertTrue(back["present"])
        self.assertEqual(back["annotation"], annotations["/versioned/gone/a.txt"])
        self.assertEqual(back["file"]["size"], 5)
        self.assertEqual(back["file"]["etag"], md5_hex(b"55555"))
        self.assertNotEqual(back["file"]["etag"], old_etag)

    def test_storage_classes(self) -> None:
        classes = {
            "s.txt": "STANDARD",
            "g.txt": "GLACIER",
            "d.txt": "DEEP_ARCHIVE",
            "i.txt": "GLACIER_IR",
            "ia.txt": "STANDARD_IA",
            "it.txt": "INTELLIGENT_TIERING",
        }
        self.moto.make_bucket(
            "classes", {key: (b"x", {"StorageClass": value}) for key, value in classes.items()}
        )
        log_offset = len(self.moto.log_text())

        result = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertIsNone(result["error"])
        self.assertEqual(result["warnings"], [])
        self.assertEqual(result["files_synced"], 6)
        self.assertEqual({entry["key"]: entry["storage_class"] for entry in self.files()}, classes)
        # Reading an archived object fails with InvalidObjectState, so the job
        # must never send GetObject or HeadObject.
        object_requests = re.findall(r'"(?:GET|HEAD) /classes/[^"]*"', self.moto.log_text()[log_offset:])
        self.assertEqual(object_requests, [])
        self.assertIn("GET /classes?", self.moto.log_text()[log_offset:])


if __name__ == "__main__":
    unittest.main()
