"""Region redirects, clock skew, requester pays and TLS, played by the S3 stub.

Each test runs `s3catalog extract` against an S3Stub on 127.0.0.1 and checks
the job result and the requests the stub received. The TLS tests use the
stub's HTTPS mode, whose certificate covers s3.test and *.s3.test. The
S3CATALOG_TEST_RESOLVE test hook maps those names to 127.0.0.1, so TLS
verification stays on and no name is looked up in DNS.
"""

from __future__ import annotations

import datetime
import email.utils
import re
import tempfile
import unittest
from pathlib import Path
from typing import Any
from unittest import mock

from harness import CatalogTestCase, Page, S3Error, create_certificates
from harness import s3stub

SOURCE = "stub"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
# S3 rejects a request whose X-Amz-Date is more than 15 minutes off its clock.
MAX_SKEW = datetime.timedelta(minutes=15)


class StubTestCase(CatalogTestCase):
    def extract(self, expect_status: int | None = 0) -> dict[str, Any]:
        result, process = self.cli_json("extract", SOURCE, "--json", expect_status=expect_status)
        self.last_stderr = process.stderr
        self.assertNotIn(SECRET, process.stdout + process.stderr)
        return result

    def bucket(self, result: dict[str, Any], name: str) -> dict[str, Any]:
        matches = [bucket for bucket in result["buckets"] if bucket["name"] == name]
        self.assertEqual(len(matches), 1, result["buckets"])
        return matches[0]


class RegionRedirectTest(StubTestCase):
    """A bucket in another region than the source's is followed without user action."""

    def setUp(self) -> None:
        super().setUp()
        self.stub = self.start_stub()
        self.add_source(SOURCE, self.stub.endpoint, ACCESS_KEY, SECRET)

    def test_permanent_redirect_followed(self) -> None:
        def redirect_unless_signed_for_eu_west_1(request: s3stub.RecordedRequest) -> S3Error | None:
            if request.region == "eu-west-1":
                return None
            return S3Error(301, "PermanentRedirect", "The bucket you are attempting to access must be addressed "
                           "using the specified endpoint.", headers={"x-amz-bucket-region": "eu-west-1"})

        self.stub.add_bucket("euro", pages=[Page(keys=["a"], truncated=True, token="P2"), Page(keys=["b"])],
                             region="eu-west-1", handler=redirect_unless_signed_for_eu_west_1)
        self.stub.add_bucket("home", objects=["h"])
        # Without BucketRegion in ListBuckets, only the redirect reveals the region.
        self.stub.set_list_buckets(bucket_regions=False)

        result = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(self.bucket(result, "euro")["files"], 2)
        listing = self.stub.requests_for("euro", "ListObjectsV2")
        self.assertEqual([request.region for request in listing], ["us-east-1", "eu-west-1", "eu-west-1"])
        self.assertEqual([request.continuation_token for request in listing], [None, None, "P2"])
        self.assertEqual({request.region for request in self.stub.requests_for("home")}, {"us-east-1"})
        self.assertIn("bucket euro is in region eu-west-1", self.last_stderr)

    def test_redirected_region_recorded_and_used_by_next_job(self) -> None:
        def redirect_unless_signed_for_ap_south_1(request: s3stub.RecordedRequest) -> S3Error | None:
            if request.region == "ap-south-1":
                return None
            return S3Error(301, "PermanentRedirect", "The bucket you are attempting to access must be addressed "
                           "using the specified endpoint.", headers={"x-amz-bucket-region": "ap-south-1"})

        self.stub.add_bucket("mumbai", objects=["m.txt"], region="ap-south-1",
                             handler=redirect_unless_signed_for_ap_south_1)
        self.stub.add_bucket("home", objects=["h"])
        # Without BucketRegion in ListBuckets, only the redirect reveals the region.
        self.stub.set_list_buckets(bucket_regions=False)

        self.extract()
        shown, _ = self.cli_json("show", SOURCE, "/mumbai", "--json", expect_status=0)
        self.assertEqual(shown["bucket"]["region"], "ap-south-1")
        home, _ = self.cli_json("show", SOURCE, "/home", "--json", expect_status=0)
        self.assertEqual(home["bucket"]["region"], "us-east-1")

        self.stub.clear_requests()
        result = self.extract()
        self.assertEqual(self.bucket(result, "mumbai")["files"], 1)
        regions = [request.region for request in self.stub.requests_for("mumbai", "ListObjectsV2")]
        self.assertEqual(regions, ["ap-south-1"], "the second job signs for the recorded region at once")

    def test_region_from_listing_header_recorded(self) -> None:
        # S3 sends the bucket's region with every listing response, even when
        # ListBuckets sends none.
        self.stub.add_bucket("paris", objects=["p.txt"], region="eu-west-3")
        self.stub.set_list_buckets(bucket_regions=False)

        self.extract()

        shown, _ = self.cli_json("show", SOURCE, "/paris", "--json", expect_status=0)
        self.assertEqual(shown["bucket"]["region"], "eu-west-3")
        report, _ = self.cli_json("source", "test", SOURCE, "--json", expect_status=0)
        self.assertEqual([(bucket["name"], bucket["region"]) for bucket in report["buckets"]],
                         [("paris", "eu-west-3")])

    def test_authorization_header_malformed_followed(self) -> None:
        def malformed_unless_signed_for_eu_central_1(request: s3stub.RecordedRequest) -> S3Error | None:
            if request.region == "eu-central-1":
                return None
            return S3Error(400, "AuthorizationHeaderMalformed",
                           "The authorization header is malformed; the region 'us-east-1' is wrong; "
                           "expecting 'eu-central-1'", extra={"Region": "eu-central-1"})

        self.stub.add_bucket("central", objects=["a", "b", "c"], region="eu-central-1",
                             handler=malformed_unless_signed_for_eu_central_1)
        self.stub.set_list_buckets(bucket_regions=False)

        result = self.extract()

        self.assertEqual(self.bucket(result, "central")["files"], 3)
        regions = [request.region for request in self.stub.requests_for("central", "ListObjectsV2")]
        self.assertEqual(regions, ["us-east-1", "eu-central-1"])


