// Builds a large catalog through the store and times the store queries that
// the browse and search routes run. Usage:
//   s3bench-catalog build --db PATH --files N   one bucket of N generated keys, written as one job
//   s3bench-catalog query --db PATH --files N [--rounds R]
// `query` regenerates the same N keys to pick folders and files, runs each
// query kind R times (default 40) and prints a Markdown table of p50, p95
// and maximum latency in milliseconds.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/store.h"
#include "fixture/key_set.h"

namespace {

using namespace s3cat;
using Clock = std::chrono::steady_clock;

constexpr const char* kBucket = "bench";
constexpr std::size_t kPageSize = 1000;

struct Options {
  std::string command;
  std::string db;
  std::uint64_t files = 0;
  int rounds = 40;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "s3bench-catalog: " << message
            << "\nusage: s3bench-catalog build|query --db PATH --files N [--rounds R]\n";
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  if (argc < 2) usage_error("missing command");
  Options options;
  options.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string_view name = argv[i];
    if (i + 1 >= argc) usage_error(fmt::format("option {} needs a value", name));
    const std::string value = argv[++i];
    if (name == "--db") {
      options.db = value;
    } else if (name == "--files") {
      options.files = std::stoull(value);
    } else if (name == "--rounds") {
      options.rounds = std::stoi(value);
    } else {
      usage_error(fmt::format("unknown option {}", name));
    }
  }
  if (options.db.empty() || options.files == 0) usage_error("--db and --files are required");
  if (options.command != "build" && options.command != "query") usage_error("unknown command " + options.command);
  return options;
}

template <typename Value>
Value check(catalog::StoreResult<Value> result, const char* what) {
  if (!result) {
    std::cerr << "s3bench-catalog: " << what << " failed: " << result.error().message << "\n";
    std::exit(1);
  }
  return std::move(*result);
}

void check(catalog::StoreResult<void> result, const char* what) {
  if (!result) {
    std::cerr << "s3bench-catalog: " << what << " failed: " << result.error().message << "\n";
    std::exit(1);
  }
}

