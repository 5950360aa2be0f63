"""Server and network faults during an extraction, played by the scripted S3 stub.

Each test runs `s3catalog extract` against an S3Stub on 127.0.0.1 that
throttles, returns server errors, rejects requests, breaks connections, stalls
or paginates ListBuckets. It checks the bucket statuses and error categories,
which files stay in the catalog, and how many requests the stub received.

The client makes at most MAX_ATTEMPTS attempts per request (RetryOptions in
src/s3/retry.h), with backoff delays below one second for the first retries.
A server that stalls is detected by libcurl's low-speed limit after 20 s
(CurlTransportOptions in src/s3/http.h), which no option of the CLI changes.
So the test of a server that stalls on every attempt takes about a minute and
runs only with S3CATALOG_SLOW_TESTS=1.
"""

from __future__ import annotations

import os
import unittest
from typing import Any

from harness import (
    CatalogTestCase,
    CloseConnection,
    Page,
    RawReply,
    S3Error,
    Stall,
    TruncateBody,
)
from harness.s3xml import render_list_buckets

SOURCE = "stub"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
MAX_ATTEMPTS = 4
# libcurl resends a request once on a new connection when a reused keep-alive
# connection fails before any response byte, so a request whose connection is
# dropped can reach the stub up to twice per attempt.
MAX_WIRE_REQUESTS = 2 * MAX_ATTEMPTS
# Seconds libcurl waits on a transfer below 1 byte/s before it times out.
STALL_DETECTION_SECONDS = 20
SLOW_TESTS = os.environ.get("S3CATALOG_SLOW_TESTS") == "1"

SLOW_DOWN = S3Error(503, "SlowDown", "Please reduce your request rate.")
INTERNAL_ERROR = S3Error(500, "InternalError", "We encountered an internal error. Please try again.")


class StubFaultTest(CatalogTestCase):
    """A test with a running S3 stub and helpers to extract and read the catalog."""

    def setUp(self) -> None:
        super().setUp()
        self.stub = self.start_stub()

    def add_stub_source(self) -> None:
        self.add_source(SOURCE, self.stub.endpoint, ACCESS_KEY, SECRET)

    def extract(self, expect_status: int | None = 0, timeout: float = 60) -> dict[str, Any]:
        result, _ = self.cli_json("extract", SOURCE, "--json", expect_status=expect_status, timeout=timeout)
        return result

    def bucket_keys(self, bucket: str) -> list[str]:
        entries, _ = self.cli_json("files", SOURCE, "--json", lines=True, expect_status=0)
        return sorted(entry["key"] for entry in entries if entry["bucket"] == bucket)

    def show(self, path: str) -> dict[str, Any]:
        value, _ = self.cli_json("show", SOURCE, path, "--json", expect_status=0)
        return value

    def bucket_result(self, result: dict[str, Any], name: str) -> dict[str, Any]:
        matches = [bucket for bucket in result["buckets"] if bucket["name"] == name]
        self.assertEqual(len(matches), 1, f"bucket {name!r} should appear once in {result['buckets']}")
        return matches[0]

    def listing_tokens(self, bucket: str) -> list[str | None]:
        return [request.continuation_token for request in self.stub.requests_for(bucket, "ListObjectsV2")]

    def two_page_bucket(self, name: str, second_page: Page) -> None:
        """Add a bucket whose page 1 contains p1/a and p1/b and whose page 2 (token T1) is `second_page`."""
        self.stub.add_bucket(name, pages=[Page(keys=["p1/a", "p1/b"], truncated=True, token="T1"), second_page])


