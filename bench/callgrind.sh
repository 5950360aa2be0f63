#!/usr/bin/env bash
# Counts instructions per object on the parse path and the store path with
# callgrind. Each path runs twice with different amounts of work, and the
# difference is divided by the extra objects, so set-up costs cancel out.
#   bench/callgrind.sh [BUILD_DIR]      (default build/)
set -euo pipefail

build_dir=${1:-"$(cd "$(dirname "$0")/.." && pwd)/build"}
micro="$build_dir/bench/s3bench-micro"
if [[ ! -x "$micro" ]]; then
  echo "callgrind.sh: $micro not found; build the s3bench-micro target first" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints the total instruction count (Ir) of one run of s3bench-micro.
instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$work/out" "$micro" "$@" > /dev/null 2> "$work/log"
  sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$work/log"
}

per_object() {
  local small=$1 large=$2 objects=$3
  echo $(( (large - small) / objects ))
}

parse_small=$(instructions --profile-parse 2)
parse_large=$(instructions --profile-parse 12)
first_small=$(instructions --profile-store 5 1)
first_large=$(instructions --profile-store 25 1)
twice_small=$(instructions --profile-store 5 2)
twice_large=$(instructions --profile-store 25 2)

echo "| path | instructions per object |"
echo "| --- | ---: |"
echo "| parse (parse_list_objects, 1000-key page, encoding-type=url) | $(per_object "$parse_small" "$parse_large" 10000) |"
echo "| store, first sync (write_objects, pages of 1000) | $(per_object "$first_small" "$first_large" 20000) |"
echo "| store, re-sync of unchanged objects | $(per_object $((twice_small - first_small)) $((twice_large - first_large)) 20000) |"
