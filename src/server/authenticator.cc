#include "server/authenticator.h"

#include <spdlog/spdlog.h>

#include "catalog/auth_crypto.h"

namespace s3cat::server {
namespace {

// A syntactically valid hash of a random password, checked for unknown user
// names so that a login takes as long whether the user exists or not.
const std::string& decoy_hash() {
  static const std::string hash = catalog::hash_password(catalog::new_secret("decoy-")).value_or("");
  return hash;
}

std::string cookie_value(const httplib::Request& request, const char* name) {
  const std::string header = request.get_header_value("Cookie");
  const std::string wanted = std::string(name) + "=";
  std::size_t position = 0;
  while (position < header.size()) {
    while (position < header.size() && (header[position] == ' ' || header[position] == ';')) ++position;
    const std::size_t end = header.find(';', position);
    const std::string part = header.substr(position, end == std::string::npos ? std::string::npos : end - position);
    if (part.starts_with(wanted)) return part.substr(wanted.size());
    if (end == std::string::npos) break;
    position = end + 1;
  }
  return {};
}

// Drops the times that left the window.
void prune(std::deque<std::chrono::system_clock::time_point>& times, std::chrono::system_clock::time_point now) {
  while (!times.empty() && now - times.front() >= kFailedLoginWindow) times.pop_front();
}

}  // namespace

Authenticator::Authenticator(catalog::AuthStore& store, bool secure_cookies, Clock clock)
    : store_(store),
      secure_cookies_(secure_cookies),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

std::int64_t Authenticator::now_seconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
}

std::string Authenticator::csrf_token_for(const std::string& cookie_value) {
  return catalog::sha256_hex("s3catalog csrf token\n" + cookie_value);
}

std::optional<Principal> Authenticator::authenticate(const httplib::Request& request) {
  const std::string authorization = request.get_header_value("Authorization");
  if (!authorization.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (!authorization.starts_with(kBearer)) return std::nullopt;
    const std::string token = authorization.substr(kBearer.size());
    auto found = store_.find_token(catalog::sha256_hex(token));
    if (!found) {
      spdlog::error("reading API tokens failed: {}", found.error().message);
      return std::nullopt;
    }
    if (!*found) return std::nullopt;
    Principal principal;
    principal.user = std::move((*found)->first);
    principal.token_id = (*found)->second.id;
    return principal;
  }

  const std::string cookie = cookie_value(request, kSessionCookie);
  if (cookie.empty()) return std::nullopt;
  const std::string hash = catalog::sha256_hex(cookie);
  auto session = store_.find_session(hash);
  if (!session) {
    spdlog::error("reading sessions failed: {}", session.error().message);
    return std::nullopt;
  }
  if (!*session) return std::nullopt;
  const std::int64_t now = now_seconds();
  if (now - (*session)->created_at >= kSessionLifetime.count() ||
      now - (*session)->last_seen_at >= kSessionIdleTimeout.count()) {
    (void)store_.delete_session(hash);
    return std::nullopt;
  }
  // One write a minute at most keeps the idle time accurate enough.
  if (now - (*session)->last_seen_at >= 60) (void)store_.touch_session(hash, now);

  Principal principal;
  principal.user = std::move((*session)->user);
  principal.via_session = true;
  principal.session_hash = hash;
  principal.csrf_token = csrf_token_for(cookie);
  return principal;
}

std::optional<std::chrono::seconds> Authenticator::locked_for(const std::string& user, const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  std::optional<std::chrono::seconds> remaining;
  const auto check = [&](Times& times, std::size_t limit) {
    prune(times, now);
    if (times.size() < limit) return;
    // Locked until enough failures leave the window to get below the limit.
    const auto until = times[times.size() - limit] + kFailedLoginWindow;
    const auto left = std::chrono::ceil<std::chrono::seconds>(until - now);
    if (!remaining || left > *remaining) remaining = left;
  };
  if (auto found = failures_.find({user, address}); found != failures_.end()) check(found->second, kMaxFailedLogins);
  if (auto found = address_failures_.find(address); found != address_failures_.end()) {
    check(found->second, kMaxFailedLoginsPerAddress);
  }
  return remaining;
}

