// Log lines and, on a terminal, the progress line that `extract` rewrites
// in place share stderr. A log line first clears a progress line left on the
// screen, so the two never run together. The next progress tick draws the
// line again below the log line.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string_view>

namespace s3cat::cli {

// A logger that writes to stderr as described above.
std::shared_ptr<spdlog::logger> make_stderr_logger(const std::string& name);

// Replaces the progress line on the terminal with `line`, left without a newline.
void draw_progress_line(std::string_view line);

// Ends a progress line still on the screen with a newline.
void end_progress_line();

}  // namespace s3cat::cli
