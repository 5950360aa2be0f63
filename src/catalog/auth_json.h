// JSON form of users and API tokens, shared by the CLI and the REST API.
#pragma once

#include <nlohmann/json.hpp>

#include "catalog/auth_store.h"

namespace s3cat::catalog {

// Converts a user to {"name", "role", "created_at", "updated_at"}.
nlohmann::json user_to_json(const User& user);

// Converts a token's metadata (never the token) to {"id", "user", "name",
// "created_at", "last_used_at"}; last_used_at is null until the first use.
nlohmann::json token_to_json(const ApiToken& token);

}  // namespace s3cat::catalog
