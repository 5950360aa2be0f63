// Versioned schema migrations of the SQLite catalog. The version lives in
// PRAGMA user_version; migration N takes the schema from version N-1 to N.
#pragma once

#include "catalog/sqlite_helpers.h"

namespace s3cat::catalog::sqlite {

// The schema version this build creates and reads.
int latest_schema_version();

// Applies the missing migrations in order, all in one IMMEDIATE transaction,
// so two processes opening a new catalog at once never both migrate it.
// Reopening an up-to-date catalog changes nothing. kInvalid when the file was
// written by a newer s3catalog with a higher version; kIo when SQLite fails.
StoreResult<void> migrate(Connection& connection);

}  // namespace s3cat::catalog::sqlite
