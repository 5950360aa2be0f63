#include "catalog/auth_json.h"

namespace s3cat::catalog {

nlohmann::json user_to_json(const User& user) {
  return {{"name", user.name},
          {"role", std::string(role_name(user.role))},
          {"created_at", user.created_at},
          {"updated_at", user.updated_at}};
}

nlohmann::json token_to_json(const ApiToken& token) {
  nlohmann::json last_used = nullptr;
  if (!token.last_used_at.empty()) last_used = token.last_used_at;
  return {{"id", token.id},
          {"user", token.user},
          {"name", token.name},
          {"created_at", token.created_at},
          {"last_used_at", last_used}};
}

}  // namespace s3cat::catalog
