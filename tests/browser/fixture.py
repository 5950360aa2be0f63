#!/usr/bin/env python3
"""Start moto's S3 server with the browser tests' buckets and print how to reach it.

Prints one JSON line on stdout: {"endpoint", "access_key_id",
"secret_access_key", "denied_bucket", "buckets"}. The keys belong to an IAM
user that may list every bucket but the denied one; moto checks signatures
and policies from then on. The server runs until standard input closes.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))

from harness.moto import MotoServer  # noqa: E402

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


def main() -> None:
    # SIGTERM ends the process through the with-block, so moto stops too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with MotoServer() as moto:
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
                }
            ),
            flush=True,
        )
        sys.stdin.read()


if __name__ == "__main__":
    main()