std::unique_ptr<catalog::CatalogStore> open_store(const std::string& db) {
  catalog::SqliteOptions options;
  options.path = db;
  options.secret_key_file = db + ".key";
  return check(catalog::open_sqlite_store(options), "opening the catalog");
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int build(const Options& options) {
  const auto generated = Clock::now();
  const auto keys = bench::KeySet::generate(options.files);
  std::cerr << fmt::format("generated {} keys in {:.1f} s\n", keys.size(), seconds_since(generated));

  auto store = open_store(options.db);
  catalog::Source source;
  source.name = "bench";
  const std::int64_t source_id = check(store->create_source(source), "creating the source").id;
  const std::int64_t job_id = check(store->start_job(source_id), "starting the job");

  const auto started = Clock::now();
  std::vector<catalog::ObjectRecord> page;
  for (std::size_t first = 0; first < keys.size(); first += kPageSize) {
    page.clear();
    for (std::size_t index = first; index < std::min(keys.size(), first + kPageSize); ++index) {
      catalog::ObjectRecord record;
      record.bucket = kBucket;
      record.key = std::string(keys.key(index));
      record.size = bench::KeySet::object_size(index);
      record.last_modified = fmt::format("2026-{:02}-{:02}T12:00:00Z", 1 + index % 12, 1 + index % 28);
      record.etag = fmt::format("{:032x}", index);
      record.storage_class = "STANDARD";
      page.push_back(std::move(record));
    }
    check(store->write_objects(source_id, job_id, kBucket, page), "writing objects");
  }
  const double written = seconds_since(started);

  const auto completing = Clock::now();
  catalog::BucketResult result;
  result.name = kBucket;
  result.status = "synced";
  check(store->complete_bucket(source_id, job_id, result), "completing the bucket");
  catalog::Job job;
  job.id = job_id;
  job.status = catalog::JobStatus::kSucceeded;
  check(store->finish_job(job), "finishing the job");
  std::cout << fmt::format("wrote {} files in {:.1f} s ({:.0f} files/s); completing the bucket took {:.1f} s\n",
                           keys.size(), written, keys.size() / written, seconds_since(completing));
  return 0;
}

struct Timings {
  std::string name;
  std::vector<double> milliseconds;
};

double percentile(const std::vector<double>& sorted, double fraction) {
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

void time_query(std::vector<Timings>& all, const std::string& name, int rounds,
                const std::function<void(int)>& query) {
  Timings timings{name, {}};
  for (int round = 0; round < rounds; ++round) {
    const auto started = Clock::now();
    query(round);
    timings.milliseconds.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
  }
  std::sort(timings.milliseconds.begin(), timings.milliseconds.end());
  std::cerr << fmt::format("{}: p95 {:.2f} ms\n", name, percentile(timings.milliseconds, 0.95));
  all.push_back(std::move(timings));
}


std::string parent_of(std::string_view key, int depth) {
  std::size_t end = 0;
  for (int level = 0; level < depth; ++level) {
    const std::size_t slash = key.find('/', end);
    if (slash == std::string_view::npos) break;
    end = slash + 1;
  }
  return std::string(key.substr(0, end));
}

int query(const Options& options) {
  spdlog::set_level(spdlog::level::warn);
  const auto keys = bench::KeySet::generate(options.files);
  auto store = open_store(options.db);
  const std::int64_t source_id = check(store->get_source_without_secrets("bench"), "reading the source").id;

  std::mt19937_64 random(42);
  std::vector<std::string> sample_keys;
  for (int round = 0; round < options.rounds; ++round) {
    sample_keys.emplace_back(keys.key(random() % keys.size()));
  }

  std::vector<Timings> all;
  time_query(all, "list_buckets", options.rounds, [&](int) { check(store->list_buckets(source_id), "list_buckets"); });
  time_query(all, "list_folders, random depth", options.rounds, [&](int round) {
    check(store->list_folders(source_id, kBucket, parent_of(sample_keys[round], round % 4)), "list_folders");
  });
  time_query(all, "list_folder_files, first 100 by name", options.rounds, [&](int round) {
    catalog::FolderFilesQuery files;
    files.bucket = kBucket;
    files.folder = parent_of(sample_keys[round], 64);
    check(store->list_folder_files(source_id, files), "list_folder_files");
  });
  time_query(all, "list_folder_files, 100 by size, descending", options.rounds, [&](int round) {
    catalog::FolderFilesQuery files;
    files.bucket = kBucket;
    files.folder = parent_of(sample_keys[round], 64);
    files.sort = catalog::FileSort::kSize;
    files.descending = true;
    check(store->list_folder_files(source_id, files), "list_folder_files");
  });
  // The bucket's top level has more direct files than any folder.
  const int top_rounds = std::max(3, options.rounds / 4);
  time_query(all, "list_folder_files, top level, first 100 by name", top_rounds, [&](int) {
    catalog::FolderFilesQuery files;
    files.bucket = kBucket;
    check(store->list_folder_files(source_id, files), "list_folder_files");
  });
  time_query(all, "list_folder_files, top level, 100 by size, descending", top_rounds, [&](int) {
    catalog::FolderFilesQuery files;
    files.bucket = kBucket;
    files.sort = catalog::FileSort::kSize;
    files.descending = true;
    check(store->list_folder_files(source_id, files), "list_folder_files");
  });
  time_query(all, "get_file", options.rounds, [&](int round) {
    check(store->get_file(source_id, {kBucket, sample_keys[round]}), "get_file");
  });
  time_query(all, "get_folder", options.rounds, [&](int round) {
    check(store->get_folder(source_id, {kBucket, parent_of(sample_keys[round], 2)}), "get_folder");
  });
  time_query(all, "count_files", options.rounds, [&](int) { check(store->count_files(source_id), "count_files"); });
  // A search without text can read every present file, so it gets fewer rounds.
  const int search_rounds = std::max(3, options.rounds / 8);
  time_query(all, "search name_contains 'part-00017', first 50", search_rounds, [&](int) {
    catalog::SearchQuery search;
    search.name_contains = "part-00017";
    search.limit = 50;
    check(store->search(search), "search");
  });
  time_query(all, "search extension 'parquet' in bucket, first 50", search_rounds, [&](int) {
    catalog::SearchQuery search;
    search.bucket = kBucket;
    search.extension = "parquet";
    search.limit = 50;
    check(store->search(search), "search");
  });
  time_query(all, "search path_contains '/2026/11/', first 50", search_rounds, [&](int) {
    catalog::SearchQuery search;
    search.path_contains = "/2026/11/";
    search.limit = 50;
    check(store->search(search), "search");
  });
  // No generated key contains this, so the search reads every present file.
  time_query(all, "search name_contains 'no-such-name' (full scan)", search_rounds, [&](int) {
    catalog::SearchQuery search;
    search.name_contains = "no-such-name";
    search.limit = 50;
    check(store->search(search), "search");
  });
  time_query(all, "search text 'raw' (annotations)", search_rounds, [&](int) {
    catalog::SearchQuery search;
    search.text = "raw";
    search.limit = 50;
    check(store->search(search), "search");
  });

  std::cout << fmt::format("{} files in one bucket, {} rounds per query ({} for search)\n\n", keys.size(),
                           options.rounds, search_rounds);
  std::cout << "| store query | p50 ms | p95 ms | max ms |\n| --- | ---: | ---: | ---: |\n";
  for (const auto& timings : all) {
    std::cout << fmt::format("| {} | {:.2f} | {:.2f} | {:.2f} |\n", timings.name, percentile(timings.milliseconds, 0.5),
                             percentile(timings.milliseconds, 0.95), timings.milliseconds.back());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  spdlog::set_level(spdlog::level::warn);
  return options.command == "build" ? build(options) : query(options);
}
