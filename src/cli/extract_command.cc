// `s3catalog extract NAME [--json]`: one extraction, run to its end in this
// process, with progress on stderr.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli/auth_context.h"
#include "cli/commands.h"
#include "cli/json_output.h"
#include "cli/stderr_lines.h"
#include "extract/extractor.h"

namespace s3cat::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted = true; }

// "1 h 02 min", "4 min 05 s", "12 s", or "unknown".
std::string format_eta(const std::optional<double>& seconds) {
  if (!seconds) return "unknown";
  const long long total = std::llround(std::max(0.0, *seconds));
  char text[48];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%lld h %02lld min", total / 3600, total % 3600 / 60);
  } else if (total >= 60) {
    std::snprintf(text, sizeof text, "%lld min %02lld s", total / 60, total % 60);
  } else {
    std::snprintf(text, sizeof text, "%lld s", total);
  }
  return text;
}

std::string progress_line(const std::string& source, const extract::ProgressSnapshot& progress) {
  // The rate over the last seconds shows a slowdown (throttling) at once,
  // where the average since the start would hide it.
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.0f", progress.recent_objects_per_second);
  std::string line = "extract " + source + ": " + std::to_string(progress.buckets_done) + "/" +
                     std::to_string(progress.buckets_total) + " buckets, " +
                     std::to_string(progress.objects_listed) + " objects, " + rate + " objects/s, ETA " +
                     format_eta(progress.eta_seconds);
  if (!progress.current_buckets.empty()) {
    line += ", listing";
    for (const auto& bucket : progress.current_buckets) line += " " + bucket;
  }
  return line;
}

void print_result_text(const catalog::Job& job) {
  std::cout << "job " << job.id << ": " << catalog::to_string(job.status) << "\n";
  if (job.error) {
    std::cout << "error (" << job.error->category << "): " << job.error->message << "\n"
              << "hint: " << job.error->hint << "\n";
  }
  for (const auto& bucket : job.buckets) {
    std::cout << "  " << bucket.name << ": " << bucket.status;
    if (bucket.status == "synced") {
      std::cout << ", " << bucket.files << (bucket.files == 1 ? " file" : " files");
    } else {
      std::cout << " (" << bucket.reason << ") " << bucket.message;
      if (!bucket.hint.empty()) std::cout << "; hint: " << bucket.hint;
    }
    std::cout << "\n";
  }
  for (const auto& warning : job.warnings) std::cout << "warning: " << warning << "\n";
  std::cout << job.summary << "\n";
}

// Prints a progress line on stderr every interval until `done` is set; on a
// terminal the line is rewritten in place.
class ProgressPrinter {
 public:
  ProgressPrinter(const std::string& source, const extract::Extraction& extraction)
      : thread_([this, source, &extraction] { loop(source, extraction); }) {}

  ~ProgressPrinter() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void loop(const std::string& source, const extract::Extraction& extraction) {
    const bool terminal = isatty(STDERR_FILENO) != 0;
    const auto interval = terminal ? std::chrono::milliseconds(500) : std::chrono::milliseconds(2000);
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return done_; })) {
      const auto line = progress_line(source, extraction.progress());
      if (terminal) {
        draw_progress_line(line);
      } else {
        std::cerr << line << "\n" << std::flush;
      }
    }
    if (terminal) end_progress_line();
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

void register_extract_command(CLI::App& app, CommandContext& context) {
  static std::string name;
  static bool json = false;
  static int concurrency = 4;
  static int max_requests = 64;
  static int page_size = 1000;
  auto* command = app.add_subcommand("extract", "run one metadata extraction of a source and print its result");
  command->add_option("NAME", name, "source name")->required();
  command->add_flag("--json", json, "print the result as one JSON object");
  command->add_option("--concurrency", concurrency, "buckets listed at the same time")
      ->check(CLI::Range(1, 64));
  command->add_option("--max-requests", max_requests,
                      "ListObjectsV2 requests in flight for the whole job, across buckets and key ranges of one "
                      "bucket; halved while S3 throttles. A bucket uses more than two per CPU only when its requests wait "
                      "on the network (default 64, 1 lists each bucket sequentially)")
      ->check(CLI::Range(1, 256));
  command->add_option("--page-size", page_size, "keys per ListObjectsV2 page (max-keys, default 1000)")
      ->check(CLI::Range(1, 1000));

  command->callback([&context] {
    run_command(context, [&]() -> std::expected<int, CommandError> {
      auto store = open_catalog(context.global);
      if (!store) return std::unexpected(store.error());
      auto source = (*store)->get_source(name);
      if (!source) return std::unexpected(from_store_error(source.error()));

      extract::ExtractOptions options;
      options.max_concurrent_buckets = concurrency;
      options.max_requests = max_requests;
      options.max_keys_per_page = page_size;
      options.client.environment = s3::current_environment();
      extract::Extraction extraction(**store, *source, options);

      // Ctrl-C cancels the job cleanly: it ends cancelled and removes nothing.
      std::signal(SIGINT, on_interrupt);
      std::signal(SIGTERM, on_interrupt);
      std::atomic<bool> finished{false};
      std::thread canceller([&] {
        while (!finished) {
          if (g_interrupted) {
            extraction.cancel();
            return;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      });

      std::expected<catalog::Job, extract::StartError> job;
      {
        ProgressPrinter printer(name, extraction);
        job = extraction.run();
      }
      finished = true;
      canceller.join();

      if (!job) {
        return std::unexpected(CommandError{kExitFailed, job.error().message});
      }
      // Recorded after the run, because only then does the CLI have the job's id.
      audit_cli(context.global, "job.start", name,
                {{"job_id", job->id}, {"status", catalog::to_string(job->status)}});
      if (json) {
        print_json_line(job_json(*job));
      } else {
        print_result_text(*job);
      }
      const bool ok = job->status == catalog::JobStatus::kSucceeded ||
                      job->status == catalog::JobStatus::kSucceededWithWarnings;
      return ok ? kExitOk : kExitFailed;
    });
  });
}

}  // namespace s3cat::cli
