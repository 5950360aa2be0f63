// Micro-benchmarks of the parse path (one ListObjectsV2 page through
// s3::parse_list_objects) and the store path (pages of 1000 objects through
// CatalogStore::write_objects, on a first sync and on a re-sync of the same
// objects). Besides Google Benchmark's flags it takes
//   --profile-parse N   parse the page N times and exit
//   --profile-store N [R]  write N pages as a first sync, then R - 1 re-syncs
//                          of the same pages (R defaults to 1), and exit
// which give callgrind a fixed amount of work to count instructions over.
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/store.h"
#include "fixture/key_set.h"
#include "fixture/listing.h"
#include "s3/xml.h"

namespace {

using namespace s3cat;

constexpr std::size_t kPageKeys = 1000;

// A page of 1000 keys of every shape the generator makes, in the form the
// client requests it: ListObjectsV2 with encoding-type=url.
const std::string& realistic_page() {
  static const std::string page = [] {
    const auto keys = bench::KeySet::generate(kPageKeys);
    const bench::KeyTexts texts(keys);
    bench::ListingQuery query;
    query.bucket = "bench";
    query.url_encoded = true;
    return *bench::render_listing(keys, texts, query);
  }();
  return page;
}

void BM_ParseListObjectsPage(benchmark::State& state) {
  const std::string& body = realistic_page();
  for (auto _ : state) {
    auto page = s3::parse_list_objects(body);
    if (!page || page->objects.size() != kPageKeys) {
      state.SkipWithError("the page did not parse into 1000 objects");
      break;
    }
    benchmark::DoNotOptimize(page);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPageKeys));
}
BENCHMARK(BM_ParseListObjectsPage);

// A catalog in a temporary folder, with one source and records built from
// the parsed page, renamed per page so that every page holds new keys.
class StoreBench {
 public:
  StoreBench() {
    char pattern[] = "/tmp/s3bench-store-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    folder_ = pattern;
    catalog::SqliteOptions options;
    options.path = folder_ + "/catalog.db";
    options.secret_key_file = folder_ + "/secret.key";
    store_ = std::move(*catalog::open_sqlite_store(options));
    catalog::Source source;
    source.name = "bench";
    source_id_ = store_->create_source(source)->id;

    const auto page = s3::parse_list_objects(realistic_page());
    for (const auto& object : page->objects) {
      catalog::ObjectRecord record;
      record.bucket = "bench";
      record.key = object.key.str();
      record.size = object.size;
      record.last_modified = object.last_modified;
      record.etag = object.etag;
      record.storage_class = object.storage_class;
      template_.push_back(std::move(record));
    }
  }

  ~StoreBench() {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }

  std::int64_t start_job() { return *store_->start_job(source_id_); }

  // The template page with keys under "page-N/", so pages do not overlap.
  std::vector<catalog::ObjectRecord> page(std::size_t number) const {
    std::vector<catalog::ObjectRecord> records = template_;
    const std::string folder = "page-" + std::to_string(number) + "/";
    for (auto& record : records) record.key.insert(0, folder);
    return records;
  }

  bool write(std::int64_t job_id, const std::vector<catalog::ObjectRecord>& records) {
    return store_->write_objects(source_id_, job_id, "bench", records).has_value();
  }

 private:
  std::string folder_;
  std::unique_ptr<catalog::CatalogStore> store_;
  std::int64_t source_id_ = 0;
  std::vector<catalog::ObjectRecord> template_;
};

void BM_WriteObjectsFirstSync(benchmark::State& state) {
  spdlog::set_level(spdlog::level::warn);
  StoreBench bench;
  const std::int64_t job_id = bench.start_job();
  std::size_t number = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto records = bench.page(number++);
    state.ResumeTiming();
    if (!bench.write(job_id, records)) {
      state.SkipWithError("write_objects failed");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPageKeys));
}
BENCHMARK(BM_WriteObjectsFirstSync)->Unit(benchmark::kMicrosecond);

void BM_WriteObjectsResync(benchmark::State& state) {
  spdlog::set_level(spdlog::level::warn);
  StoreBench bench;
  constexpr std::size_t kPages = 200;
  std::vector<std::vector<catalog::ObjectRecord>> pages;
  const std::int64_t first_job = bench.start_job();
  for (std::size_t number = 0; number < kPages; ++number) {
    pages.push_back(bench.page(number));
    bench.write(first_job, pages.back());
  }
  std::int64_t job_id = bench.start_job();
  std::size_t number = 0;
  for (auto _ : state) {
    if (number == kPages) {
      state.PauseTiming();
      job_id = bench.start_job();
      number = 0;
      state.ResumeTiming();
    }
    if (!bench.write(job_id, pages[number++])) {
      state.SkipWithError("write_objects failed");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPageKeys));
}
BENCHMARK(BM_WriteObjectsResync)->Unit(benchmark::kMicrosecond);

int profile_parse(int count) {
  std::size_t objects = 0;
  for (int i = 0; i < count; ++i) objects += s3::parse_list_objects(realistic_page())->objects.size();
  std::cout << "parsed " << objects << " objects\n";
  return 0;
}

int profile_store(int count, int rounds) {
  spdlog::set_level(spdlog::level::warn);
  StoreBench bench;
  std::vector<std::vector<catalog::ObjectRecord>> pages;
  for (int number = 0; number < count; ++number) pages.push_back(bench.page(static_cast<std::size_t>(number)));
  for (int round = 0; round < rounds; ++round) {
    const std::int64_t job_id = bench.start_job();
    for (const auto& records : pages) {
      if (!bench.write(job_id, records)) return 1;
    }
  }
  std::cout << "wrote " << pages.size() * kPageKeys << " objects " << rounds << " times\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "--profile-parse") return profile_parse(std::stoi(argv[2]));
  if ((argc == 3 || argc == 4) && std::string_view(argv[1]) == "--profile-store") {
    return profile_store(std::stoi(argv[2]), argc == 4 ? std::stoi(argv[3]) : 1);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
