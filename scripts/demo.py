#!/usr/bin/env python3
"""Run s3catalog's main job against a local S3 emulator with demo data.

Starts moto's server on 127.0.0.1 (a free port), creates a few buckets with
folders and unusual keys, an IAM user that may list all of them but one,
registers a source with that user's keys, runs the extraction into a SQLite
catalog under .demo/, and prints the result and some catalogued files. Then it
serves the web UI and REST API on 127.0.0.1 until Ctrl-C (skip that with
--no-serve), with a demo admin user whose random password is written to
.demo/admin-password (mode 0600), never printed.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from harness.env import isolated_child_environment  # noqa: E402
from harness.moto import MotoServer  # noqa: E402

BINARY = Path(os.environ.get("S3CATALOG_BIN", ROOT / "build" / "src" / "cli" / "s3catalog"))
DEMO_DIR = ROOT / ".demo"

BUCKETS = {
    "analytics": {
        "events/2024/05/01/part-0000.parquet": b"x" * 2048,
        "events/2024/05/02/part-0000.parquet": b"x" * 4096,
        "reports/": b"",
        "reports/q1.csv": b"region,total\neu,10\n",
        "README.md": b"# Analytics\n",
    },
    "logs": {
        "app/2024-05-01.log": b"started\n",
        "app/with space.log": b"a key with a space\n",
        "app/caf\u00e9.log": b"a key with unicode\n",
        "app/a+b%25.txt": b"a key with + and %\n",
        "/rooted.txt": b"a key that starts with a slash\n",
    },
    "raw-landing": {"incoming/orders.json": b'{"id": 1}\n'},
    "finance-restricted": {"payroll/2024.csv": b"secret,numbers\n"},
}

# The demo user may list every bucket but finance-restricted.
READER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": [f"arn:aws:s3:::{name}" for name in BUCKETS if name != "finance-restricted"],
        },
    ],
}


def run(args: list[str], env: dict[str, str], stdin: str | None = None, echo: bool = True) -> str:
    if echo:
        print("$ s3catalog " + " ".join(args), flush=True)
    completed = subprocess.run(
        [str(BINARY), *args], env=env, input=stdin, text=True, stdout=subprocess.PIPE, check=False
    )
    if completed.returncode not in (0,):
        print(completed.stdout, end="")
        raise SystemExit(f"demo: s3catalog {args[0]} exited with status {completed.returncode}")
    return completed.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-serve", action="store_true", help="exit after the extraction instead of serving the UI")
    serve = not parser.parse_args().no_serve
    if not BINARY.exists():
        raise SystemExit(f"demo: {BINARY} not found; build first with: cmake --preset default && cmake --build build")
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    DEMO_DIR.mkdir()

    with MotoServer() as moto:
        print(f"demo: S3 emulator (moto) listening on {moto.endpoint}", flush=True)
        for name, objects in BUCKETS.items():
            moto.make_bucket(name, objects)
        key_id, secret = moto.create_user("catalog-reader", READER_POLICY)
        moto.enable_auth()
        print("demo: created 4 buckets and IAM user catalog-reader (no ListBucket on finance-restricted)", flush=True)

        env = isolated_child_environment(
            {
                "S3CATALOG_DB": f"sqlite://{DEMO_DIR / 'catalog.db'}",
                "S3CATALOG_SECRET_KEY_FILE": str(DEMO_DIR / "secret.key"),
            }
        )
        run(
            ["source", "add", "demo", "--type", "s3", "--endpoint-url", moto.endpoint,
             "--access-key-id", key_id, "--secret-access-key-stdin"],
            env, stdin=secret + "\n",
        )
        print(run(["source", "show", "demo"], env), flush=True)
        print(run(["extract", "demo"], env), flush=True)
        print(run(["files", "demo"], env), flush=True)
        print(run(["show", "demo", "/analytics/reports/"], env), flush=True)

        password_file = create_demo_admin(env)
        print(f"demo: the catalog is in {DEMO_DIR / 'catalog.db'}; browse it from the shell with")
        print(f"  S3CATALOG_DB=sqlite://{DEMO_DIR / 'catalog.db'} S3CATALOG_SECRET_KEY_FILE={DEMO_DIR / 'secret.key'} "
              f"{BINARY} files demo", flush=True)
        if serve:
            serve_until_interrupted(env, password_file)


def create_demo_admin(env: dict[str, str]) -> Path:
    """Create user admin with a random password, kept only in a 0600 file; return the file."""
    password = secrets.token_urlsafe(18)
    password_file = DEMO_DIR / "admin-password"
    descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(password + "\n")
    run(["user", "add", "admin", "--role", "admin"], env, stdin=password + "\n")
    return password_file


def free_port(preferred: int) -> int:
    """Return `preferred` when it is free on 127.0.0.1, else a port the OS picks."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]


def serve_until_interrupted(env: dict[str, str], password_file: Path) -> None:
    """Run `s3catalog serve` on the demo catalog, with moto still up, until Ctrl-C."""
    port = free_port(8080)
    # SIGTERM (from a script or a service manager) stops the demo the way
    # Ctrl-C does, so the server and the emulator stop with it.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = subprocess.Popen([str(BINARY), "serve", "--listen", f"127.0.0.1:{port}"], env=env)
    print(f"demo: open http://127.0.0.1:{port}/ in a browser (Ctrl-C stops the server and the emulator)",
          flush=True)
    print(f"demo: log in as admin; password: cat {password_file.relative_to(ROOT)}", flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
