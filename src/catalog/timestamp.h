// Timestamps of the catalog: RFC 3339 in UTC with whole seconds
// ("2024-05-01T12:00:00Z"), so text order is time order.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace s3cat::catalog {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

std::string format_rfc3339(std::chrono::system_clock::time_point time);

}  // namespace s3cat::catalog
