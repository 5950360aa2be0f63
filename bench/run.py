#!/usr/bin/env python3
"""Time s3catalog and the S3 listing tools users know against one loopback fixture.

Starts bench's fixture (s3bench-fixture) with N generated keys in one bucket on
127.0.0.1, runs each tool on the same bucket in turn, and prints a Markdown
table of wall time, objects/s, CPU seconds (user+sys) and peak RSS per tool.
Every tool must list exactly N keys, or the run fails. Every tool gets dummy
keys, AWS_EC2_METADATA_DISABLED=true and the fixture's loopback URL, so no
request leaves the machine.

    bench/run.py                      # 1M keys, every tool that is installed
    bench/run.py --keys 10000000 --tools s3catalog,s3catalog-list,rclone
    bench/run.py --latency-ms 30 --tools s3catalog,s3catalog-list-sharded,s3catalog-list
    bench/run.py --quick              # 20k keys, s3catalog and the other quick tools
    bench/run.py --targets            # every speed target, then the targets table
    bench/run.py --targets-latency --keys 200000   # one part of --targets alone

--targets runs four parts, each with its own flag: sync (1M keys), latency
(1M keys behind 30 ms per request), large (10M-key extract, about 4 GB of
catalog, deleted after) and catalog (s3bench-catalog build and query on 10M
files, deleted after). It prints each part's table as it finishes, then the
table of targets with the measured value and whether each is met.

CPU and peak RSS come from wait4() on each tool's process, which is what GNU
time -v reports.
"""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUCKET = "bench"
ACCESS_KEY_ID = "AKIDBENCHMARK"
SECRET_ACCESS_KEY = "benchmark-secret"
ALL_TOOLS = ["s3catalog", "s3catalog-resync", "s3catalog-1stream", "s3catalog-list", "s3catalog-list-sharded",
             "rclone", "aws-s3api", "aws-s3-ls", "s3cmd"]
DEFAULT_TOOLS = ALL_TOOLS
QUICK_TOOLS = ["s3catalog", "s3catalog-list", "s3catalog-list-sharded", "rclone"]
# Requests in flight for s3bench-list --workers; the same as the default of
# `s3catalog extract --max-requests`.
DEFAULT_LIST_WORKERS = 64
FIXTURE_THREADS = 256


@dataclass
class Measurement:
    tool: str
    command: str
    listed: int
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    fixture_cpu_seconds: float
    notes: list = field(default_factory=list)

    @property
    def objects_per_second(self):
        return self.listed / self.wall_seconds if self.wall_seconds > 0 else 0.0


