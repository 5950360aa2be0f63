"""Scripted S3 server on 127.0.0.1 for listing faults that moto cannot produce.

S3Stub runs http.server's ThreadingHTTPServer in a thread of the test
process, on a port the OS chooses, over HTTP or HTTPS. A test adds buckets
with scripted pages (or plain object lists that the stub paginates like S3),
attaches faults to a bucket, a page or one attempt, and afterwards asserts on
`stub.requests`, which records every request the stub received.

The stub does not check signatures; it records the Authorization header and
parses its SigV4 credential scope. Thread-safety: add buckets before the
client runs; recording and the attempt counters are locked.

Example:

    with S3Stub() as stub:
        stub.add_bucket("holes", pages=[
            Page(keys=["a", "b", "c"], truncated=True, token="T1"),
            Page(keys=[], truncated=True, token="T2",
                 attempt_faults=[TruncateBody(after_bytes=40)]),
            Page(keys=["d", "e"]),
        ])
        ... run the client against stub.endpoint ...
        tokens = [r.continuation_token for r in stub.requests_for("holes")]
"""

from __future__ import annotations

import bisect
import itertools
import re
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Union
from urllib.parse import unquote, unquote_plus

from .s3xml import (
    ListingParams,
    Obj,
    render_error,
    render_list_buckets,
    render_list_objects_v2,
    render_location,
)
from .tls import TestCertificates, shared_certificates

__all__ = [
    "CloseConnection",
    "GeneratedPages",
    "Obj",
    "Page",
    "RawReply",
    "RecordedRequest",
    "ResetConnection",
    "S3Error",
    "S3Stub",
    "SigV4Credential",
    "Stall",
    "TruncateBody",
]

# Replies and faults. Each replaces the normal response to one request.


@dataclass(frozen=True)
class S3Error:
    """An S3 error response: status, <Code>, <Message> and extra elements in order.

    Example: S3Error(403, "RequestTimeTooSkewed", "...", extra={"RequestTime": ...,
    "ServerTime": ..., "MaxAllowedSkewMilliseconds": "900000"}).
    """

    status: int
    code: str
    message: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawReply:
    """A response whose body is sent byte for byte (for malformed or unusual XML)."""

    body: bytes
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/xml"


@dataclass(frozen=True)
class TruncateBody:
    """Send the normal response's headers and full Content-Length, then close early.

    The connection closes (FIN) after `after_bytes` body bytes (half the body
    when None), optionally after waiting `stall_seconds`. curl reports this as
    error 18 (partial file).
    """

    after_bytes: int | None = None
    stall_seconds: float = 0.0


@dataclass(frozen=True)
class ResetConnection:
    """Read the request, then close the connection with SO_LINGER 0 so the client gets RST."""


@dataclass(frozen=True)
class CloseConnection:
    """Read the request, then close the connection (FIN) without any response."""


@dataclass(frozen=True)
class Stall:
    """Wait `seconds` (cut short when the stub stops), then send `then` or the normal response."""

    seconds: float
    then: Fault | None = None


Fault = Union[S3Error, RawReply, TruncateBody, ResetConnection, CloseConnection, Stall]


def pick_fault(fault: Fault | None, attempt_faults: Sequence[Fault | None], attempt: int) -> Fault | None:
    """Return the fault for attempt `attempt` (1-based): attempt_faults first, then `fault`."""
    if attempt <= len(attempt_faults) and attempt_faults[attempt - 1] is not None:
        return attempt_faults[attempt - 1]
    return fault


# Listing scripts


@dataclass
class Page:
    """One scripted ListObjectsV2 response.

    `keys` contains plain keys or Obj entries. Plain keys take size, ETag, date
    and storage class from `defaults`, and with defaults.etag None the ETag is
    the MD5 of the key. `token` is the NextContinuationToken this page sends.
    The page served for a token is the one after the first page sending it.
    `fault` applies to every request for this page, and `attempt_faults[n-1]`
    to the n-th request only (a None entry means the normal response).
    """

    keys: Sequence[str | Obj] = ()
    truncated: bool = False
    token: str | None = None
    common_prefixes: Sequence[str] = ()
    key_count: int | None = None
    max_keys: int | None = None
    body: bytes | None = None
    encoding: str | None = None
    defaults: Obj = field(default_factory=lambda: Obj(key=""))
    fault: Fault | None = None
    attempt_faults: Sequence[Fault | None] = ()