class ClockSkewTest(StubTestCase):
    """A server whose clock is 20 minutes ahead: the client signs with the server's time."""

    SKEW = datetime.timedelta(minutes=20)

    def setUp(self) -> None:
        super().setUp()
        self.stub = self.start_stub()
        self.stub.add_bucket("alpha", objects=["a.txt", "b.txt"])
        self.stub.add_bucket("beta", objects=["c.txt"])
        self.add_source(SOURCE, self.stub.endpoint, ACCESS_KEY, SECRET)
        # The stub's Date header shows the skewed server clock.
        self.enterContext(mock.patch.object(
            s3stub._Handler, "date_time_string",
            lambda handler, timestamp=None: email.utils.format_datetime(self.server_now(), usegmt=True)))

    def server_now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.timezone.utc) + self.SKEW

    def skew_error(self, request: s3stub.RecordedRequest) -> S3Error:
        return S3Error(403, "RequestTimeTooSkewed",
                       "The difference between the request time and the current time is too large.",
                       extra={"RequestTime": request.header("x-amz-date") or "",
                              "ServerTime": self.server_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                              "MaxAllowedSkewMilliseconds": "900000"})

    def reject_skewed(self, request: s3stub.RecordedRequest) -> S3Error | None:
        signed = datetime.datetime.strptime(request.header("x-amz-date") or "", "%Y%m%dT%H%M%SZ")
        signed = signed.replace(tzinfo=datetime.timezone.utc)
        return self.skew_error(request) if abs(signed - self.server_now()) > MAX_SKEW else None

    def test_skewed_clock_corrected_and_retried_once(self) -> None:
        self.stub.handler = self.reject_skewed

        result = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(result["files_synced"], 3)
        self.assertEqual(len(self.stub.requests_for(operation="ListBuckets")), 2)
        for bucket in ("alpha", "beta"):
            self.assertEqual(len(self.stub.requests_for(bucket, "ListObjectsV2")), 1, "the correction is kept")
        self.assertRegex(self.last_stderr, r"the server's clock is (19 min 5\d|20 min \d) s ahead of this machine's")
        self.assertRegex(self.last_stderr, r"clock offset of \+(119\d|120\d) s")

    def test_persistent_skew_fails_as_authentication(self) -> None:
        self.stub.handler = self.skew_error

        result = self.extract(expect_status=1)

        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["error"]["category"], "authentication")
        self.assertIn("RequestTimeTooSkewed", result["error"]["message"])
        self.assertIn("clock", result["error"]["message"])
        self.assertIn("clock", result["error"]["hint"])
        self.assertEqual(len(self.stub.requests_for(operation="ListBuckets")), 2, "one retry with the corrected clock")
        self.assertEqual(self.stub.requests_for(operation="ListObjectsV2"), [])