class Fixture:
    """The fixture server as a child process; stopped by its PID."""

    def __init__(self, binary, keys, latency_ms):
        # httplib serves each keep-alive connection on one thread, so the
        # fixture needs a thread per client connection, or requests beyond
        # its thread count wait for a free one.
        command = [str(binary), "--keys", str(keys), "--bucket", BUCKET, "--threads", str(FIXTURE_THREADS)]
        if latency_ms:
            command += ["--latency-ms", str(latency_ms)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("port="):
            self.stop()
            raise SystemExit(f"run.py: the fixture did not start (printed {line!r}); see its error above")
        self.port = int(line.strip().split("=", 1)[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self):
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def base_environment(work):
    """Return an environment with dummy keys, an empty home and no metadata service."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work / "home"),
        "LANG": "C.UTF-8",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(work / "home" / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(work / "home" / "aws-credentials"),
        "XDG_CONFIG_HOME": str(work / "home" / ".config"),
        "XDG_DATA_HOME": str(work / "home" / ".local" / "share"),
        "XDG_CACHE_HOME": str(work / "home" / ".cache"),
        "RCLONE_CONFIG": str(work / "home" / "rclone.conf"),
    }
    (work / "home").mkdir(parents=True, exist_ok=True)
    return environment


def run_measured(command, environment, output_path, fixture, stdin_text=None, timeout=7200):
    """Runs command with its stdout in output_path; returns (wall, cpu, peak RSS MB, fixture CPU)."""
    fixture_before = fixture.cpu_seconds()
    with open(output_path, "wb") as output:
        started = time.monotonic()
        process = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.PIPE,
                                   stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL)
        if stdin_text is not None:
            process.stdin.write(stdin_text.encode())
            process.stdin.close()
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                raise SystemExit(f"run.py: {command[0]} did not finish within {timeout} s")
            time.sleep(0.01)
        wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    error_text = process.stderr.read().decode(errors="replace")
    if process.returncode != 0:
        raise SystemExit(f"run.py: {' '.join(map(str, command))} exited with {process.returncode}:\n{error_text}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, fixture.cpu_seconds() - fixture_before


def count_lines(path):
    count = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def count_occurrences(path, needle):
    """Counts needle in a file read in chunks (needle is short, so overlaps are handled)."""
    count = 0
    tail = b""
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            count += data.count(needle)
            tail = data[-(len(needle) - 1):]
            count -= tail.count(needle)
    return count


class Runner:
    def __init__(self, arguments, fixture, work):
        self.arguments = arguments
        self.fixture = fixture
        self.work = work
        self.environment = base_environment(work)
        self.s3catalog = Path(arguments.s3catalog)
        self.catalog = work / "catalog.db"

    def s3catalog_command(self, *arguments):
        return [str(self.s3catalog), "--db", f"sqlite://{self.catalog}", *arguments]

    def catalogued_files(self):
        with sqlite3.connect(self.catalog) as connection:
            (count,) = connection.execute(
                "SELECT count(*) FROM objects WHERE present = 1 AND is_marker = 0").fetchone()
        return count

    def add_source(self):
        if self.catalog.exists():
            return
        command = self.s3catalog_command("source", "add", "bench", "--type", "s3", "--endpoint-url",
                                         self.fixture.url, "--path-style", "--access-key-id", ACCESS_KEY_ID,
                                         "--secret-access-key-stdin")
        subprocess.run(command, env=self.environment, input=SECRET_ACCESS_KEY + "\n", text=True, check=True,
                       stdout=subprocess.DEVNULL)

    def measure(self, tool):
        output = self.work / f"{tool}.out"
        notes = []
        if tool in ("s3catalog", "s3catalog-resync", "s3catalog-1stream"):
            if tool != "s3catalog-resync":
                for path in self.work.glob("catalog.db*"):
                    path.unlink()
            self.add_source()
            if tool == "s3catalog-resync" and self.catalogued_files() == 0:
                self.run_tool_quietly("s3catalog")
            command = self.s3catalog_command("extract", "bench")
            shown = "s3catalog extract"
            if tool == "s3catalog-resync":
                shown += " (second run, nothing changed)"
            elif tool == "s3catalog-1stream":
                command.extend(["--max-requests", "1"])
                shown += " --max-requests 1 (one sequential stream)"
            measured = run_measured(command, self.environment, output, self.fixture)
            listed = self.catalogued_files()
            notes.append(f"catalog {self.catalog.stat().st_size / 1e6:.0f} MB")
        elif tool in ("s3catalog-list", "s3catalog-list-sharded"):
            command = [str(self.arguments.list_binary), "--endpoint-url", self.fixture.url, "--bucket", BUCKET]
            if tool == "s3catalog-list":
                shown = "s3bench-list, one stream (client, paginator and parser, no store)"
            else:
                workers = self.arguments.list_workers
                command += ["--workers", str(workers)]
                shown = f"s3bench-list --workers {workers} (sharded listing, no store)"
            measured = run_measured(command, self.environment, output, self.fixture)
            printed = dict(item.split("=", 1) for item in output.read_text().split())
            listed = int(printed["objects"])
            notes.append(f"{int(printed['requests']):,} requests")
            if tool == "s3catalog-list-sharded":
                notes.append(f"{int(printed['ranges']):,} key ranges, {printed['workers']} at once")
        elif tool == "rclone":
            environment = dict(self.environment, RCLONE_CONFIG_FIXTURE_TYPE="s3",
                               RCLONE_CONFIG_FIXTURE_PROVIDER="Other",
                               RCLONE_CONFIG_FIXTURE_ENDPOINT=self.fixture.url,
                               RCLONE_CONFIG_FIXTURE_ACCESS_KEY_ID=ACCESS_KEY_ID,
                               RCLONE_CONFIG_FIXTURE_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY,
                               RCLONE_CONFIG_FIXTURE_FORCE_PATH_STYLE="true",
                               RCLONE_CONFIG_FIXTURE_LIST_VERSION="2")
            command = ["rclone", "lsf", "-R", "--files-only", "--fast-list", f"fixture:{BUCKET}"]
            shown = "rclone lsf -R --files-only --fast-list"
            measured = run_measured(command, environment, output, self.fixture)
            listed = count_lines(output)
        elif tool == "aws-s3api":
            command = ["aws", "--endpoint-url", self.fixture.url, "s3api", "list-objects-v2", "--bucket", BUCKET]
            shown = "aws s3api list-objects-v2 (JSON output)"
            measured = run_measured(command, self.environment, output, self.fixture)
            listed = count_occurrences(output, b'"Key": ')
        elif tool == "aws-s3-ls":
            command = ["aws", "--endpoint-url", self.fixture.url, "s3", "ls", "--recursive", f"s3://{BUCKET}/"]
            shown = "aws s3 ls --recursive"
            measured = run_measured(command, self.environment, output, self.fixture)
            listed = count_lines(output)
        elif tool == "s3cmd":
            config = self.work / "s3cfg"
            host = f"127.0.0.1:{self.fixture.port}"
            config.write_text(f"[default]\naccess_key = {ACCESS_KEY_ID}\nsecret_key = {SECRET_ACCESS_KEY}\n"
                              f"host_base = {host}\nhost_bucket = {host}\nuse_https = False\n"
                              "signature_v2 = False\nbucket_location = us-east-1\n")
            command = ["s3cmd", "-c", str(config), "ls", "-r", f"s3://{BUCKET}"]
            shown = "s3cmd ls -r"
            measured = run_measured(command, self.environment, output, self.fixture)
            listed = count_lines(output)
        else:
            raise SystemExit(f"run.py: unknown tool {tool}; use one of {', '.join(ALL_TOOLS)}")
        output.unlink(missing_ok=True)
        wall, cpu, rss, fixture_cpu = measured
        return Measurement(tool, shown, listed, wall, cpu, rss, fixture_cpu, notes)

    def run_tool_quietly(self, tool):
        self.measure(tool)


def tool_available(tool):
    executable = {"rclone": "rclone", "aws-s3api": "aws", "aws-s3-ls": "aws", "s3cmd": "s3cmd"}.get(tool)
    return executable is None or shutil.which(executable) is not None


def markdown_table(results, keys):
    reference = next((m for m in results if m.tool == "s3catalog"), None)
    lines = [
        "| tool | keys listed | wall s | objects/s | CPU s (user+sys) | objects per CPU s | peak RSS MB | "
        "fixture CPU s | wall vs s3catalog extract |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in results:
        ratio = f"{m.wall_seconds / reference.wall_seconds:.2f}×" if reference else "n/a"
        command = m.command + (f" ({'; '.join(m.notes)})" if m.notes else "")
        lines.append(f"| {command} | {m.listed:,} | {m.wall_seconds:.2f} | {m.objects_per_second:,.0f} | "
                     f"{m.cpu_seconds:.2f} | {m.listed / max(m.cpu_seconds, 1e-9):,.0f} | {m.peak_rss_mb:.0f} | {m.fixture_cpu_seconds:.2f} | {ratio} |")
    return "\n".join(lines)


def run_tools(arguments, keys, latency_ms, tools):
    """Start a fixture of `keys` keys and measure each tool on it; return (results, table heading)."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="s3bench-", dir=arguments.work_dir) as work_text:
        work = Path(work_text)
        fixture = Fixture(arguments.fixture_binary, keys, latency_ms)
        try:
            runner = Runner(arguments, fixture, work)
            results = []
            for tool in tools:
                print(f"run.py: running {tool} on {keys:,} keys", file=sys.stderr)
                measurement = runner.measure(tool)
                print(f"run.py: {tool}: {measurement.listed:,} keys in {measurement.wall_seconds:.2f} s",
                      file=sys.stderr)
                results.append(measurement)
        finally:
            fixture.stop()

    latency = f", {latency_ms} ms per request" if latency_ms else ""
    heading = (f"{keys:,} keys in one bucket{latency}, {os.cpu_count()} CPUs, "
               f"load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after the run")
    return results, heading


def report_wrong_counts(results, keys):
    """Print an error for each tool that did not list exactly `keys` keys; return how many did not."""
    wrong = [m for m in results if m.listed != keys]
    for m in wrong:
        print(f"run.py: error: {m.tool} listed {m.listed:,} keys, expected {keys:,}", file=sys.stderr)
    return len(wrong)


# --targets: one part per group of targets. Each part starts its own fixture
# (or none) and prints its table as it finishes; the targets table comes last.
TARGET_PARTS = {
    "sync": "--keys keys, no latency: extract, re-sync, listing one stream and sharded",
    "latency": "--keys keys, --latency-ms per request: sharded extract, sharded and one-stream listing",
    "large": "--large-keys keys, no latency: extract (objects/s and peak RSS); the catalog is deleted after",
    "catalog": "s3bench-catalog build and query on --large-keys files; the catalog is deleted after",
}


@dataclass
class CatalogQueries:
    files: int
    build_seconds: float
    build_output: str
    p95_by_query: dict
    table: str


def run_catalog_part(arguments, files):
    """Build a catalog of `files` generated files with s3bench-catalog, time its queries, delete it."""
    with tempfile.TemporaryDirectory(prefix="s3bench-catalog-", dir=arguments.work_dir) as work_text:
        database = Path(work_text) / "catalog.db"
        build = [str(arguments.catalog_binary), "build", "--db", str(database), "--files", str(files)]
        print(f"run.py: building a catalog of {files:,} files", file=sys.stderr)
        started = time.monotonic()
        built = subprocess.run(build, capture_output=True, text=True)
        build_seconds = time.monotonic() - started
        if built.returncode != 0:
            raise SystemExit(f"run.py: {' '.join(build)} exited with {built.returncode}:\n{built.stderr}")
        size_mb = sum(path.stat().st_size for path in database.parent.glob("catalog.db*")) / 1e6

        query = [str(arguments.catalog_binary), "query", "--db", str(database), "--files", str(files),
                 "--rounds", str(arguments.catalog_rounds)]
        print(f"run.py: timing catalog queries ({arguments.catalog_rounds} rounds)", file=sys.stderr)
        queried = subprocess.run(query, capture_output=True, text=True)
        if queried.returncode != 0:
            raise SystemExit(f"run.py: {' '.join(query)} exited with {queried.returncode}:\n{queried.stderr}")

    # Rows of s3bench-catalog's table: | query | p50 ms | p95 ms | max ms |
    p95_by_query = {}
    for line in queried.stdout.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[2].replace(".", "", 1).isdigit():
            p95_by_query[cells[0]] = float(cells[2])
    if not p95_by_query:
        raise SystemExit(f"run.py: found no query timings in the output of s3bench-catalog query:\n{queried.stdout}")
    summary = built.stdout.strip() + f"; catalog {size_mb:,.0f} MB; the build took {build_seconds:.1f} s in all"
    return CatalogQueries(files, build_seconds, summary, p95_by_query, queried.stdout.strip())


def find(results, tool):
    return next((m for m in results if m.tool == tool), None)


def verdict(met):
    return "met" if met else "**not met**"


def targets_table(arguments, sync, latency, large, catalog):
    """Return the Markdown table of the speed targets from the parts that ran."""
    rows = []
    not_run = "not run"

    extract = find(sync, "s3catalog")
    if extract:
        rows.append((f"{arguments.keys:,} keys end to end into SQLite: >= 300,000 objects/s wall",
                     f"{extract.objects_per_second:,.0f} objects/s ({extract.wall_seconds:.2f} s, "
                     f"{extract.cpu_seconds:.2f} CPU s)", verdict(extract.objects_per_second >= 300_000)))
    else:
        rows.append(("keys end to end into SQLite: >= 300,000 objects/s wall", not_run, not_run))

    sharded = find(sync, "s3catalog-list-sharded")
    one_stream = find(sync, "s3catalog-list")
    if sharded:
        stream = f"; one stream {one_stream.objects_per_second:,.0f} objects/s" if one_stream else ""
        rows.append(("listing and parsing only: >= 1,000,000 objects/s",
                     f"{sharded.objects_per_second:,.0f} objects/s sharded ({sharded.wall_seconds:.2f} s){stream}",
                     verdict(sharded.objects_per_second >= 1_000_000)))
    else:
        rows.append(("listing and parsing only: >= 1,000,000 objects/s", not_run, not_run))

    large_extract = find(large, "s3catalog")
    if extract and large_extract:
        rows.append(("peak RSS of the extract flat, <= 100 MB at 1M and 10M keys",
                     f"{extract.peak_rss_mb:.0f} MB at {extract.listed:,} keys, {large_extract.peak_rss_mb:.0f} MB "
                     f"at {large_extract.listed:,} keys",
                     verdict(max(extract.peak_rss_mb, large_extract.peak_rss_mb) <= 100)))
    else:
        rows.append(("peak RSS of the extract flat, <= 100 MB at 1M and 10M keys", not_run, not_run))
    if large_extract:
        rows.append((f"{large_extract.listed:,} keys end to end (no target; for the record)",
                     f"{large_extract.objects_per_second:,.0f} objects/s ({large_extract.wall_seconds:.1f} s, "
                     f"{large_extract.cpu_seconds:.1f} CPU s)", "-"))

    stream = find(latency, "s3catalog-list")
    for tool, label in (("s3catalog-list-sharded", "sharded listing only"), ("s3catalog", "sharded extract")):
        measured = find(latency, tool)
        target = f"{arguments.latency_ms} ms per request, {label}: >= 10x one sequential listing stream"
        if measured and stream:
            speedup = stream.wall_seconds / measured.wall_seconds
            rows.append((target, f"{speedup:.1f}x ({measured.wall_seconds:.2f} s against {stream.wall_seconds:.2f} s)",
                         verdict(speedup >= 10)))
        else:
            rows.append((target, not_run, not_run))

    if catalog:
        worst = max(catalog.p95_by_query, key=catalog.p95_by_query.get)
        slow = [name for name, p95 in catalog.p95_by_query.items() if p95 >= 50]
        measured = f"worst p95 {catalog.p95_by_query[worst]:.2f} ms ({worst})"
        if slow:
            measured += f"; at or over 50 ms: {', '.join(slow)}"
        rows.append((f"browse and search on {catalog.files:,} files: p95 < 50 ms", measured, verdict(not slow)))
    else:
        rows.append(("browse and search on 10M files: p95 < 50 ms", not_run, not_run))

    resync = find(sync, "s3catalog-resync")
    if extract and resync:
        rows.append(("re-sync of an unchanged bucket no slower than the first sync",
                     f"{resync.wall_seconds:.2f} s and {resync.cpu_seconds:.2f} CPU s against "
                     f"{extract.wall_seconds:.2f} s and {extract.cpu_seconds:.2f} CPU s",
                     verdict(resync.wall_seconds <= extract.wall_seconds)))
    else:
        rows.append(("re-sync of an unchanged bucket no slower than the first sync", not_run, not_run))

    lines = ["| target | measured | result |", "| --- | --- | --- |"]
    lines += [f"| {target} | {measured} | {result} |" for target, measured, result in rows]
    return "\n".join(lines)


def run_targets(arguments):
    """Run the selected parts of --targets and print each part's table, then the targets table."""
    started = time.monotonic()
    failures = 0
    sync = latency = large = []
    catalog = None

    if "sync" in arguments.parts:
        tools = ["s3catalog", "s3catalog-resync", "s3catalog-list", "s3catalog-list-sharded"]
        sync, heading = run_tools(arguments, arguments.keys, 0, tools)
        print(f"## No latency\n\n{heading}\n\n{markdown_table(sync, arguments.keys)}\n", flush=True)
        failures += report_wrong_counts(sync, arguments.keys)
    if "latency" in arguments.parts:
        tools = ["s3catalog", "s3catalog-list-sharded", "s3catalog-list"]
        latency, heading = run_tools(arguments, arguments.keys, arguments.latency_ms, tools)
        print(f"## Latency\n\n{heading}\n\n{markdown_table(latency, arguments.keys)}\n", flush=True)
        failures += report_wrong_counts(latency, arguments.keys)
    if "large" in arguments.parts:
        large, heading = run_tools(arguments, arguments.large_keys, 0, ["s3catalog"])
        print(f"## Large bucket\n\n{heading}\n\n{markdown_table(large, arguments.large_keys)}\n", flush=True)
        failures += report_wrong_counts(large, arguments.large_keys)
    if "catalog" in arguments.parts:
        catalog = run_catalog_part(arguments, arguments.large_keys)
        print(f"## Catalog queries\n\n{catalog.build_output}\n\n{catalog.table}\n", flush=True)

    print(f"## Targets\n\n{targets_table(arguments, sync, latency, large, catalog)}\n")
    print(f"run.py: --targets took {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 1 if failures else 0


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=1_000_000, help="keys in the bucket (default 1000000)")
    parser.add_argument("--latency-ms", type=int, default=None,
                        help="delay the fixture adds to each request, in ms (default 0, and 30 for --targets)")
    parser.add_argument("--tools", help=f"comma-separated subset of {','.join(ALL_TOOLS)} (default: all installed)")
    parser.add_argument("--quick", action="store_true",
                        help="20000 keys with s3catalog, the listing-only client and rclone (for CI)")
    parser.add_argument("--list-workers", type=int, default=DEFAULT_LIST_WORKERS,
                        help=f"requests in flight for s3catalog-list-sharded (default {DEFAULT_LIST_WORKERS})")
    targets = parser.add_argument_group(
        "targets", "Measure every speed target in one run and print the targets table. --targets runs every "
        "part; a part flag runs only the parts named.")
    targets.add_argument("--targets", action="store_true", help="run every part below")
    for part, description in TARGET_PARTS.items():
        targets.add_argument(f"--targets-{part}", action="store_true", help=description)
    targets.add_argument("--large-keys", type=int, default=10_000_000,
                         help="keys (and catalog files) for the large parts (default 10000000)")
    targets.add_argument("--catalog-rounds", type=int, default=20,
                         help="rounds per query for s3bench-catalog query (default 20)")
    parser.add_argument("--build-dir", default=str(REPO / "build"), help="CMake build folder (default build/)")
    parser.add_argument("--work-dir", help="folder for the catalog and outputs (default: a new temporary one)")
    arguments = parser.parse_args()

    build = Path(arguments.build_dir)
    arguments.s3catalog = os.environ.get("S3CATALOG_BIN") or str(build / "src" / "cli" / "s3catalog")
    arguments.fixture_binary = build / "bench" / "s3bench-fixture"
    arguments.list_binary = build / "bench" / "s3bench-list"
    arguments.catalog_binary = build / "bench" / "s3bench-catalog"
    arguments.parts = [part for part in TARGET_PARTS
                       if arguments.targets or getattr(arguments, f"targets_{part}")]
    if arguments.latency_ms is None:
        arguments.latency_ms = 30 if arguments.parts else 0
    if arguments.parts and (arguments.quick or arguments.tools):
        parser.error("--targets and its parts choose their own tools; drop --quick and --tools")
    if arguments.quick:
        arguments.keys = 20_000 if arguments.keys == 1_000_000 else arguments.keys
        requested = arguments.tools.split(",") if arguments.tools else QUICK_TOOLS
    else:
        requested = arguments.tools.split(",") if arguments.tools else DEFAULT_TOOLS
    arguments.tool_list = requested
    return arguments


def main():
    arguments = parse_arguments()
    if arguments.parts:
        return run_targets(arguments)

    missing = [tool for tool in arguments.tool_list if not tool_available(tool)]
    if missing and (arguments.quick or arguments.tools):
        raise SystemExit(f"run.py: not installed: {', '.join(missing)} (apt-get install rclone awscli s3cmd)")
    tools = [tool for tool in arguments.tool_list if tool not in missing]
    for tool in missing:
        print(f"run.py: skipping {tool}: not installed", file=sys.stderr)

    results, heading = run_tools(arguments, arguments.keys, arguments.latency_ms, tools)
    print(f"{heading}\n")
    print(markdown_table(results, arguments.keys))
    return 1 if report_wrong_counts(results, arguments.keys) else 0


if __name__ == "__main__":
    sys.exit(main())
