#include "server/api_error.h"

#include <spdlog/spdlog.h>

namespace s3cat::server {

int status_for(const catalog::StoreError& error) {
  switch (error.kind) {
    case catalog::StoreErrorKind::kNotFound:
      return 404;
    case catalog::StoreErrorKind::kAlreadyExists:
    case catalog::StoreErrorKind::kConflict:
      return 409;
    case catalog::StoreErrorKind::kInvalid:
      return 400;
    case catalog::StoreErrorKind::kIo:
    case catalog::StoreErrorKind::kSecretKey:
      break;
  }
  return 500;
}

void throw_store_error(const catalog::StoreError& error, const std::string& field) {
  const int status = status_for(error);
  if (status == 500) spdlog::error("catalog store failed: {}", error.message);
  throw ApiError(status, error.message, status == 400 ? field : std::string());
}

}  // namespace s3cat::server