class RequesterPaysTest(StubTestCase):
    """A requester-pays bucket lists only with x-amz-request-payer: requester."""

    def setUp(self) -> None:
        super().setUp()
        self.stub = self.start_stub()
        self.stub.add_bucket("rp", pages=[Page(keys=["a"], truncated=True, token="P2"), Page(keys=["b"])],
                             require_headers={"x-amz-request-payer": "requester"})
        self.stub.add_bucket("free", objects=["f"])
        self.add_source(SOURCE, self.stub.endpoint, ACCESS_KEY, SECRET)

    def test_without_option_bucket_skipped_with_hint(self) -> None:
        result = self.extract()

        self.assertEqual(result["status"], "succeeded_with_warnings")
        rp = self.bucket(result, "rp")
        self.assertEqual(rp["status"], "skipped")
        self.assertEqual(rp["reason"], "access_denied")
        self.assertEqual(rp["category"], "permissions")
        self.assertIn("requester pays", rp["hint"])
        self.assertEqual(self.bucket(result, "free")["status"], "synced")

    def test_with_option_header_on_every_page(self) -> None:
        self.cli("source", "update", SOURCE, "--requester-pays", expect_status=0)

        result = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(self.bucket(result, "rp")["files"], 2)
        listing = self.stub.requests_for(operation="ListObjectsV2")
        self.assertEqual([request.continuation_token for request in self.stub.requests_for("rp")], [None, "P2"])
        for request in listing:
            self.assertEqual(request.header("x-amz-request-payer"), "requester", request.target)
            self.assertIn("x-amz-request-payer", request.signed_headers)


class DottedBucketTlsTest(StubTestCase):
    """Dotted bucket names over HTTPS with a certificate for s3.test and *.s3.test."""

    DOTTED = "logs.example.test"

    def setUp(self) -> None:
        super().setUp()
        self.stub = self.start_stub(tls=True)
        self.stub.add_bucket(self.DOTTED, objects=["f"])
        self.stub.add_bucket("plain", objects=["f"])
        port = self.stub.port
        hosts = ["s3.test", "plain.s3.test", f"{self.DOTTED}.s3.test"]
        self.env["S3CATALOG_TEST_RESOLVE"] = ",".join(f"{host}:{port}:127.0.0.1" for host in hosts)
        self.env["AWS_CA_BUNDLE"] = str(self.stub.ca_file)
        self.add_source(SOURCE, self.stub.endpoint, ACCESS_KEY, SECRET, path_style=False)

    def test_dotted_bucket_path_style_with_verification(self) -> None:
        result = self.extract()

        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(result["files_synced"], 2)
        for bucket in (self.DOTTED, "plain"):
            requests = self.stub.requests_for(bucket, "ListObjectsV2")
            self.assertTrue(requests, bucket)
            for request in requests:
                self.assertTrue(request.tls)
                self.assertEqual(request.addressing, "path", request.target)
                self.assertEqual(request.host, f"s3.test:{self.stub.port}")
        self.assertTrue(self.stub.requests_for(self.DOTTED)[0].path.startswith(f"/{self.DOTTED}"))

    def test_forced_path_style_for_both(self) -> None:
        self.cli("source", "update", SOURCE, "--addressing", "path", expect_status=0)

        self.extract()

        self.assertEqual({request.addressing for request in self.stub.requests_for(operation="ListObjectsV2")},
                         {"path"})

    def test_certificate_not_covering_host_skips_bucket_as_network(self) -> None:
        # Virtual-hosted addressing puts the dotted name into the host, which
        # the single-level wildcard *.s3.test does not cover.
        self.cli("source", "update", SOURCE, "--addressing", "virtual", expect_status=0)

        result = self.extract()

        self.assertEqual(result["status"], "succeeded_with_warnings")
        dotted = self.bucket(result, self.DOTTED)
        self.assertEqual(dotted["status"], "skipped")
        self.assertEqual(dotted["category"], "network")
        self.assertEqual(dotted["reason"], "network")
        self.assertRegex(dotted["message"], re.compile("TLS|certificate|SSL", re.IGNORECASE))
        self.assertEqual(self.bucket(result, "plain")["status"], "synced")
        self.assertEqual({request.addressing for request in self.stub.requests_for("plain")}, {"virtual"})
        self.assertEqual(self.stub.requests_for(self.DOTTED), [], "no request got through the handshake")

    def test_untrusted_certificate_is_network(self) -> None:
        del self.env["AWS_CA_BUNDLE"]

        result = self.extract(expect_status=1)

        self.assertEqual(result["status"], "failed")
        self.assertEqual(result["error"]["category"], "network")
        self.assertEqual(self.stub.requests, [])


class WrongCertificateTest(StubTestCase):
    def test_certificate_for_other_name_is_network(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="s3stub-other-tls-", dir=self.root))
        stub = self.start_stub(tls=create_certificates(folder, dns_names=["other.test"]))
        stub.add_bucket("plain", objects=["f"])
        self.env["S3CATALOG_TEST_RESOLVE"] = f"s3.test:{stub.port}:127.0.0.1"
        self.env["AWS_CA_BUNDLE"] = str(stub.ca_file)
        self.add_source(SOURCE, f"https://s3.test:{stub.port}", ACCESS_KEY, SECRET)

        result = self.extract(expect_status=1)

        self.assertEqual(result["error"]["category"], "network")
        self.assertNotEqual(result["error"]["category"], "authentication")
        self.assertEqual(stub.requests, [])


if __name__ == "__main__":
    unittest.main()
