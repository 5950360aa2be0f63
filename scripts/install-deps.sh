#!/usr/bin/env bash
# Installs what s3catalog needs to build and test on Debian 12: the compiler
# toolchain and libraries from Debian's packages, and checks that a Python 3
# with moto's server and boto3 is on PATH (the S3 emulator used by the demo
# and the tests).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git curl openssl ca-certificates
  libcurl4-openssl-dev libssl-dev libpugixml-dev nlohmann-json3-dev libsqlite3-dev
  libspdlog-dev libfmt-dev libcli11-dev libsodium-dev libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev
  rclone
  python3
)

sudo_prefix=()
if [[ $(id -u) -ne 0 ]]; then sudo_prefix=(sudo); fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}" >&2
  "${sudo_prefix[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# moto's server and boto3 come from PyPI. Debian 12 marks its Python as
# externally managed, so they go into a virtual environment in .venv, which
# scripts/test.sh and scripts/demo.sh put first on PATH.
venv_dir="$(cd "$(dirname "$0")/.." && pwd)/.venv"
if [[ -x "$venv_dir/bin/python3" ]]; then export PATH="$venv_dir/bin:$PATH"; fi
if ! python3 -c 'import moto.server, boto3' 2>/dev/null; then
  echo "install-deps: python3 has no moto server; installing moto[server] and boto3 into $venv_dir" >&2
  if ! dpkg-query -W -f='${Status}' python3-venv 2>/dev/null | grep -q "install ok installed"; then
    "${sudo_prefix[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends python3-venv python3-pip >/dev/null
  fi
  if ! { python3 -m venv "$venv_dir" && "$venv_dir/bin/pip" install --quiet "moto[server]==5.2.1" boto3; }; then
    echo "install-deps: error: could not install moto into $venv_dir. Install it by hand:" \
         "python3 -m venv .venv && .venv/bin/pip install 'moto[server]==5.2.1' boto3" >&2
    exit 1
  fi
fi
echo "install-deps: all build and test dependencies are present" >&2
