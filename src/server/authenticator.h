// Logins, sessions and bearer tokens of the server, with the limit on failed
// logins. Sessions live in the catalog database (as the SHA-256 of the
// cookie value), so they survive a restart. Thread-safe.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <utility>

#include "catalog/auth_store.h"
#include "server/access.h"

namespace s3cat::server {

inline constexpr const char* kSessionCookie = "s3catalog_session";
// A session ends after this long without a request...
inline constexpr std::chrono::seconds kSessionIdleTimeout{std::chrono::hours(2)};
// ...and this long after the login, however busy it is.
inline constexpr std::chrono::seconds kSessionLifetime{std::chrono::hours(12)};
// Failed logins of one user name from one address within the window that
// lock that pair until the oldest of them leaves the window.
inline constexpr std::size_t kMaxFailedLogins = 5;
// Failed logins from one address, whatever the user name, that lock the
// address the same way.
inline constexpr std::size_t kMaxFailedLoginsPerAddress = 20;
inline constexpr std::chrono::seconds kFailedLoginWindow{std::chrono::minutes(15)};
// Password checks that run at once; each takes 64 MiB, so a burst of logins
// waits instead of taking the memory of every worker thread.
inline constexpr std::ptrdiff_t kMaxConcurrentPasswordChecks = 4;

struct LoginResult {
  Principal principal;
  std::string cookie_value;  // set as the session cookie; never stored
};

// Why a login failed: the HTTP status (401 or 429) and the message for the
// client, which does not say whether the user exists.
struct LoginFailure {
  int status = 401;
  std::string message;
};

class Authenticator {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  Authenticator(catalog::AuthStore& store, bool secure_cookies, Clock clock = {});

  // The caller of a request: a bearer token in Authorization, else the
  // session cookie. nullopt when it has neither, or when they are invalid,
  // revoked or expired. Disk I/O.
  std::optional<Principal> authenticate(const httplib::Request& request);

  // Checks the password and creates a session. Each failure is logged at
  // warning level with the user name, the address and the reason.
  std::expected<LoginResult, LoginFailure> login(const std::string& user, const std::string& password,
                                                 const std::string& address);

  // Ends the session of `principal`.
  void logout(const Principal& principal);

  // The Set-Cookie value that stores the session, and the one that clears it.
  std::string session_cookie(const std::string& value) const;
  std::string cleared_cookie() const;

  // The CSRF token bound to a session cookie value.
  static std::string csrf_token_for(const std::string& cookie_value);

 private:
  // Returns the remaining lock time when the pair or the address is locked.
  std::optional<std::chrono::seconds> locked_for(const std::string& user, const std::string& address);
  void record_failure(const std::string& user, const std::string& address);
  void forget_failures(const std::string& user, const std::string& address);
  std::int64_t now_seconds() const;

  catalog::AuthStore& store_;
  bool secure_cookies_;
  Clock clock_;
  std::counting_semaphore<kMaxConcurrentPasswordChecks> password_checks_{kMaxConcurrentPasswordChecks};
  std::mutex mutex_;
  using Times = std::deque<std::chrono::system_clock::time_point>;
  std::map<std::pair<std::string, std::string>, Times> failures_;  // by (user, address); guarded by mutex_
  std::map<std::string, Times> address_failures_;                   // by address; guarded by mutex_
};

}  // namespace s3cat::server
