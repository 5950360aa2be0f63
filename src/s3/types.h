// Strong types for the values the S3 client passes around, so that a bucket
// and a key cannot be swapped and a secret never prints. Plain values: safe to
// copy between threads, not to mutate from two threads at once.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

namespace s3cat::s3 {

template <typename Tag>
class StrongString {
 public:
  StrongString() = default;
  explicit StrongString(std::string value) : value_(std::move(value)) {}
  const std::string& str() const { return value_; }
  bool empty() const { return value_.empty(); }
  auto operator<=>(const StrongString&) const = default;

 private:
  std::string value_;
};

using BucketName = StrongString<struct BucketNameTag>;
using ObjectKey = StrongString<struct ObjectKeyTag>;
using Region = StrongString<struct RegionTag>;

// A secret (secret access key, session token). Printing it shows "****";
// reveal() is the only way to read it and is meant for the signer alone.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend std::ostream& operator<<(std::ostream& out, const Secret&) { return out << "****"; }

 private:
  std::string value_;
};

// A set of AWS credentials. The key ID is not secret, but only its last four
// characters are shown to users.
struct Credentials {
  std::string access_key_id;
  Secret secret_access_key;
  Secret session_token;  // empty for long-lived IAM user keys
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string provider;  // which provider produced them, e.g. "static", "environment"
};

// How bucket names are placed in request URLs.
enum class AddressingStyle {
  kAuto,            // virtual-hosted for AWS, path-style for custom endpoints and for dotted bucket names
  kPath,            // https://endpoint/bucket/key
  kVirtualHosted,   // https://bucket.endpoint/key
};

}  // namespace s3cat::s3
