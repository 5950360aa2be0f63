#!/usr/bin/env bash
# Installs the dependencies, builds s3catalog, and runs every test: the unit
# tests and the integration tests against moto's server, scripted S3 stubs and
# the built binary, all on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

# No test may reach an instance-metadata address, whatever the machine.
export AWS_EC2_METADATA_DISABLED=true

scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"
ctest --preset default -j 2 "$@"
