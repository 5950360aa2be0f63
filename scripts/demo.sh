#!/usr/bin/env bash
# Installs the dependencies, builds s3catalog, and runs the main job against a
# local S3 emulator with demo data, then serves the web UI (everything on
# 127.0.0.1). `scripts/demo.sh --no-serve` exits after the extraction.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true

scripts/install-deps.sh
# install-deps.sh puts moto into .venv when the system Python lacks it.
if [[ -x .venv/bin/python3 ]]; then export PATH="$PWD/.venv/bin:$PATH"; fi
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target s3catalog
exec python3 scripts/demo.py "$@"
