#!/usr/bin/env bash
# Installs the dependencies, builds s3catalog, and runs the main job against a
# local S3 emulator with demo data (everything on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true

scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target s3catalog
exec python3 scripts/demo.py
