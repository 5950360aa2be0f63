// The error a route handler raises to respond with an HTTP error status and
// the JSON error body {"error": {"message": ..., "field": ...}}. Thrown inside
// the server module only, where the route wrapper turns it into the response.
#pragma once

#include <stdexcept>
#include <string>

#include "catalog/store.h"

namespace s3cat::server {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string message, std::string field = {})
      : std::runtime_error(message), status_(status), field_(std::move(field)) {}

  int status() const { return status_; }
  // The request field or query parameter at fault; empty when none is.
  const std::string& field() const { return field_; }

 private:
  int status_;
  std::string field_;
};

[[noreturn]] inline void throw_bad_request(std::string message, std::string field = {}) {
  throw ApiError(400, std::move(message), std::move(field));
}

// Maps a store error to its HTTP status: 404 not found, 409 already exists
// or conflict, 400 invalid, 500 otherwise.
int status_for(const catalog::StoreError& error);

// Throws the ApiError for a store error, naming `field` for a kInvalid error.
[[noreturn]] void throw_store_error(const catalog::StoreError& error, const std::string& field = {});

// Returns the value of a StoreResult, or throws its error as an ApiError.
template <typename T>
T value_or_throw(catalog::StoreResult<T> result, const std::string& field = {}) {
  if (!result) throw_store_error(result.error(), field);
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

}  // namespace s3cat::server