PageSource = Union[Sequence[Page], Mapping[Union[str, None], Page], Callable[[Union[str, None]], Union[Page, None]]]

# MD5 of the one-byte body b"x", used as the ETag of every generated key.
GENERATED_ETAG = "9dd4e461268c8034f5c8564e155c67a6"


class GeneratedPages:
    """Pages built on request, for buckets too large to hold in memory.

    Page n (0-based) contains keys key_for_index(n * page_size) onward, and its
    token is "gen/<n+1>", so only the page being served exists in memory.
    Example, 2,000,000 keys in 200 folders:
    GeneratedPages(2_000_000, lambda i: "p/%04d/%07d" % (i // 10_000, i)).
    """

    TOKEN = re.compile(r"gen/(\d+)")

    def __init__(
        self,
        total_keys: int,
        key_for_index: Callable[[int], str],
        page_size: int = 1000,
        defaults: Obj = Obj(key="", size=1, etag=GENERATED_ETAG),
    ) -> None:
        self.total_keys = total_keys
        self.key_for_index = key_for_index
        self.page_size = page_size
        self.defaults = defaults
        self.page_count = max(1, -(-total_keys // page_size))

    def __call__(self, token: str | None) -> Page | None:
        if token is None:
            number = 0
        else:
            match = self.TOKEN.fullmatch(token)
            if match is None:
                return None
            number = int(match.group(1))
            if number >= self.page_count:
                return None
        start = number * self.page_size
        end = min(start + self.page_size, self.total_keys)
        truncated = end < self.total_keys
        return Page(
            keys=[self.key_for_index(index) for index in range(start, end)],
            truncated=truncated,
            token=f"gen/{number + 1}" if truncated else None,
            max_keys=self.page_size,
            defaults=self.defaults,
        )


# Encoding modes: what a bucket does with encoding-type=url.
ENCODING_MODES = {
    # S3's behaviour: encode and label only when the request has encoding-type=url.
    "auto",
    # Ignore the request: raw keys, no <EncodingType>.
    "ignore",
    # Encode and label every response, requested or not.
    "always",
    # Encode every response but never write <EncodingType>.
    "unlabelled",
}

# Continuation tokens of auto-paginated buckets carry '/', '+' and '=' like
# real S3 tokens, so a client that sends them unencoded gets an unknown token.
AUTO_TOKEN = re.compile(r"stub/(\d+)\+==")


def _auto_token(index: int) -> str:
    return f"stub/{index}+=="


@dataclass
class StubBucket:
    name: str
    pages: PageSource | None = None
    objects: list[Obj] | None = None
    region: str = "us-east-1"
    encoding: str = "auto"
    space: str = "+"
    require_headers: Mapping[str, str | None] = field(default_factory=dict)
    fault: Fault | None = None
    attempt_faults: Sequence[Fault | None] = ()
    handler: Callable[[RecordedRequest], Fault | Page | None] | None = None
    token_pages: dict[str | None, int] = field(default_factory=dict)
    # UTF-8 bytes of each key in `objects`, in the same order, built on first use.
    sort_keys: list[bytes] | None = None


# Recorded requests


@dataclass(frozen=True)
class SigV4Credential:
    """The Credential= part of a SigV4 Authorization header."""

    access_key: str
    date: str
    region: str
    service: str


@dataclass
class RecordedRequest:
    """One request as the stub received it.

    `query_raw` contains each name's first value exactly as sent, `query` the
    same value form-decoded ('+' becomes a space, so a client that leaves a
    '+' unencoded gets a different value), and `query_pairs` every raw
    (name, value) pair in order. Header names are lower case.
    """

    index: int
    time: float
    method: str
    target: str
    path: str
    raw_query: str
    query_pairs: list[tuple[str, str]]
    query_raw: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    host: str
    bucket: str | None
    key: str | None
    addressing: str
    operation: str
    attempt: int
    tls: bool

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def continuation_token(self) -> str | None:
        return self.query.get("continuation-token")

    @property
    def credential(self) -> SigV4Credential | None:
        """Parse Credential=KEY/DATE/REGION/SERVICE/aws4_request, or return None when absent."""
        authorization = self.headers.get("authorization", "")
        match = re.search(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request", authorization)
        if match is None:
            return None
        return SigV4Credential(*match.groups())

    @property
    def region(self) -> str | None:
        """The region in the SigV4 credential scope."""
        credential = self.credential
        return credential.region if credential is not None else None

    @property
    def signed_headers(self) -> list[str]:
        match = re.search(r"SignedHeaders=([^,\s]+)", self.headers.get("authorization", ""))
        return match.group(1).split(";") if match else []


def parse_query(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    if raw_query:
        for part in raw_query.split("&"):
            name, _, value = part.partition("=")
            pairs.append((name, value))
    return pairs


def _percent_decode(text: str) -> str:
    return unquote(text, errors="surrogateescape")


def _form_decode(text: str) -> str:
    return unquote_plus(text, errors="surrogateescape")


# The server


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = "application/xml"


def _empty_response() -> _Response:
    return _Response(500)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, stub: S3Stub, ssl_context: ssl.SSLContext | None) -> None:
        self.stub = stub
        self.ssl_context = ssl_context
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        # Clients that drop connections (resets, TLS rejections) are expected
        # here, so the stub keeps the error instead of printing a traceback.
        self.stub._record_connection_error(sys.exc_info()[1])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AmazonS3"
    sys_version = ""
    # Seconds an idle keep-alive connection may wait for its next request.
    timeout = 60
    server: _Server

    def setup(self) -> None:
        context = self.server.ssl_context
        if context is not None:
            self.request.settimeout(self.timeout)
            self.request = context.wrap_socket(self.request, server_side=True)
        self.server.stub._track(self.request, True)
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.stub._track(self.request, False)
            if self.server.ssl_context is not None:
                self.request.close()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = do_GET

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        stub = self.server.stub
        record = stub._record(self, body)
        stub._request_started()
        try:
            try:
                fault, normal = stub._route(record)
            except Exception as error:
                # A bug in a test's handler or page callable. stop() raises it,
                # so the test fails with the cause and not a retry storm.
                stub._record_handler_error(record, error)
                fault = S3Error(500, "InternalError", f"S3 stub handler raised {error!r}")
                normal = _empty_response
            self._deliver(fault, normal, head_only=self.command == "HEAD")
        finally:
            stub._request_finished()

    def _deliver(self, fault: Fault | None, normal: Callable[[], _Response], head_only: bool) -> None:
        stub = self.server.stub
        while isinstance(fault, Stall):
            stub._stopping.wait(fault.seconds)
            fault = fault.then

        if isinstance(fault, ResetConnection):
            self._close(reset=True)
            return
        if isinstance(fault, CloseConnection):
            self._close(reset=False)
            return
        if isinstance(fault, S3Error):
            response = stub._error_response(fault)
        elif isinstance(fault, RawReply):
            response = _Response(fault.status, fault.body, fault.headers, fault.content_type)
        else:
            response = normal()

        if isinstance(fault, TruncateBody):
            cut = fault.after_bytes if fault.after_bytes is not None else len(response.body) // 2
            self._send_head(response, len(response.body))
            self.wfile.write(response.body[:cut])
            self.wfile.flush()
            if fault.stall_seconds:
                stub._stopping.wait(fault.stall_seconds)
            self._close(reset=False)
            return

        self._send_head(response, len(response.body))
        if not head_only:
            self.wfile.write(response.body)

    def _send_head(self, response: _Response, length: int) -> None:
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _close(self, reset: bool) -> None:
        self.close_connection = True
        connection = self.connection
        try:
            if reset:
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        connection.close()


class S3Stub:
    """A scripted S3 endpoint on 127.0.0.1.

    With `tls`, the stub serves HTTPS with a certificate from tls.py (by
    default for s3.test and *.s3.test, signed by a test CA whose file is
    `ca_file`). Requests to a Host of the form BUCKET.<suffix> for a suffix in
    `virtual_host_suffixes` are virtual-hosted; all others are path-style.
    """

    def __init__(
        self,
        tls: TestCertificates | bool = False,
        virtual_host_suffixes: Sequence[str] = ("s3.test",),
    ) -> None:
        if tls is True:
            tls = shared_certificates()
        self.certificates: TestCertificates | None = tls or None
        self.virtual_host_suffixes = tuple(suffix.lower() for suffix in virtual_host_suffixes)
        self.buckets: dict[str, StubBucket] = {}
        # Hook run first for every request. A fault it returns replaces the normal response.
        self.handler: Callable[[RecordedRequest], Fault | None] | None = None
        self.connection_errors: list[BaseException] = []
        # (request, exception) for every exception raised by a handler or page callable.
        self.handler_errors: list[tuple[RecordedRequest, Exception]] = []
        self._list_buckets: tuple[list[str] | None, Fault | None, Sequence[Fault | None]] = (None, None, ())
        self._list_bucket_regions = True
        self._requests: list[RecordedRequest] = []
        self._attempts: dict[tuple, int] = {}
        self._lock = threading.Lock()
        self._request_ids = itertools.count(1)
        # Requests in progress now, and the maximum at any one time, for
        # tests of concurrent listing. A Stall counts as in progress.
        self._in_flight = 0
        self.peak_in_flight = 0
        self._stopping = threading.Event()
        self._connections: set = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle

    def start(self) -> S3Stub:
        context = None
        if self.certificates is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.certificates.cert_file, self.certificates.key_file)
        self._stopping.clear()
        self._server = _Server(self, context)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="s3stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end stalls and close open connections.

        Raises AssertionError afterwards if a handler or page callable raised
        while serving, so such a bug fails the test that caused it.
        """
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self.handler_errors:
            request, error = self.handler_errors[0]
            raise AssertionError(
                f"S3 stub handler raised {error!r} on {request.method} {request.target} "
                f"({len(self.handler_errors)} handler errors in total)"
            ) from error

    def __enter__(self) -> S3Stub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("S3 stub is not running")
        return self._server.server_address[1]

    @property
    def scheme(self) -> str:
        return "https" if self.certificates is not None else "http"

    @property
    def endpoint(self) -> str:
        """http://127.0.0.1:PORT, or https://s3.test:PORT in TLS mode (the certificate's name)."""
        host = "127.0.0.1" if self.certificates is None else self.certificates.dns_names[0]
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def loopback_endpoint(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> str | None:
        return str(self.certificates.ca_file) if self.certificates is not None else None

    # Scripting

    def add_bucket(
        self,
        name: str,
        pages: PageSource | None = None,
        objects: Sequence[str | Obj] | None = None,
        region: str = "us-east-1",
        encoding: str = "auto",
        space: str = "+",
        require_headers: Mapping[str, str | None] | None = None,
        fault: Fault | None = None,
        attempt_faults: Sequence[Fault | None] = (),
        handler: Callable[[RecordedRequest], Fault | Page | None] | None = None,
    ) -> StubBucket:
        """Add a bucket that serves scripted `pages` or paginates `objects` like S3.

        pages: a list (page 1 is served for the request without a token), a dict
        from incoming token (None for the first request) to Page, or a
        callable taking the token and returning a Page or None (unknown token).
        objects: keys or Obj entries; the stub sorts them by UTF-8 bytes and
        applies prefix, delimiter, start-after and max-keys (capped at 1000).
        encoding: one of ENCODING_MODES. space: how an encoded space is written.
        require_headers: header name to required value (None: any value);
        without them every request to the bucket gets 403 AccessDenied.
        fault, attempt_faults: as in Page, for every ListObjectsV2 request to
        the bucket. handler: called first for every request to the bucket; it
        returns a fault, a Page to serve, or None to go on.
        """
        if (pages is None) == (objects is None):
            raise ValueError(f"bucket {name!r}: pass exactly one of pages= and objects=")
        if encoding not in ENCODING_MODES:
            raise ValueError(f"bucket {name!r}: encoding {encoding!r} is not one of {sorted(ENCODING_MODES)}")
        bucket = StubBucket(
            name=name,
            pages=pages,
            region=region,
            encoding=encoding,
            space=space,
            require_headers=dict(require_headers or {}),
            fault=fault,
            attempt_faults=tuple(attempt_faults),
            handler=handler,
        )
        if objects is not None:
            entries = [entry if isinstance(entry, Obj) else Obj(key=entry) for entry in objects]
            bucket.objects = sorted(entries, key=lambda entry: entry.key.encode("utf-8", "surrogateescape"))
        if isinstance(pages, Sequence):
            bucket.token_pages[None] = 0
            for number, page in enumerate(pages[:-1]):
                if page.token is not None:
                    bucket.token_pages.setdefault(page.token, number + 1)
        self.buckets[name] = bucket
        return bucket

    def set_list_buckets(
        self,
        names: Sequence[str] | None = None,
        fault: Fault | None = None,
        attempt_faults: Sequence[Fault | None] = (),
        bucket_regions: bool = True,
    ) -> None:
        """Script ListBuckets: these names (default: every added bucket, sorted) or faults.

        bucket_regions=False leaves out <BucketRegion>, as S3-compatible servers
        and older S3 responses do.
        """
        self._list_buckets = (list(names) if names is not None else None, fault, tuple(attempt_faults))
        self._list_bucket_regions = bucket_regions

    # Inspection

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, bucket: str | None = None, operation: str | None = None) -> list[RecordedRequest]:
        """Return recorded requests, filtered by bucket and operation name (e.g. "ListObjectsV2")."""
        return [
            request
            for request in self.requests
            if (bucket is None or request.bucket == bucket)
            and (operation is None or request.operation == operation)
        ]

    def clear_requests(self) -> None:
        """Forget recorded requests and reset attempt counters and peak_in_flight."""
        with self._lock:
            self._requests.clear()
            self._attempts.clear()
            self.peak_in_flight = self._in_flight

    # Request handling (called from handler threads)

    def _track(self, connection: socket.socket, active: bool) -> None:
        with self._lock:
            if active:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _request_started(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)

    def _request_finished(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _record_handler_error(self, request: RecordedRequest, error: Exception) -> None:
        with self._lock:
            self.handler_errors.append((request, error))

    def _record_connection_error(self, error: BaseException | None) -> None:
        if error is not None:
            with self._lock:
                self.connection_errors.append(error)

    def _split_target(self, host: str, path: str) -> tuple[str | None, str | None, str]:
        hostname = host.rsplit(":", 1)[0].lower() if not host.startswith("[") else host
        for suffix in self.virtual_host_suffixes:
            if hostname.endswith("." + suffix):
                bucket = hostname[: -len(suffix) - 1]
                key = _percent_decode(path[1:]) if len(path) > 1 else None
                return bucket, key, "virtual"
        segments = path[1:].split("/", 1) if path.startswith("/") else [path]
        bucket = _percent_decode(segments[0]) or None
        key = _percent_decode(segments[1]) if len(segments) > 1 and segments[1] else None
        return bucket, key, "path"

    @staticmethod
    def _operation(method: str, bucket: str | None, key: str | None, query: Mapping[str, str]) -> str:
        if bucket is None:
            return "ListBuckets" if method == "GET" else f"{method}Service"
        if key is None:
            if method == "HEAD":
                return "HeadBucket"
            if method == "GET":
                if query.get("list-type") == "2":
                    return "ListObjectsV2"
                if "location" in query:
                    return "GetBucketLocation"
                if "versions" in query:
                    return "ListObjectVersions"
                return "ListObjects"
            return f"{method}Bucket"
        return {"GET": "GetObject", "HEAD": "HeadObject"}.get(method, f"{method}Object")

    def _record(self, handler: _Handler, body: bytes) -> RecordedRequest:
        target = handler.path
        path, _, raw_query = target.partition("?")
        pairs = parse_query(raw_query)
        query_raw: dict[str, str] = {}
        for name, value in pairs:
            query_raw.setdefault(_form_decode(name), value)
        query = {name: _form_decode(value) for name, value in query_raw.items()}
        headers: dict[str, str] = {}
        for name, value in handler.headers.items():
            lower = name.lower()
            headers[lower] = f"{headers[lower]},{value}" if lower in headers else value
        host = headers.get("host", "")
        bucket, key, addressing = self._split_target(host, path)
        operation = self._operation(handler.command, bucket, key, query)

        attempt_key = (bucket, operation, query.get("prefix"), query.get("continuation-token"))
        with self._lock:
            attempt = self._attempts.get(attempt_key, 0) + 1
            self._attempts[attempt_key] = attempt
            record = RecordedRequest(
                index=len(self._requests),
                time=time.monotonic(),
                method=handler.command,
                target=target,
                path=path,
                raw_query=raw_query,
                query_pairs=pairs,
                query_raw=query_raw,
                query=query,
                headers=headers,
                body=body,
                host=host,
                bucket=bucket,
                key=key,
                addressing=addressing,
                operation=operation,
                attempt=attempt,
                tls=self.certificates is not None,
            )
            self._requests.append(record)
        return record

    def _request_id(self) -> str:
        return f"STUB{next(self._request_ids):012d}"

    def _error_response(self, error: S3Error) -> _Response:
        request_id = self._request_id()
        body = render_error(error.code, error.message, request_id, error.extra.items())
        headers = {"x-amz-request-id": request_id, **error.headers}
        return _Response(error.status, body, headers)

    def _ok(self, body: bytes, region: str | None = None) -> _Response:
        headers = {"x-amz-request-id": self._request_id()}
        if region is not None:
            headers["x-amz-bucket-region"] = region
        return _Response(200, body, headers)

    def _route(self, record: RecordedRequest) -> tuple[Fault | None, Callable[[], _Response]]:
        """Return the fault for this request (None for none) and how to build the normal response.

        Precedence: the stub's handler, the bucket's handler, the bucket's
        fault, then the page's fault. A fault that needs the normal response
        (TruncateBody, or Stall without `then`) gets whatever the request
        would have received, errors such as NoSuchBucket included.
        """
        hook_fault = self.handler(record) if self.handler is not None else None
        fault, normal = self._respond(record)
        return (hook_fault or fault), normal

    def _respond(self, record: RecordedRequest) -> tuple[Fault | None, Callable[[], _Response]]:
        if record.operation == "ListBuckets":
            names, fault, attempt_faults = self._list_buckets
            listed = names if names is not None else sorted(self.buckets)
            regions = {name: bucket.region for name, bucket in self.buckets.items()}
            return pick_fault(fault, attempt_faults, record.attempt), lambda: self._ok(
                render_list_buckets(listed, regions if self._list_bucket_regions else None)
            )

        bucket = self.buckets.get(record.bucket or "")
        if bucket is None:
            return self._fail(
                S3Error(404, "NoSuchBucket", "The specified bucket does not exist", {"BucketName": record.bucket or ""})
            )

        page: Page | None = None
        hook_fault: Fault | None = None
        if bucket.handler is not None:
            result = bucket.handler(record)
            if isinstance(result, Page):
                page = result
            else:
                hook_fault = result

        fault, normal = self._respond_for_bucket(bucket, record, page)
        return (hook_fault or fault), normal

    def _respond_for_bucket(
        self, bucket: StubBucket, record: RecordedRequest, page: Page | None
    ) -> tuple[Fault | None, Callable[[], _Response]]:
        for name, required in bucket.require_headers.items():
            value = record.header(name)
            if value is None or (required is not None and value != required):
                return self._fail(S3Error(403, "AccessDenied", "Access Denied"))

        if record.operation == "HeadBucket":
            return None, lambda: _Response(200, b"", {"x-amz-bucket-region": bucket.region})
        if record.operation == "GetBucketLocation":
            return None, lambda: self._ok(render_location(bucket.region), bucket.region)
        if record.operation != "ListObjectsV2":
            return self._fail(S3Error(501, "NotImplemented", f"The S3 stub does not implement {record.operation}"))

        token = record.continuation_token
        if page is None and bucket.objects is None:
            page = self._scripted_page(bucket, token)
            if page is None:
                return self._fail(self._invalid_token(token))
        elif page is None and token is not None and AUTO_TOKEN.fullmatch(token) is None:
            return self._fail(self._invalid_token(token))

        fault = pick_fault(bucket.fault, bucket.attempt_faults, record.attempt)
        if fault is None and page is not None:
            fault = pick_fault(page.fault, page.attempt_faults, record.attempt)
        return fault, lambda: self._listing_response(bucket, record, page)

    def _fail(self, error: S3Error) -> tuple[None, Callable[[], _Response]]:
        return None, lambda: self._error_response(error)

    @staticmethod
    def _invalid_token(token: str | None) -> S3Error:
        return S3Error(
            400,
            "InvalidArgument",
            "The continuation token provided is incorrect",
            {"ArgumentName": "continuation-token", "ArgumentValue": token or ""},
        )

    @staticmethod
    def _scripted_page(bucket: StubBucket, token: str | None) -> Page | None:
        pages = bucket.pages
        if callable(pages) and not isinstance(pages, (Sequence, Mapping)):
            return pages(token)
        if isinstance(pages, Mapping):
            return pages.get(token)
        index = bucket.token_pages.get(token)
        return pages[index] if index is not None and index < len(pages) else None

    def _listing_params(self, bucket: StubBucket, record: RecordedRequest, page: Page | None) -> ListingParams:
        mode = (page.encoding if page is not None and page.encoding else None) or bucket.encoding
        requested = record.query.get("encoding-type") == "url"
        encode = mode in ("always", "unlabelled") or (mode == "auto" and requested)
        label = mode == "always" or (mode == "auto" and requested)
        try:
            requested_max = int(record.query.get("max-keys", "1000"))
        except ValueError:
            requested_max = 1000
        max_keys = page.max_keys if page is not None and page.max_keys is not None else requested_max
        return ListingParams(
            bucket=bucket.name,
            prefix=record.query.get("prefix", ""),
            delimiter=record.query.get("delimiter") or None,
            start_after=record.query.get("start-after"),
            continuation_token=record.continuation_token,
            max_keys=max_keys,
            encode_keys=encode,
            label_encoding=label,
            space=bucket.space,
        )

    def _listing_response(self, bucket: StubBucket, record: RecordedRequest, page: Page | None) -> _Response:
        if page is not None and page.body is not None:
            return self._ok(page.body, bucket.region)
        params = self._listing_params(bucket, record, page)
        if page is not None:
            body = render_list_objects_v2(
                params,
                page.keys,
                page.common_prefixes,
                page.truncated,
                page.token,
                page.key_count,
                page.defaults,
            )
            return self._ok(body, bucket.region)
        entries, prefixes, next_token = self._auto_page(bucket, params)
        body = render_list_objects_v2(params, entries, prefixes, next_token is not None, next_token)
        return self._ok(body, bucket.region)

    @staticmethod
    def _auto_page(bucket: StubBucket, params: ListingParams) -> tuple[list[Obj], list[str], str | None]:
        """Paginate the bucket's sorted objects as S3 does, with prefixes counted in max-keys.

        The token is a position in the listing that prefix, delimiter and
        start-after select, so a client must send the same start-after with
        each token (S3 itself carries the position in the token).
        """
        prefix = params.prefix
        delimiter = params.delimiter
        start_after = params.start_after
        objects = bucket.objects or []
        sort_keys = bucket.sort_keys
        if sort_keys is None or len(sort_keys) != len(objects):
            sort_keys = bucket.sort_keys = [entry.key.encode("utf-8", "surrogateescape") for entry in objects]
        # Skip to the first key of the prefix, or after start-after, by bisection.
        first = bisect.bisect_left(sort_keys, prefix.encode("utf-8", "surrogateescape"))
        if start_after is not None:
            first = max(first, bisect.bisect_right(sort_keys, start_after.encode("utf-8", "surrogateescape")))
        items: list[Obj | str] = []
        for entry in itertools.islice(objects, first, None):
            if not entry.key.startswith(prefix):
                break
            if delimiter:
                position = entry.key.find(delimiter, len(prefix))
                if position >= 0:
                    common = entry.key[: position + len(delimiter)]
                    if not items or items[-1] != common:
                        items.append(common)
                    continue
            items.append(entry)

        start = 0
        if params.continuation_token is not None:
            match = AUTO_TOKEN.fullmatch(params.continuation_token)
            start = int(match.group(1)) if match else len(items)
        limit = max(0, min(params.max_keys, 1000))
        chunk = items[start : start + limit]
        end = start + len(chunk)
        # With max-keys 0 no page can make progress, so none is promised.
        next_token = _auto_token(end) if end < len(items) and limit > 0 else None
        entries = [item for item in chunk if isinstance(item, Obj)]
        prefixes = [item for item in chunk if isinstance(item, str)]
        return entries, prefixes, next_token
