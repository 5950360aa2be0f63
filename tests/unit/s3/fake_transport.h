// An in-test HttpTransport for the credential providers. Responses are
// scripted per "METHOD URL" and every request is recorded. An unscripted
// request fails the test and gets a connection-refused fault. Nothing goes on
// the network.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "s3/http.h"

namespace s3cat::s3::testing {

inline HttpResponse http_answer(int status, std::string body, std::map<std::string, std::string> headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

inline std::string header_value(const HttpRequest& request, const std::string& name) {
  for (const auto& [header, value] : request.headers) {
    if (header == name) return value;
  }
  return "";
}

inline bool has_header(const HttpRequest& request, const std::string& name) {
  for (const auto& [header, value] : request.headers) {
    if (header == name) return true;
  }
  return false;
}

class FakeTransport final : public HttpTransport {
 public:
  // Queues a response for "METHOD URL". The last response queued for a
  // target repeats once the others are used up.
  void on(const std::string& method, const std::string& url, Result<HttpResponse> answer) {
    std::lock_guard lock(mutex_);
    script_[method + " " + url].push_back(std::move(answer));
  }

  void fail_on(const std::string& method, const std::string& url, TransportFault fault) {
    S3Error error;
    error.transport = fault;
    error.message = "scripted fault";
    error.category = ErrorCategory::kNetwork;
    on(method, url, std::unexpected(error));
  }

  Result<HttpResponse> send(const HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    const auto it = script_.find(request.method + " " + request.url);
    if (it == script_.end() || it->second.empty()) {
      ADD_FAILURE() << "unscripted request " << request.method << " " << request.url;
      S3Error error;
      error.transport = TransportFault::kConnectionRefused;
      error.message = "unscripted request";
      error.category = ErrorCategory::kNetwork;
      return std::unexpected(error);
    }
    Result<HttpResponse> answer = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
    return answer;
  }

  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<Result<HttpResponse>>> script_;
  std::vector<HttpRequest> requests_;
};

}  // namespace s3cat::s3::testing
