// The CLI's access to users, tokens and the audit log of the catalog.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/auth_store.h"
#include "cli/context.h"

namespace s3cat::cli {

// Opens (creating or migrating) the catalog, then its auth tables. Disk I/O.
std::expected<std::unique_ptr<catalog::AuthStore>, CommandError> open_auth_store(const GlobalOptions& options);

// "cli:" and the name of the effective OS user ("cli:root"), the actor the
// audit log records for commands.
std::string cli_actor();

// Appends an audit entry for a command. A failure is logged as a warning,
// because the change it records has already been made.
void audit_cli(const GlobalOptions& options, const std::string& action, const std::string& target,
               const nlohmann::json& detail = nlohmann::json::object());

}  // namespace s3cat::cli