class RetriedFaultTest(StubFaultTest):
    """Throttling, 5xx responses and dropped connections are retried, a bounded number of times."""

    def test_slow_down_twice_then_ok(self) -> None:
        self.two_page_bucket("alpha", Page(keys=["p2/c"], attempt_faults=[SLOW_DOWN, SLOW_DOWN, None]))
        self.add_stub_source()

        result = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(self.bucket_result(result, "alpha")["files"], 3)
        self.assertEqual(self.bucket_keys("alpha"), ["p1/a", "p1/b", "p2/c"])
        self.assertEqual(self.listing_tokens("alpha"), [None, "T1", "T1", "T1"])

    def test_slow_down_on_every_attempt_fails_bucket(self) -> None:
        # First run: alpha contains old.txt, which must survive the failed listing.
        self.stub.add_bucket("alpha", pages=[Page(keys=["old.txt"])])
        self.add_stub_source()
        self.extract()

        self.two_page_bucket("alpha", Page(keys=["p2/c"], fault=SLOW_DOWN))
        self.stub.add_bucket("beta", pages=[Page(keys=["b.txt"])])
        self.stub.clear_requests()

        result = self.extract()

        alpha = self.bucket_result(result, "alpha")
        self.assertEqual(alpha["status"], "failed")
        self.assertEqual(alpha["category"], "service")
        self.assertEqual(self.bucket_result(result, "beta")["status"], "synced")
        retries = self.listing_tokens("alpha").count("T1")
        self.assertGreaterEqual(retries, 2, "SlowDown is retryable")
        self.assertLessEqual(retries, MAX_ATTEMPTS)
        self.assertEqual(self.bucket_keys("alpha"), ["old.txt", "p1/a", "p1/b"])
        self.assertTrue(self.show("/alpha/old.txt")["stale"])

    def test_internal_error_retried(self) -> None:
        self.two_page_bucket("alpha", Page(keys=["p2/c"], attempt_faults=[INTERNAL_ERROR]))
        self.add_stub_source()

        result = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(self.bucket_keys("alpha"), ["p1/a", "p1/b", "p2/c"])
        self.assertEqual(self.listing_tokens("alpha"), [None, "T1", "T1"])

    def test_connection_closed_without_reply_retried(self) -> None:
        self.two_page_bucket("alpha", Page(keys=["p2/c"], attempt_faults=[CloseConnection()]))
        self.add_stub_source()

        result = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(self.bucket_keys("alpha"), ["p1/a", "p1/b", "p2/c"])
        retries = self.listing_tokens("alpha").count("T1")
        self.assertGreaterEqual(retries, 2)
        self.assertLessEqual(retries, MAX_WIRE_REQUESTS)

    def test_truncated_body_on_every_attempt_fails_bucket(self) -> None:
        self.two_page_bucket("alpha", Page(keys=["p2/c"], fault=TruncateBody()))
        self.add_stub_source()

        result = self.extract()

        alpha = self.bucket_result(result, "alpha")
        self.assertEqual(alpha["status"], "failed")
        self.assertEqual(alpha["category"], "network")
        retries = self.listing_tokens("alpha").count("T1")
        self.assertGreaterEqual(retries, 2, "a truncated body is retryable")
        self.assertLessEqual(retries, MAX_ATTEMPTS)
        self.assertEqual(self.bucket_keys("alpha"), ["p1/a", "p1/b"])


class RejectedRequestTest(StubFaultTest):
    """Refusals, authentication errors and malformed responses are not retried."""

    def test_access_denied_skips_bucket_without_retry(self) -> None:
        self.stub.add_bucket("locked", fault=S3Error(403, "AccessDenied", "Access Denied"), pages=[Page(keys=["x"])])
        self.stub.add_bucket("open", pages=[Page(keys=["o.txt"])])
        self.add_stub_source()

        result = self.extract()

        self.assertEqual(result["status"], "succeeded_with_warnings")
        locked = self.bucket_result(result, "locked")
        self.assertEqual(locked["status"], "skipped")
        self.assertEqual(locked["reason"], "access_denied")
        self.assertEqual(locked["category"], "permissions")
        self.assertEqual(self.listing_tokens("locked"), [None])
        self.assertEqual(self.bucket_result(result, "open")["status"], "synced")
        self.assertEqual(self.bucket_keys("open"), ["o.txt"])

    def test_missing_bucket_skipped_as_not_found(self) -> None:
        self.stub.add_bucket("alpha", pages=[Page(keys=["a.txt"])])
        # ListBuckets names a bucket whose listing then returns NoSuchBucket.
        self.stub.set_list_buckets(["alpha", "gone"])
        self.add_stub_source()

        result = self.extract()

        gone = self.bucket_result(result, "gone")
        self.assertEqual(gone["status"], "skipped")
        self.assertEqual(gone["reason"], "not_found")
        self.assertEqual(self.listing_tokens("gone"), [None])
        self.assertEqual(self.bucket_result(result, "alpha")["status"], "synced")

    def test_signature_mismatch_fails_job_without_retry(self) -> None:
        self.stub.add_bucket(
            "alpha",
            fault=S3Error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match."),
            pages=[Page(keys=["a.txt"])],
        )
        self.add_stub_source()

        result = self.extract(expect_status=1)

        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["error"]["category"], "authentication")
        self.assertEqual(self.bucket_result(result, "alpha")["category"], "authentication")
        self.assertEqual(self.listing_tokens("alpha"), [None])

    def test_malformed_listing_fails_bucket_without_retry(self) -> None:
        self.two_page_bucket("alpha", Page(body=b"<ListBucketResult><Contents><Key>p2/c</Key>"))
        self.add_stub_source()

        result = self.extract()

        alpha = self.bucket_result(result, "alpha")
        self.assertEqual(alpha["status"], "failed")
        self.assertEqual(alpha["category"], "service")
        self.assertEqual(self.listing_tokens("alpha"), [None, "T1"])
        self.assertEqual(self.bucket_keys("alpha"), ["p1/a", "p1/b"])


