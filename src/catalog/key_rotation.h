// Rotation of the key that encrypts source secrets at rest.
#pragma once

#include <cstdint>
#include <string>

#include "catalog/store.h"

namespace s3cat::catalog {

// Re-encrypts every stored secret under a new random key and makes it the
// key in `key_file`. First the new key goes to KEY.new and a copy of the old
// one to KEY.old, both with mode 0600. Then one transaction re-encrypts the
// secrets, KEY.new is renamed over KEY (atomic), and KEY.old is deleted. A
// failure before the commit changes nothing and removes both files. A
// failure after it leaves the new key in KEY.new and says so. Returns the
// number of values re-encrypted. Processes that have the catalog open keep
// the old key until they restart.
StoreResult<std::uint64_t> rotate_secret_key(const std::string& database_path, const std::string& key_file);

}  // namespace s3cat::catalog