void Authenticator::record_failure(const std::string& user, const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  // Bounds memory: entries whose failures all left the window go.
  for (auto it = failures_.begin(); it != failures_.end();) {
    prune(it->second, now);
    it = it->second.empty() ? failures_.erase(it) : std::next(it);
  }
  for (auto it = address_failures_.begin(); it != address_failures_.end();) {
    prune(it->second, now);
    it = it->second.empty() ? address_failures_.erase(it) : std::next(it);
  }
  failures_[{user, address}].push_back(now);
  address_failures_[address].push_back(now);
}

void Authenticator::forget_failures(const std::string& user, const std::string& address) {
  std::lock_guard lock(mutex_);
  failures_.erase(std::pair(user, address));
}

std::expected<LoginResult, LoginFailure> Authenticator::login(const std::string& user, const std::string& password,
                                                              const std::string& address) {
  const std::string logged_user = user.size() > 64 ? user.substr(0, 64) + "..." : user;
  if (auto locked = locked_for(user, address)) {
    spdlog::warn("login rejected for user \"{}\" from {}: locked after too many failed logins, for {} s more",
                 logged_user, address, locked->count());
    const auto minutes = (locked->count() + 59) / 60;
    return std::unexpected(LoginFailure{
        429, "too many failed logins for this user from this address; try again in " + std::to_string(minutes) +
                 (minutes == 1 ? " minute" : " minutes")});
  }

  auto found = store_.get_user(user);
  if (!found && found.error().kind != catalog::StoreErrorKind::kNotFound) {
    spdlog::error("login of user \"{}\" failed: {}", logged_user, found.error().message);
    return std::unexpected(LoginFailure{500, "the catalog database failed; see the server log"});
  }
  password_checks_.acquire();
  const bool matches = catalog::verify_password(found ? found->password_hash : decoy_hash(), password);
  password_checks_.release();
  if (!found || !matches) {
    record_failure(user, address);
    spdlog::warn("login rejected for user \"{}\" from {}: {}", logged_user, address,
                 found ? "wrong password" : "no such user");
    return std::unexpected(LoginFailure{401, "invalid user name or password"});
  }
  forget_failures(user, address);

  const std::string cookie = catalog::new_secret("");
  const std::string hash = catalog::sha256_hex(cookie);
  const std::int64_t now = now_seconds();
  (void)store_.delete_expired_sessions(now - kSessionLifetime.count(), now - kSessionIdleTimeout.count());
  if (auto created = store_.create_session(hash, found->id, now, address); !created) {
    spdlog::error("creating a session for user \"{}\" failed: {}", logged_user, created.error().message);
    return std::unexpected(LoginFailure{500, "the catalog database failed; see the server log"});
  }
  spdlog::info("user \"{}\" logged in from {}", found->name, address);

  LoginResult result;
  result.principal.user = std::move(*found);
  result.principal.user.password_hash.clear();
  result.principal.via_session = true;
  result.principal.session_hash = hash;
  result.principal.csrf_token = csrf_token_for(cookie);
  result.cookie_value = cookie;
  return result;
}

void Authenticator::logout(const Principal& principal) {
  if (!principal.via_session) return;
  if (auto deleted = store_.delete_session(principal.session_hash); !deleted) {
    spdlog::error("ending the session of user \"{}\" failed: {}", principal.user.name, deleted.error().message);
  }
}

std::string Authenticator::session_cookie(const std::string& value) const {
  return std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
         std::to_string(kSessionLifetime.count()) + (secure_cookies_ ? "; Secure" : "");
}

std::string Authenticator::cleared_cookie() const {
  return std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0" +
         (secure_cookies_ ? "; Secure" : "");
}

}  // namespace s3cat::server
