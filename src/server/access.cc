#include "server/access.h"

#include <array>

namespace s3cat::server {
namespace {

// Reads need a viewer, annotations a steward, and everything that changes
// sources, credentials, filters, jobs or users an admin. The filter checks
// and connection tests belong to editing a source, so they need an admin
// too. The web UI's files, /healthz and the OpenAPI document are public
// because they hold no catalog data; /metrics needs a login.
constexpr std::array kRoutes{
    RouteRule{"POST", "/api/login", Access::kPublic},
    RouteRule{"POST", "/api/logout", Access::kViewer},
    RouteRule{"GET", "/api/session", Access::kViewer},
    RouteRule{"GET", "/api/users", Access::kAdmin},
    RouteRule{"POST", "/api/users", Access::kAdmin},
    RouteRule{"PATCH", "/api/users/{user}", Access::kAdmin},
    RouteRule{"DELETE", "/api/users/{user}", Access::kAdmin},
    RouteRule{"GET", "/api/tokens", Access::kViewer},
    RouteRule{"POST", "/api/tokens", Access::kViewer},
    RouteRule{"DELETE", "/api/tokens/{id}", Access::kViewer},
    RouteRule{"GET", "/api/audit", Access::kAdmin},
    RouteRule{"GET", "/api/sources", Access::kViewer},
    RouteRule{"POST", "/api/sources", Access::kAdmin},
    RouteRule{"GET", "/api/sources/{name}", Access::kViewer},
    RouteRule{"PATCH", "/api/sources/{name}", Access::kAdmin},
    RouteRule{"DELETE", "/api/sources/{name}", Access::kAdmin},
    RouteRule{"POST", "/api/filters/validate", Access::kAdmin},
    RouteRule{"POST", "/api/sources/{name}/filters/validate", Access::kAdmin},
    RouteRule{"POST", "/api/sources/{name}/filters/preview", Access::kAdmin},
    RouteRule{"POST", "/api/test-connection", Access::kAdmin},
    RouteRule{"POST", "/api/sources/{name}/test-connection", Access::kAdmin},
    RouteRule{"POST", "/api/sources/{name}/jobs", Access::kAdmin},
    RouteRule{"GET", "/api/sources/{name}/jobs", Access::kViewer},
    RouteRule{"GET", "/api/jobs/{id}", Access::kViewer},
    RouteRule{"POST", "/api/jobs/{id}/cancel", Access::kAdmin},
    RouteRule{"GET", "/api/jobs/{id}/log", Access::kViewer},
    RouteRule{"GET", "/api/jobs/{id}/events", Access::kViewer},
    RouteRule{"GET", "/api/sources/{name}/buckets", Access::kViewer},
    RouteRule{"GET", "/api/sources/{name}/folders", Access::kViewer},
    RouteRule{"GET", "/api/sources/{name}/files", Access::kViewer},
    RouteRule{"GET", "/api/sources/{name}/items", Access::kViewer},
    RouteRule{"PUT", "/api/sources/{name}/annotations", Access::kSteward},
    RouteRule{"GET", "/api/sources/{name}/annotations", Access::kViewer},
    RouteRule{"GET", "/api/search", Access::kViewer},
    RouteRule{"GET", "/api/tags", Access::kViewer},
    RouteRule{"GET", "/api/sources/{name}/export.csv", Access::kViewer},
    RouteRule{"GET", "/api/sources/{name}/export.jsonl", Access::kViewer},
    RouteRule{"GET", "/healthz", Access::kPublic},
    RouteRule{"GET", "/metrics", Access::kViewer},
    RouteRule{"GET", "/api/openapi.json", Access::kPublic},
    RouteRule{"GET", "/{file_path}", Access::kPublic},
};

thread_local std::optional<Principal> current;

}  // namespace

std::span<const RouteRule> route_table() { return kRoutes; }

std::optional<Access> required_access(std::string_view method, std::string_view path) {
  for (const auto& rule : kRoutes) {
    if (rule.method == method && rule.path == path) return rule.access;
  }
  return std::nullopt;
}

std::string_view access_name(Access access) {
  switch (access) {
    case Access::kPublic:
      return "public";
    case Access::kViewer:
      return "viewer";
    case Access::kSteward:
      return "steward";
    case Access::kAdmin:
      break;
  }
  return "admin";
}

bool role_allows(catalog::Role role, Access access) {
  switch (access) {
    case Access::kPublic:
    case Access::kViewer:
      return true;
    case Access::kSteward:
      return role == catalog::Role::kSteward || role == catalog::Role::kAdmin;
    case Access::kAdmin:
      break;
  }
  return role == catalog::Role::kAdmin;
}

const Principal* current_principal() { return current ? &*current : nullptr; }

void set_current_principal(std::optional<Principal> principal) { current = std::move(principal); }

std::string current_actor() { return current ? current->user.name : std::string("anonymous"); }

}  // namespace s3cat::server
