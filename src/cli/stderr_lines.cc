#include "cli/stderr_lines.h"

#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <mutex>

namespace s3cat::cli {
namespace {

std::mutex stderr_mutex;
bool progress_line_shown = false;  // guarded by stderr_mutex

class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    std::lock_guard lock(stderr_mutex);
    if (progress_line_shown) {
      std::fputs("\r\033[K", stderr);
      progress_line_shown = false;
    }
    std::fwrite(formatted.data(), 1, formatted.size(), stderr);
    std::fflush(stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

std::shared_ptr<spdlog::logger> make_stderr_logger(const std::string& name) {
  return std::make_shared<spdlog::logger>(name, std::make_shared<StderrSink>());
}

void draw_progress_line(std::string_view line) {
  std::lock_guard lock(stderr_mutex);
  std::fputs("\r\033[K", stderr);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  progress_line_shown = true;
}

void end_progress_line() {
  std::lock_guard lock(stderr_mutex);
  if (!progress_line_shown) return;
  std::fputs("\n", stderr);
  std::fflush(stderr);
  progress_line_shown = false;
}

}  // namespace s3cat::cli
