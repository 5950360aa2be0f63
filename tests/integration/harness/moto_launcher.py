"""Run moto's server on 127.0.0.1 with SigV4 checks that accept encoded queries.

Usage: python3 moto_launcher.py --port-file FILE [--port 0] [--no-query-fix]

The launcher binds the port (0 lets the OS choose), writes the bound port to
FILE once the socket listens, and serves until SIGTERM or until its standard
input reaches end of file. The parent keeps a pipe to that input open, so the
server also ends when the test process dies without stopping it.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from urllib.parse import quote, unquote, urlsplit, urlunsplit

# Python puts this script's folder first on sys.path, and that folder contains the
# harness's own moto.py, which would shadow the moto package.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != _HERE]

# SigV4 keeps the RFC 3986 unreserved characters and percent-encodes every
# other byte of a query name or value in upper-case hex, '/' included.
SIGV4_UNRESERVED = "-_.~"


def canonical_query(query: str) -> str:
    """Re-encode each name and value of a raw query the way SigV4 signs it."""
    pairs = []
    for pair in query.split("&"):
        name, separator, value = pair.partition("=")
        encoded = quote(unquote(name), safe=SIGV4_UNRESERVED)
        if separator:
            encoded += "=" + quote(unquote(value), safe=SIGV4_UNRESERVED)
        pairs.append(encoded)
    return "&".join(pairs)


def canonical_s3_path(path: str) -> str:
    """Re-encode an S3 request path like S3's canonical URI: each byte once, '/' kept."""
    return quote(unquote(path), safe="/" + SIGV4_UNRESERVED)


def patch_signature_check() -> None:
    """Make moto rebuild the signed request in SigV4's canonical encoding.

    moto 5.2.1 builds the request it re-signs from Werkzeug's request.url,
    which is an IRI: '%2F' comes back as '/' and '%C3%A9' as 'é'. botocore
    then uses that query text unchanged in the canonical request, so a request
    signed correctly with `prefix=a%2F` gets SignatureDoesNotMatch. The patch
    re-encodes the query (and, for S3, the path) before moto signs it.
    """
    from moto.iam import access_control

    base = access_control.IAMRequestBase
    original = base._create_aws_request

    def create_aws_request(self):
        request = original(self)
        parts = urlsplit(request.url)
        path = parts.path
        if isinstance(self, access_control.S3IAMRequest):
            path = canonical_s3_path(path)
        query = canonical_query(parts.query) if parts.query else ""
        request.url = urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))
        return request

    base._create_aws_request = create_aws_request


def exit_when_stdin_closes() -> None:
    """Stop the process when the parent closes our standard input or dies."""

    def watch() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        os._exit(0)

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()


def write_port_file(path: str, port: int) -> None:
    # Written to a temporary name and renamed, so a reader never sees a partial number.
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="ascii") as handle:
        handle.write(f"{port}\n")
    os.replace(temporary, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="TCP port to listen on (0: the OS chooses a free one)")
    parser.add_argument("--port-file", required=True, help="file that receives the bound port")
    parser.add_argument(
        "--no-query-fix",
        action="store_true",
        help="leave moto's signature check unpatched (to reproduce the rejection)",
    )
    parser.add_argument(
        "--watch-stdin",
        action="store_true",
        help="exit when standard input reaches end of file",
    )
    args = parser.parse_args()

    if not args.no_query_fix:
        patch_signature_check()

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    application = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", args.port, application, threaded=True)
    port = server.server_port
    # moto builds some URLs (presigned URLs, queue URLs) from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(port)

    if args.watch_stdin:
        exit_when_stdin_closes()

    # make_server has already bound and listened, so connections queue from here on.
    write_port_file(args.port_file, port)
    print(f"moto listening on http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
