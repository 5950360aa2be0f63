// Encryption of source secrets at rest: libsodium's crypto_secretbox
// (XSalsa20-Poly1305) under a 32-byte key kept in a file outside the
// database, with a random nonce per value. A SecretBox is immutable after
// construction and safe to share between threads.
#pragma once

#include <sodium.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/store.h"

namespace s3cat::catalog {

class SecretBox {
 public:
  using Key = std::array<unsigned char, crypto_secretbox_KEYBYTES>;

  // Reads a key file: 32 raw bytes, or 64 hex digits with an optional
  // trailing newline. Returns nullopt when the file does not exist and
  // kSecretKey when it cannot be read or contains anything else. Logs a warning
  // when group or others may read the file. Disk I/O.
  static StoreResult<std::optional<Key>> read_key_file(const std::string& path);

  // Creates the key file with a new random key as 64 hex digits, mode 0600,
  // creating missing folders with mode 0700. When another process creates
  // the file first, returns the key it wrote. kSecretKey on failure. Disk I/O.
  static StoreResult<Key> create_key_file(const std::string& path);

  explicit SecretBox(const Key& key);
  SecretBox(const SecretBox& other) : SecretBox(other.key_) {}
  SecretBox& operator=(const SecretBox&) = delete;
  ~SecretBox();

  // Returns nonce || ciphertext (24 + 16 + plain.size() bytes).
  std::string seal(std::string_view plain) const;
  // Returns the plain text, or nullopt when `sealed` was not sealed with this
  // key or was altered.
  std::optional<std::string> open(std::string_view sealed) const;

 private:
  Key key_;
};

}  // namespace s3cat::catalog
