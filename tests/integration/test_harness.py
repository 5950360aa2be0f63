"""Self-tests of the integration harness: moto launcher, S3 stub, TLS and CLI runner.

These do not run s3catalog itself. They check that the tools the product
tests rely on behave as documented in README.md.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import botocore.exceptions
from botocore.exceptions import ClientError

from harness import (
    CatalogTestCase,
    CliError,
    CloseConnection,
    GeneratedPages,
    MotoServer,
    Obj,
    Page,
    RawReply,
    ResetConnection,
    S3Error,
    S3Stub,
    Stall,
    TruncateBody,
    build_environment,
    run_cli,
    run_json,
    shared_certificates,
)
from harness.clients import make_client
from harness.env import isolated_child_environment

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def list_bucket_policy(*buckets: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}" for bucket in buckets],
            }
        ],
    }


def error_code(error: ClientError) -> str:
    return error.response["Error"]["Code"]


def run_curl(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[bytes]:
    """Run curl with no proxy and a bounded time, and return the finished process."""
    if shutil.which("curl") is None:
        raise unittest.SkipTest("the curl command is not installed (apt-get install curl)")
    return subprocess.run(
        ["curl", "--silent", "--show-error", "--noproxy", "*", "--max-time", "10", *args],
        capture_output=True,
        env=isolated_child_environment(),
        timeout=timeout,
    )


def raw_get(port: int, target: str, headers: dict[str, str] | None = None, timeout: float = 10):
    """Send one GET to 127.0.0.1:port and return (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def listed_keys(body: bytes) -> list[str]:
    root = ElementTree.fromstring(body)
    return [element.text or "" for element in root.iter(f"{S3_NS}Key")]


class MotoServerLifecycleTest(unittest.TestCase):
    def test_start_serves_and_stop_ends_process(self) -> None:
        server = MotoServer().start()
        try:
            pid = server.pid
            port = server.port
            self.assertTrue(server.endpoint.startswith("http://127.0.0.1:"))
            buckets = server.client("s3").list_buckets()["Buckets"]
            self.assertEqual(buckets, [])
        finally:
            server.stop()

        self.assertIsNone(server.pid)
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()


class MotoQueryFixTest(unittest.TestCase):
    def test_unpatched_moto_rejects_slash_query(self) -> None:
        # Shows that the launcher's patch is what makes the listing with
        # Prefix="a/" pass. If a newer moto accepts it unpatched, this fails
        # and the patch can go.
        with MotoServer(query_fix=False) as server:
            server.make_bucket("alpha", {"a/1": b"1"})
            key, secret = server.create_user("reader", list_bucket_policy("alpha"))
            server.enable_auth()
            s3 = server.client("s3", key, secret)

            plain = s3.list_objects_v2(Bucket="alpha")
            with self.assertRaises(ClientError) as caught:
                s3.list_objects_v2(Bucket="alpha", Prefix="a/", Delimiter="/")

        self.assertEqual(plain["KeyCount"], 1)
        self.assertEqual(error_code(caught.exception), "SignatureDoesNotMatch")


class MotoServerTest(unittest.TestCase):
    """Tests sharing one moto process. tearDown resets its state and turns auth off."""

    moto: MotoServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.moto = MotoServer().start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.moto.stop()

    def tearDown(self) -> None:
        self.moto.reset()

    def test_make_bucket_puts_objects(self) -> None:
        self.moto.make_bucket(
            "alpha",
            {"a/1.txt": b"x", "cold.txt": (b"yy", {"StorageClass": "GLACIER"})},
        )

        listing = self.moto.client("s3").list_objects_v2(Bucket="alpha")["Contents"]

        self.assertEqual([entry["Key"] for entry in listing], ["a/1.txt", "cold.txt"])
        self.assertEqual([entry["Size"] for entry in listing], [1, 2])
        self.assertEqual(listing[1]["StorageClass"], "GLACIER")

    def test_signed_listing_with_slash_in_query(self) -> None:
        self.moto.make_bucket("alpha", {"a/1": b"1", "a/b/2": b"2", "é/3": b"3", "top": b"4"})
        key, secret = self.moto.create_user("reader", list_bucket_policy("alpha"))
        self.moto.enable_auth()
        s3 = self.moto.client("s3", key, secret)

        grouped = s3.list_objects_v2(Bucket="alpha", Prefix="a/", Delimiter="/")
        after = s3.list_objects_v2(Bucket="alpha", StartAfter="a/b/2")
        non_ascii = s3.list_objects_v2(Bucket="alpha", Prefix="é/")

        self.assertEqual([entry["Key"] for entry in grouped["Contents"]], ["a/1"])
        self.assertEqual([entry["Prefix"] for entry in grouped["CommonPrefixes"]], ["a/b/"])
        self.assertEqual([entry["Key"] for entry in after["Contents"]], ["top", "é/3"])
        self.assertEqual([entry["Key"] for entry in non_ascii["Contents"]], ["é/3"])

    def test_signed_request_with_special_key(self) -> None:
        key_name = "dir/a b+é%.txt"
        self.moto.make_bucket("alpha", {key_name: b"123"})
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::alpha/*"}],
        }
        key, secret = self.moto.create_user("reader", policy)
        self.moto.enable_auth()

        head = self.moto.client("s3", key, secret).head_object(Bucket="alpha", Key=key_name)

        self.assertEqual(head["ContentLength"], 3)

    def test_wrong_secret_still_rejected(self) -> None:
        self.moto.make_bucket("alpha", {"a/1": b"1"})
        key, _ = self.moto.create_user("reader", list_bucket_policy("alpha"))
        self.moto.enable_auth()
        s3 = self.moto.client("s3", key, "not-the-secret")

        with self.assertRaises(ClientError) as caught:
            s3.list_objects_v2(Bucket="alpha", Prefix="a/", Delimiter="/")

        self.assertEqual(error_code(caught.exception), "SignatureDoesNotMatch")

    def test_unknown_key_rejected(self) -> None:
        self.moto.make_bucket("alpha", {})
        self.moto.enable_auth()
        s3 = self.moto.client("s3", "AKIAUNKNOWNKEY000000", "secret")

        with self.assertRaises(ClientError) as caught:
            s3.list_objects_v2(Bucket="alpha")

        self.assertEqual(error_code(caught.exception), "InvalidAccessKeyId")

    def test_denied_user_gets_access_denied(self) -> None:
        self.moto.make_bucket("alpha", {"a": b"1"})
        self.moto.make_bucket("secret", {"s": b"1"})
        key, secret = self.moto.create_user("reader", list_bucket_policy("alpha"))
        self.moto.enable_auth()
        s3 = self.moto.client("s3", key, secret)

        allowed = s3.list_objects_v2(Bucket="alpha")
        with self.assertRaises(ClientError) as caught:
            s3.list_objects_v2(Bucket="secret")

        self.assertEqual(allowed["KeyCount"], 1)
        self.assertEqual(error_code(caught.exception), "AccessDenied")

    def test_managed_policy_user_can_list(self) -> None:
        self.moto.make_bucket("alpha", {"a": b"1"})
        key, secret = self.moto.create_user("reader", list_bucket_policy("alpha"), managed=True)
        self.moto.enable_auth()

        listing = self.moto.client("s3", key, secret).list_objects_v2(Bucket="alpha")

        self.assertEqual(listing["KeyCount"], 1)

    def test_assumed_role_credentials_list(self) -> None:
        self.moto.make_bucket("alpha", {"a": b"1"})
        assume_policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
        }
        key, secret = self.moto.create_user("caller", assume_policy)
        role_arn = self.moto.create_role(
            "lister", list_bucket_policy("alpha"), self.moto.user_arn("caller"), external_id="ext-1"
        )
        self.moto.enable_auth()

        sts = self.moto.client("sts", key, secret)
        credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="harness", ExternalId="ext-1")[
            "Credentials"
        ]
        s3 = self.moto.client(
            "s3",
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            credentials["SessionToken"],
        )

        self.assertEqual(s3.list_objects_v2(Bucket="alpha", Prefix="a")["KeyCount"], 1)

    def test_helpers_work_after_enable_auth(self) -> None:
        self.moto.enable_auth()

        self.moto.make_bucket("late", {"k": b"1"})

        listing = self.moto.client("s3").list_objects_v2(Bucket="late")
        self.assertEqual(listing["KeyCount"], 1)

    def test_reset_clears_buckets_and_auth(self) -> None:
        self.moto.make_bucket("alpha", {"a": b"1"})
        self.moto.enable_auth()

        self.moto.reset()

        s3 = self.moto.client("s3", "any-key", "any-secret")
        self.assertEqual(s3.list_buckets()["Buckets"], [])


class S3StubTest(unittest.TestCase):
    def setUp(self) -> None:
        self.stub = S3Stub().start()
        self.addCleanup(self.stub.stop)

    def client(self, region: str = "us-east-1"):
        return make_client(
            "s3", self.stub.endpoint, "AKIDSTUBEXAMPLE", "secret", region=region, max_attempts=1
        )

    def test_pages_follow_tokens(self) -> None:
        self.stub.add_bucket(
            "holes",
            pages=[
                Page(keys=["a", "b", "c"], truncated=True, token="T1"),
                Page(keys=[], truncated=True, token="T2"),
                Page(keys=["d", Obj("e", size=5, storage_class=None)]),
            ],
        )

        keys = []
        sizes = []
        for page in self.client().get_paginator("list_objects_v2").paginate(Bucket="holes"):
            keys += [entry["Key"] for entry in page.get("Contents", [])]
            sizes += [entry["Size"] for entry in page.get("Contents", [])]

        self.assertEqual(keys, ["a", "b", "c", "d", "e"])
        self.assertEqual(sizes, [1, 1, 1, 1, 5])
        requests = self.stub.requests_for("holes", "ListObjectsV2")
        self.assertEqual([request.continuation_token for request in requests], [None, "T1", "T2"])

    def test_records_query_headers_and_scope(self) -> None:
        self.stub.add_bucket("alpha", objects=["a/1"])

        self.client(region="eu-west-2").list_objects_v2(Bucket="alpha", Prefix="a/", Delimiter="/")

        (request,) = self.stub.requests
        self.assertEqual(request.operation, "ListObjectsV2")
        self.assertEqual(request.bucket, "alpha")
        self.assertEqual(request.addressing, "path")
        self.assertEqual(request.query_raw["prefix"], "a%2F")
        self.assertEqual(request.query["prefix"], "a/")
        self.assertEqual(request.query["list-type"], "2")
        self.assertEqual(request.region, "eu-west-2")
        self.assertEqual(request.credential.access_key, "AKIDSTUBEXAMPLE")
        self.assertEqual(request.credential.service, "s3")
        self.assertIn("x-amz-date", request.signed_headers)
        self.assertIsNotNone(request.header("X-Amz-Content-SHA256"))

    def test_repeated_token_serves_same_page(self) -> None:
        self.stub.add_bucket(
            "wasabi1",
            pages=[Page(keys=["a"], truncated=True, token="T"), Page(keys=["b"], truncated=True, token="T")],
        )

        first = raw_get(self.stub.port, "/wasabi1?list-type=2")
        second = raw_get(self.stub.port, "/wasabi1?list-type=2&continuation-token=T")
        third = raw_get(self.stub.port, "/wasabi1?list-type=2&continuation-token=T")

        self.assertEqual(listed_keys(first[2]), ["a"])
        self.assertEqual(listed_keys(second[2]), ["b"])
        self.assertEqual(listed_keys(third[2]), ["b"])
        attempts = [request.attempt for request in self.stub.requests]
        self.assertEqual(attempts, [1, 1, 2])

    def test_unknown_token_is_invalid_argument(self) -> None:
        self.stub.add_bucket("alpha", pages=[Page(keys=["a"])])

        status, _, body = raw_get(self.stub.port, "/alpha?list-type=2&continuation-token=nope")

        self.assertEqual(status, 400)
        self.assertEqual(ElementTree.fromstring(body).findtext("Code"), "InvalidArgument")

    def test_auto_pagination_counts_prefixes(self) -> None:
        self.stub.add_bucket("alpha", objects=["d1/f", "d2/f", "d3/f", "d4/f", "top.txt"])
        s3 = self.client()

        first = s3.list_objects_v2(Bucket="alpha", Delimiter="/", MaxKeys=3)
        second = s3.list_objects_v2(
            Bucket="alpha", Delimiter="/", MaxKeys=3, ContinuationToken=first["NextContinuationToken"]
        )

        self.assertEqual([entry["Prefix"] for entry in first["CommonPrefixes"]], ["d1/", "d2/", "d3/"])
        self.assertNotIn("Contents", first)
        self.assertEqual(first["KeyCount"], 3)
        self.assertTrue(first["IsTruncated"])
        self.assertEqual([entry["Prefix"] for entry in second["CommonPrefixes"]], ["d4/"])
        self.assertEqual([entry["Key"] for entry in second["Contents"]], ["top.txt"])
        self.assertFalse(second["IsTruncated"])
        self.assertEqual(self.stub.requests[1].query["continuation-token"], first["NextContinuationToken"])

    def test_unencoded_token_is_rejected(self) -> None:
        self.stub.add_bucket("alpha", objects=["a", "b"])
        token = self.client().list_objects_v2(Bucket="alpha", MaxKeys=1)["NextContinuationToken"]

        unencoded, _, _ = raw_get(self.stub.port, f"/alpha?list-type=2&continuation-token={token}")
        encoded, _, body = raw_get(self.stub.port, f"/alpha?list-type=2&continuation-token={quote(token, safe='')}")

        self.assertRegex(token, r"[/+=]")
        self.assertEqual(unencoded, 400)
        self.assertEqual(encoded, 200)
        self.assertEqual(listed_keys(body), ["b"])

    def test_encoding_modes(self) -> None:
        keys = ["50%25.txt", "a b", "a+b.txt", "\x01"]
        encoded = ["%01", "50%2525.txt", "a+b", "a%2Bb.txt"]
        raw = ["\x01", "50%25.txt", "a b", "a+b.txt"]
        for mode, requested, expected_keys, labelled in [
            ("auto", True, encoded, True),
            ("auto", False, raw, False),
            ("ignore", True, raw, False),
            ("always", False, encoded, True),
            ("unlabelled", True, encoded, False),
        ]:
            with self.subTest(mode=mode, requested=requested):
                bucket = f"enc-{mode}-{int(requested)}"
                self.stub.add_bucket(bucket, objects=keys, encoding=mode)
                target = f"/{bucket}?list-type=2" + ("&encoding-type=url" if requested else "")

                _, _, body = raw_get(self.stub.port, target)

                # A raw 0x01 makes the XML invalid, as it does from S3, so read the keys by hand.
                text = body.decode()
                found = [part.split("</Key>")[0] for part in text.split("<Key>")[1:]]
                self.assertEqual(found, expected_keys)
                self.assertEqual("<EncodingType>url</EncodingType>" in text, labelled)

    def test_raw_control_byte_breaks_xml(self) -> None:
        self.stub.add_bucket("alpha", objects=["\x01", "ok.txt"])

        _, _, body = raw_get(self.stub.port, "/alpha?list-type=2")

        self.assertIn(b"<Key>\x01</Key>", body)
        with self.assertRaises(ElementTree.ParseError):
            ElementTree.fromstring(body)

    def test_error_reply_with_extra_elements(self) -> None:
        skewed = S3Error(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
            extra={
                "RequestTime": "20240501T120000Z",
                "ServerTime": "2024-05-01T12:20:00Z",
                "MaxAllowedSkewMilliseconds": "900000",
            },
        )
        self.stub.add_bucket("alpha", objects=["a"], fault=skewed)

        status, headers, body = raw_get(self.stub.port, "/alpha?list-type=2")

        error = ElementTree.fromstring(body)
        self.assertEqual(status, 403)
        self.assertEqual(error.findtext("Code"), "RequestTimeTooSkewed")
        self.assertEqual(error.findtext("ServerTime"), "2024-05-01T12:20:00Z")
        self.assertEqual(error.findtext("MaxAllowedSkewMilliseconds"), "900000")
        self.assertEqual(error.findtext("RequestId"), headers["x-amz-request-id"])

    def test_attempt_faults_fail_first_attempt(self) -> None:
        self.stub.add_bucket(
            "alpha",
            pages=[Page(keys=["a"], attempt_faults=[S3Error(500, "InternalError", "We encountered an internal error.")])],
        )

        first_status, _, _ = raw_get(self.stub.port, "/alpha?list-type=2")
        second_status, _, body = raw_get(self.stub.port, "/alpha?list-type=2")

        self.assertEqual(first_status, 500)
        self.assertEqual(second_status, 200)
        self.assertEqual(listed_keys(body), ["a"])
        self.assertEqual([request.attempt for request in self.stub.requests], [1, 2])

    def test_truncated_body_makes_curl_fail(self) -> None:
        self.stub.add_bucket("big", pages=[Page(keys=[f"k{index:04d}" for index in range(100)], fault=TruncateBody(after_bytes=500))])

        result = run_curl("--output", os.devnull, f"{self.stub.endpoint}/big?list-type=2")

        # curl's exit status 18 is CURLE_PARTIAL_FILE: fewer bytes than Content-Length.
        self.assertEqual(result.returncode, 18, result.stderr)

    def test_truncated_page_then_retry(self) -> None:
        self.stub.add_bucket(
            "big",
            pages=[
                Page(keys=["a"], truncated=True, token="T1"),
                Page(keys=["b"], truncated=True, token="T2", attempt_faults=[TruncateBody()]),
                Page(keys=["c"]),
            ],
        )

        raw_get(self.stub.port, "/big?list-type=2")
        with self.assertRaises(http.client.IncompleteRead):
            raw_get(self.stub.port, "/big?list-type=2&continuation-token=T1")
        _, _, body = raw_get(self.stub.port, "/big?list-type=2&continuation-token=T1")

        self.assertEqual(listed_keys(body), ["b"])
        requests = self.stub.requests
        self.assertEqual([request.continuation_token for request in requests], [None, "T1", "T1"])
        self.assertEqual([request.attempt for request in requests], [1, 1, 2])

    def test_handlers_respond_per_request(self) -> None:
        def directory_bucket(request):
            prefix = request.query.get("prefix", "")
            if prefix and not prefix.endswith("/"):
                return S3Error(400, "InvalidArgument", "Prefix must end with the delimiter")
            if prefix == "a/":
                return Page(keys=["a/0", "a/1"])
            return None

        def throttle_marked(request):
            if request.header("x-test-slow"):
                return S3Error(503, "SlowDown", "Reduce your request rate")
            return None

        self.stub.add_bucket("fast--use1-az4--x-s3", pages=[Page(keys=["b/2", "a/1", "c/3", "a/0"])], handler=directory_bucket)
        self.stub.handler = throttle_marked

        rejected, _, _ = raw_get(self.stub.port, "/fast--use1-az4--x-s3?list-type=2&prefix=a")
        _, _, filtered = raw_get(self.stub.port, "/fast--use1-az4--x-s3?list-type=2&prefix=a%2F")
        _, _, unfiltered = raw_get(self.stub.port, "/fast--use1-az4--x-s3?list-type=2")
        slow, _, _ = raw_get(self.stub.port, "/fast--use1-az4--x-s3?list-type=2", {"x-test-slow": "1"})

        self.assertEqual(rejected, 400)
        self.assertEqual(listed_keys(filtered), ["a/0", "a/1"])
        self.assertEqual(listed_keys(unfiltered), ["b/2", "a/1", "c/3", "a/0"])
        self.assertEqual(slow, 503)

    def test_handler_error_fails_at_stop(self) -> None:
        stub = S3Stub().start()
        stub.add_bucket("alpha", objects=["a"], handler=lambda request: 1 / 0)

        status, _, body = raw_get(stub.port, "/alpha?list-type=2")

        self.assertEqual(status, 500)
        self.assertIn(b"ZeroDivisionError", body)
        with self.assertRaises(AssertionError) as caught:
            stub.stop()
        self.assertIn("ZeroDivisionError", str(caught.exception))

    def test_reset_connection_sends_rst(self) -> None:
        self.stub.add_bucket("flaky", pages=[Page(keys=["a"], fault=ResetConnection())])

        with self.assertRaises(ConnectionResetError):
            raw_get(self.stub.port, "/flaky?list-type=2")

    def test_close_connection_without_reply(self) -> None:
        self.stub.add_bucket("flaky", pages=[Page(keys=["a"], fault=CloseConnection())])

        with self.assertRaises(http.client.RemoteDisconnected):
            raw_get(self.stub.port, "/flaky?list-type=2")

    def test_stall_delays_reply(self) -> None:
        self.stub.add_bucket("slow", pages=[Page(keys=["a"], attempt_faults=[Stall(2.0), Stall(0.3)])])

        with self.assertRaises(TimeoutError):
            raw_get(self.stub.port, "/slow?list-type=2", timeout=0.3)
        started = time.monotonic()
        status, _, _ = raw_get(self.stub.port, "/slow?list-type=2")
        elapsed = time.monotonic() - started

        self.assertEqual(status, 200)
        self.assertGreaterEqual(elapsed, 0.3)

    def test_required_header(self) -> None:
        self.stub.add_bucket("rp", objects=["a", "b"], require_headers={"x-amz-request-payer": "requester"})

        denied_status, _, denied = raw_get(self.stub.port, "/rp?list-type=2")
        status, _, body = raw_get(self.stub.port, "/rp?list-type=2", {"x-amz-request-payer": "requester"})

        self.assertEqual(denied_status, 403)
        self.assertEqual(ElementTree.fromstring(denied).findtext("Code"), "AccessDenied")
        self.assertEqual(status, 200)
        self.assertEqual(listed_keys(body), ["a", "b"])

    def test_raw_body_override(self) -> None:
        self.stub.add_bucket("bad", pages=[Page(body=b"<ListBucketResult><Contents>")])
        self.stub.add_bucket("teapot", objects=["a"], fault=RawReply(b"not xml", status=418, content_type="text/plain"))

        _, _, body = raw_get(self.stub.port, "/bad?list-type=2")
        status, headers, teapot = raw_get(self.stub.port, "/teapot?list-type=2")

        self.assertEqual(body, b"<ListBucketResult><Contents>")
        self.assertEqual((status, headers["Content-Type"], teapot), (418, "text/plain", b"not xml"))

    def test_list_buckets_names_then_error(self) -> None:
        s3 = self.client()
        self.stub.set_list_buckets(["x-bucket", "y-bucket"])
        names = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
        self.stub.set_list_buckets(fault=S3Error(403, "AccessDenied", "Access Denied"))

        with self.assertRaises(ClientError) as caught:
            s3.list_buckets()

        self.assertEqual(names, ["x-bucket", "y-bucket"])
        self.assertEqual(error_code(caught.exception), "AccessDenied")

    def test_unknown_bucket_is_no_such_bucket(self) -> None:
        with self.assertRaises(ClientError) as caught:
            self.client().list_objects_v2(Bucket="missing")

        self.assertEqual(error_code(caught.exception), "NoSuchBucket")

    def test_bucket_location_and_head(self) -> None:
        self.stub.add_bucket("euro", objects=["a"], region="eu-central-1")
        s3 = self.client()

        location = s3.get_bucket_location(Bucket="euro")["LocationConstraint"]
        head = s3.head_bucket(Bucket="euro")

        self.assertEqual(location, "eu-central-1")
        self.assertEqual(head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"], "eu-central-1")

    def test_virtual_host_addressing(self) -> None:
        self.stub.add_bucket("holes", objects=["a"])

        status, _, body = raw_get(self.stub.port, "/?list-type=2", {"Host": f"holes.s3.test:{self.stub.port}"})

        self.assertEqual(status, 200)
        self.assertEqual(listed_keys(body), ["a"])
        self.assertEqual(self.stub.requests[0].addressing, "virtual")
        self.assertEqual(self.stub.requests[0].bucket, "holes")

    def test_generated_pages_serve_huge_bucket(self) -> None:
        pages = GeneratedPages(2_000_000, lambda index: "p/%04d/%07d" % (index // 10_000, index))
        self.stub.add_bucket("huge", pages=pages)

        started = time.monotonic()
        bodies = [
            raw_get(self.stub.port, "/huge?list-type=2&encoding-type=url" + token)[2]
            for token in ["", "&continuation-token=gen/1000", "&continuation-token=gen/1999"]
        ]
        elapsed = time.monotonic() - started

        first, middle, last = (ElementTree.fromstring(body) for body in bodies)
        self.assertEqual(len(listed_keys(bodies[0])), 1000)
        self.assertEqual(listed_keys(bodies[0])[0], "p/0000/0000000")
        self.assertEqual(listed_keys(bodies[1])[0], "p/0100/1000000")
        self.assertEqual(listed_keys(bodies[2])[-1], "p/0199/1999999")
        self.assertEqual(first.findtext(f"{S3_NS}NextContinuationToken"), "gen/1")
        self.assertEqual(middle.findtext(f"{S3_NS}IsTruncated"), "true")
        self.assertEqual(last.findtext(f"{S3_NS}IsTruncated"), "false")
        self.assertIsNone(last.find(f"{S3_NS}NextContinuationToken"))
        # A page takes about 2 ms on a 2-core machine. The bound only catches
        # a renderer that builds the whole bucket.
        self.assertLess(elapsed, 5.0)


class S3StubTlsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.stub = S3Stub(tls=True).start()
        self.addCleanup(self.stub.stop)
        self.stub.add_bucket("plain", objects=["f"])
        self.stub.add_bucket("logs.example.test", objects=["f"])
        self.resolve = f"s3.test:{self.stub.port}:127.0.0.1"

    def test_serves_with_test_ca(self) -> None:
        result = run_curl(
            "--cacert", self.stub.ca_file, "--resolve", self.resolve, f"{self.stub.endpoint}/logs.example.test?list-type=2"
        )

        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(listed_keys(result.stdout), ["f"])
        self.assertTrue(self.stub.requests[0].tls)
        self.assertEqual(self.stub.requests[0].bucket, "logs.example.test")

    def test_wildcard_name_serves_virtual_host(self) -> None:
        host = f"plain.s3.test:{self.stub.port}"

        result = run_curl(
            "--cacert", self.stub.ca_file, "--resolve", f"{host}:127.0.0.1", f"https://{host}/?list-type=2"
        )

        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.stub.requests[0].addressing, "virtual")

    def test_boto3_rejects_uncovered_address(self) -> None:
        # boto3 cannot map s3.test to 127.0.0.1, so it connects by address,
        # which the default certificate does not name.
        s3 = make_client(
            "s3", self.stub.loopback_endpoint, "AKIDSTUBEXAMPLE", "secret", verify=self.stub.ca_file, max_attempts=1
        )

        with self.assertRaises(botocore.exceptions.SSLError):
            s3.list_objects_v2(Bucket="plain")

    def test_boto3_lists_with_address_certificate(self) -> None:
        stub = S3Stub(tls=shared_certificates(ip_addresses=["127.0.0.1"])).start()
        self.addCleanup(stub.stop)
        stub.add_bucket("plain", objects=["f"])
        s3 = make_client("s3", stub.loopback_endpoint, "AKIDSTUBEXAMPLE", "secret", verify=stub.ca_file, max_attempts=1)

        listing = s3.list_objects_v2(Bucket="plain")

        self.assertEqual([entry["Key"] for entry in listing["Contents"]], ["f"])

    def test_unknown_ca_rejected(self) -> None:
        result = run_curl("--resolve", self.resolve, f"{self.stub.endpoint}/plain?list-type=2")

        # 60 is CURLE_PEER_FAILED_VERIFICATION.
        self.assertEqual(result.returncode, 60, result.stderr)
        self.assertEqual(self.stub.requests, [])

    def test_uncovered_host_rejected(self) -> None:
        result = run_curl("--cacert", self.stub.ca_file, f"{self.stub.loopback_endpoint}/plain?list-type=2")

        self.assertEqual(result.returncode, 60, result.stderr)


FAKE_BINARY = textwrap.dedent(
    """\
    #!{python}
    import json, os, sys, time
    if sys.argv[1:2] == ["sleep"]:
        time.sleep(float(sys.argv[2]))
    if sys.argv[1:2] == ["lines"]:
        print(json.dumps({{"n": 1}}))
        print(json.dumps({{"n": 2}}))
        sys.exit(0)
    if sys.argv[1:2] == ["fail"]:
        print("bad option", file=sys.stderr)
        sys.exit(2)
    print(json.dumps({{"argv": sys.argv[1:], "env": dict(os.environ), "stdin": sys.stdin.read(), "cwd": os.getcwd()}}))
    """
)


class CliRunnerTest(unittest.TestCase):
    def setUp(self) -> None:
        self.root = Path(self.enterContext(tempfile.TemporaryDirectory(prefix="harness-test-")))
        self.binary = self.root / "fake-s3catalog"
        self.binary.write_text(FAKE_BINARY.format(python=sys.executable))
        self.binary.chmod(self.binary.stat().st_mode | stat.S_IXUSR)

    def test_environment_built_from_scratch(self) -> None:
        leaked = {
            "AWS_SECRET_ACCESS_KEY": "leak",
            "AWS_PROFILE": "leak",
            "http_proxy": "http://proxy.invalid:3128",
            "HTTPS_PROXY": "http://proxy.invalid:3128",
            "SOME_OTHER": "leak",
        }
        with mock.patch.dict(os.environ, leaked):
            env = build_environment(self.root / "case", {"AWS_REGION": "eu-west-1"})

        aws = {name for name in env if name.startswith("AWS_")}
        self.assertEqual(aws, {"AWS_EC2_METADATA_DISABLED", "AWS_REGION"})
        self.assertEqual(env["AWS_EC2_METADATA_DISABLED"], "true")
        self.assertNotIn("http_proxy", env)
        self.assertNotIn("HTTPS_PROXY", env)
        self.assertNotIn("SOME_OTHER", env)
        self.assertEqual(env["HOME"], str(self.root / "case" / "home"))
        self.assertEqual(env["XDG_DATA_HOME"], str(self.root / "case" / "data"))
        self.assertEqual(env["XDG_CONFIG_HOME"], str(self.root / "case" / "config"))
        self.assertEqual(env["S3CATALOG_DB"], f"sqlite:///{self.root / 'case' / 'catalog.db'}")
        self.assertTrue(Path(env["HOME"]).is_dir())

    def test_run_json_passes_args_env_and_stdin(self) -> None:
        env = build_environment(self.root / "case")

        value, process = run_json(["source", "add", "x"], env, stdin="secret\n", binary=str(self.binary))

        self.assertEqual(process.returncode, 0)
        self.assertEqual(value["argv"], ["source", "add", "x"])
        self.assertEqual(value["stdin"], "secret\n")
        self.assertEqual(value["cwd"], env["HOME"])
        self.assertEqual(value["env"]["S3CATALOG_DB"], env["S3CATALOG_DB"])
        self.assertNotIn("AWS_ACCESS_KEY_ID", value["env"])

    def test_run_json_reads_json_lines(self) -> None:
        env = build_environment(self.root / "case")

        value, _ = run_json(["lines"], env, lines=True, binary=str(self.binary))

        self.assertEqual(value, [{"n": 1}, {"n": 2}])

    def test_run_json_rejects_json_lines_as_one_object(self) -> None:
        env = build_environment(self.root / "case")

        with self.assertRaises(CliError):
            run_json(["lines"], env, binary=str(self.binary))

    def test_unexpected_status_raises(self) -> None:
        env = build_environment(self.root / "case")

        with self.assertRaises(CliError) as caught:
            run_cli(["fail"], env, expect_status=0, binary=str(self.binary))

        self.assertIn("bad option", str(caught.exception))

    def test_timeout_kills_and_raises(self) -> None:
        env = build_environment(self.root / "case")
        started = time.monotonic()

        with self.assertRaises(CliError):
            run_cli(["sleep", "30"], env, timeout=0.5, binary=str(self.binary))

        self.assertLess(time.monotonic() - started, 10)


class CatalogTestCaseTest(unittest.TestCase):
    def test_add_source_sends_secret_on_stdin(self) -> None:
        root = Path(self.enterContext(tempfile.TemporaryDirectory(prefix="harness-test-")))
        binary = root / "fake-s3catalog"
        binary.write_text(FAKE_BINARY.format(python=sys.executable))
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
        seen = {}

        class Probe(CatalogTestCase):
            def test_probe(self) -> None:
                seen["process"] = self.add_source("demo", "http://127.0.0.1:9", "AKIDEXAMPLE", "s3cr3t")

        result = unittest.TestResult()
        with mock.patch.dict(os.environ, {"S3CATALOG_BIN": str(binary)}):
            Probe("test_probe").run(result)

        self.assertEqual(result.errors + result.failures, [])
        output = json.loads(seen["process"].stdout)
        self.assertEqual(
            output["argv"],
            [
                "source", "add", "demo", "--type", "s3",
                "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1", "--path-style",
                "--access-key-id", "AKIDEXAMPLE", "--secret-access-key-stdin",
            ],
        )
        self.assertEqual(output["stdin"], "s3cr3t\n")
        self.assertNotIn("s3cr3t", " ".join(output["argv"]))

    def test_setup_and_cleanup(self) -> None:
        seen = {}

        class Probe(CatalogTestCase):
            def test_probe(self) -> None:
                seen["root"] = self.root
                seen["db_url"] = self.db_url
                seen["stub"] = self.start_stub()
                seen["stub"].add_bucket("alpha", objects=["a"])
                seen["port"] = seen["stub"].port
                status, _, _ = raw_get(seen["port"], "/alpha?list-type=2")
                seen["status"] = status

        result = unittest.TestResult()
        Probe("test_probe").run(result)

        self.assertEqual(result.errors + result.failures, [])
        self.assertEqual(seen["status"], 200)
        self.assertEqual(seen["db_url"], f"sqlite:///{seen['root'] / 'catalog.db'}")
        self.assertFalse(seen["root"].exists())
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", seen["port"]), timeout=2).close()


if __name__ == "__main__":
    unittest.main()
