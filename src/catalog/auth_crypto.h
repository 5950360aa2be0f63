// Password hashing and the random secrets of sessions and API tokens, on
// libsodium. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace s3cat::catalog {

// Shortest password accepted, in bytes.
inline constexpr std::size_t kMinPasswordLength = 12;
// Maximum password length in bytes, which bounds the hashing work per login.
inline constexpr std::size_t kMaxPasswordLength = 1024;

// Why a new password is not acceptable, or nullopt.
std::optional<std::string> password_problem(std::string_view password);

// An Argon2id hash string (crypto_pwhash_str with the "interactive" limits:
// 2 passes over 64 MiB), with its own random salt. nullopt when libsodium
// cannot get the memory.
std::optional<std::string> hash_password(std::string_view password);

// True when `password` matches the hash string. Takes as long as hashing.
bool verify_password(const std::string& hash, std::string_view password);

// A new secret: `prefix` followed by 32 random bytes in unpadded base64url
// (43 characters), 256 bits of entropy.
std::string new_secret(std::string_view prefix);

// Lower-case hex SHA-256 of `text`, the form in which secrets are stored.
std::string sha256_hex(std::string_view text);

// Compares without an early exit, for secrets.
bool equal_in_constant_time(std::string_view a, std::string_view b);

}  // namespace s3cat::catalog
