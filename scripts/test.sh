#!/usr/bin/env bash
# Installs the dependencies, builds s3catalog, and runs every test: the unit
# tests, the integration tests against moto's server, scripted S3 stubs and
# the built binary, and the browser test of the web UI, all on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

# No test may reach an instance-metadata address, whatever the machine.
export AWS_EC2_METADATA_DISABLED=true

scripts/install-deps.sh
# install-deps.sh puts moto into .venv when the system Python lacks it.
if [[ -x .venv/bin/python3 ]]; then export PATH="$PWD/.venv/bin:$PATH"; fi

# The browser test of the web UI needs Debian's chromium and playwright-core.
if [[ ! -x /usr/bin/chromium ]]; then
  echo "test.sh: installing chromium for the browser test" >&2
  sudo_prefix=()
  if [[ $(id -u) -ne 0 ]]; then sudo_prefix=(sudo); fi
  "${sudo_prefix[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_prefix[@]}" apt-get install -y -qq chromium >/dev/null
fi
if ! command -v npm >/dev/null; then
  echo "test.sh: installing nodejs and npm for the browser test" >&2
  sudo_prefix=()
  if [[ $(id -u) -ne 0 ]]; then sudo_prefix=(sudo); fi
  "${sudo_prefix[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_prefix[@]}" apt-get install -y -qq nodejs npm >/dev/null
fi
(cd tests/browser && npm ci --no-audit --no-fund)
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"
ctest --preset default -j 2 "$@"
