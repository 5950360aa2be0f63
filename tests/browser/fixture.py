#!/usr/bin/env python3
"""Start the S3 servers of the browser tests and print how to reach them.

moto serves the test buckets. Its keys belong to an IAM user that may list
every bucket but the denied one, and moto checks signatures and policies.
A scripted stub serves one large bucket whose pages come slowly, so a job
stays running long enough to watch its progress and cancel it.

A second moto server holds the bucket of hostile keys (markup, a
2,000-character key, a right-to-left override), so the main source never
sees that bucket and its job results stay as they are.

Prints one JSON line on stdout: {"endpoint", "access_key_id",
"secret_access_key", "denied_bucket", "markup_key", "buckets",
"slow_endpoint", "slow_bucket", "hostile_bucket", "hostile_keys",
"hostile_endpoint"}. The servers run
until standard input closes.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))

from harness.moto import MotoServer  # noqa: E402
from harness.s3stub import GeneratedPages, S3Stub, Stall  # noqa: E402

DENIED_BUCKET = "finance-restricted"
# A key that is valid HTML: the UI must show it as text and never run it.
MARKUP_KEY = "<img src=x onerror=alert(1)>.txt"

BUCKETS = {
    "analytics": {
        "events/2024/05/01/part-0000.parquet": b"p" * 2048,
        "events/2024/05/02/part-0000.parquet": b"p" * 4096,
        "reports/q1.csv": b"region,total\neu,10\nus,12\n",
        "reports/q2.csv": b"region,total\neu,11\nus,14\n",
        "README.md": b"# Analytics\n",
    },
    "logs": {
        "app/2024-05-01.log": b"started\n" * 100,
        "app/with space.log": b"a key with a space\n",
        MARKUP_KEY: b"markup in a key\n",
    },
    DENIED_BUCKET: {"payroll/2024.csv": b"secret,numbers\n"},
}

HOSTILE_BUCKET = "hostile"
# Keys a page must show as text. Real S3 limits keys to 1,024 bytes; moto
# does not, which lets the UI meet a longer one.
HOSTILE_KEYS = [
    "<script>alert('key')</script>.txt",
    "pics/<img src=x onerror=alert(2)>.png",
    "docs/[readme](javascript:alert(3)).md",
    "invoice-\u202egpj.exe",
    "long/" + "k" * 1991 + ".txt",
]

SLOW_BUCKET = "slow-archive"
# 200 pages of 1,000 keys, each page served after SLOW_PAGE_SECONDS: a job
# over this bucket runs for about a minute unless it is cancelled.
SLOW_KEYS = 200_000
SLOW_PAGE_SECONDS = 0.3

READER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": [f"arn:aws:s3:::{name}" for name in BUCKETS if name != DENIED_BUCKET],
        },
    ],
}


def start_slow_stub() -> S3Stub:
    stub = S3Stub()
    stub.add_bucket(
        SLOW_BUCKET,
        pages=GeneratedPages(SLOW_KEYS, lambda index: "batch/%03d/part-%06d.json" % (index // 1000, index)),
        handler=lambda request: Stall(SLOW_PAGE_SECONDS) if request.operation == "ListObjectsV2" else None,
    )
    stub.set_list_buckets([SLOW_BUCKET])
    return stub.start()


def main() -> None:
    # SIGTERM ends the process through the with-block, so moto stops too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    stub = start_slow_stub()
    try:
        serve(stub)
    finally:
        stub.stop()


def serve(stub: S3Stub) -> None:
    # The second server checks no signatures, so any keys read it.
    with MotoServer() as moto, MotoServer() as hostile:
        hostile.make_bucket(HOSTILE_BUCKET, {key: b"hostile\n" for key in HOSTILE_KEYS})
        for name, objects in BUCKETS.items():
            moto.make_bucket(name, objects)
        key_id, secret = moto.create_user("catalog-reader", READER_POLICY)
        moto.enable_auth()
        print(
            json.dumps(
                {
                    "endpoint": moto.endpoint,
                    "access_key_id": key_id,
                    "secret_access_key": secret,
                    "denied_bucket": DENIED_BUCKET,
                    "markup_key": MARKUP_KEY,
                    "buckets": sorted(BUCKETS),
                    "slow_endpoint": stub.endpoint,
                    "slow_bucket": SLOW_BUCKET,
                    "hostile_bucket": HOSTILE_BUCKET,
                    "hostile_keys": HOSTILE_KEYS,
                    "hostile_endpoint": hostile.endpoint,
                }
            ),
            flush=True,
        )
        sys.stdin.read()


if __name__ == "__main__":
    main()