class StalledServerTest(StubFaultTest):
    """A server that accepts a request and sends nothing is a network timeout, found in bounded time."""

    def test_stalled_first_attempt_times_out_and_retries(self) -> None:
        self.two_page_bucket("alpha", Page(keys=["p2/c"], attempt_faults=[Stall(seconds=120)]))
        self.add_stub_source()

        result = self.extract(timeout=STALL_DETECTION_SECONDS * 2 + 10)

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(self.bucket_keys("alpha"), ["p1/a", "p1/b", "p2/c"])
        self.assertEqual(self.listing_tokens("alpha").count("T1"), 2)

    @unittest.skipUnless(SLOW_TESTS, "takes about a minute; set S3CATALOG_SLOW_TESTS=1")
    def test_stalled_server_skips_bucket_as_network(self) -> None:
        self.stub.add_bucket("alpha", pages=[Page(keys=["a.txt"], fault=Stall(seconds=600))])
        self.add_stub_source()

        # Each attempt waits for the stall detection; the retry policy's 60 s
        # budget allows three or four of them.
        result = self.extract(timeout=STALL_DETECTION_SECONDS * MAX_ATTEMPTS + 40)

        alpha = self.bucket_result(result, "alpha")
        self.assertEqual(alpha["status"], "skipped")
        self.assertEqual(alpha["category"], "network")
        self.assertLessEqual(len(self.listing_tokens("alpha")), MAX_ATTEMPTS)


def list_buckets_page(names: list[str], token: str | None) -> RawReply:
    """Return a ListBuckets response for `names` with an optional <ContinuationToken>."""
    body = render_list_buckets(names, {})
    if token is not None:
        closing = b"</ListAllMyBucketsResult>"
        body = body.replace(closing, f"<ContinuationToken>{token}</ContinuationToken>".encode() + closing)
    return RawReply(body)


class ListBucketsFaultTest(StubFaultTest):
    """ListBuckets pagination is followed to its end, and its failures are retried or reported."""

    def add_buckets(self, *names: str) -> None:
        for name in names:
            self.stub.add_bucket(name, pages=[Page(keys=[f"{name}.txt"])])

    def test_list_buckets_pages_followed(self) -> None:
        # A token with '/', '+' and '=' must go back percent-encoded.
        token = "LB/2+=="
        self.add_buckets("a1", "a2", "b1")

        def paginate(request: Any) -> RawReply | None:
            if request.operation != "ListBuckets":
                return None
            if request.continuation_token is None:
                return list_buckets_page(["a1", "a2"], token)
            if request.continuation_token == token:
                return list_buckets_page(["b1"], None)
            return S3Error(400, "InvalidArgument", "The continuation token provided is incorrect")

        self.stub.handler = paginate
        self.add_stub_source()

        result = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(sorted(bucket["name"] for bucket in result["buckets"]), ["a1", "a2", "b1"])
        requests = self.stub.requests_for(operation="ListBuckets")
        self.assertEqual([request.continuation_token for request in requests], [None, token])
        self.assertEqual(requests[1].query_raw["continuation-token"], "LB%2F2%2B%3D%3D")
        self.assertEqual(self.bucket_keys("b1"), ["b1.txt"])

    def test_list_buckets_repeated_token_fails_job(self) -> None:
        self.add_buckets("a1")

        def repeat(request: Any) -> RawReply | None:
            if request.operation != "ListBuckets":
                return None
            return list_buckets_page(["a1"], "LB1")

        self.stub.handler = repeat
        self.add_stub_source()

        result = self.extract(expect_status=1, timeout=20)

        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["error"]["category"], "service")
        self.assertEqual(len(self.stub.requests_for(operation="ListBuckets")), 2)
        self.assertEqual(self.stub.requests_for(operation="ListObjectsV2"), [])

    def test_list_buckets_internal_error_retried(self) -> None:
        self.add_buckets("alpha")
        self.stub.set_list_buckets(attempt_faults=[INTERNAL_ERROR, None])
        self.add_stub_source()

        result = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(len(self.stub.requests_for(operation="ListBuckets")), 2)
        self.assertEqual(self.bucket_keys("alpha"), ["alpha.txt"])

    def test_list_buckets_unavailable_fails_job(self) -> None:
        self.add_buckets("alpha")
        self.add_stub_source()
        self.extract()

        self.stub.set_list_buckets(fault=SLOW_DOWN)
        self.stub.clear_requests()
        result = self.extract(expect_status=1)

        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["error"]["category"], "service")
        attempts = len(self.stub.requests_for(operation="ListBuckets"))
        self.assertGreaterEqual(attempts, 2)
        self.assertLessEqual(attempts, MAX_ATTEMPTS)
        self.assertEqual(self.stub.requests_for(operation="ListObjectsV2"), [])
        self.assertEqual(self.bucket_keys("alpha"), ["alpha.txt"])


if __name__ == "__main__":
    unittest.main()
