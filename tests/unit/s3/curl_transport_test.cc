// CurlTransport against tiny servers of the test's own on 127.0.0.1, each
// on a port the OS picks. Every server handles a fixed number of connections
// and gives up after a few seconds, so no test can hang.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

#include "s3/http.h"

namespace s3cat::s3 {
namespace {

using namespace std::chrono_literals;

constexpr int kServerWaitMilliseconds = 5000;

// Reads one request head (up to the blank line) from a client socket.
std::string read_request_head(int fd) {
  std::string text;
  char buffer[4096];
  while (text.find("\r\n\r\n") == std::string::npos) {
    pollfd waiting{fd, POLLIN, 0};
    if (poll(&waiting, 1, kServerWaitMilliseconds) <= 0) break;
    const ssize_t received = recv(fd, buffer, sizeof buffer, 0);
    if (received <= 0) break;
    text.append(buffer, static_cast<std::size_t>(received));
  }
  return text;
}

void send_text(int fd, const std::string& text) {
  std::size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t written = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (written <= 0) return;
    sent += static_cast<std::size_t>(written);
  }
}

// Waits until the peer closes the connection, or the wait limit passes.
void wait_for_close(int fd) {
  char buffer[256];
  for (;;) {
    pollfd waiting{fd, POLLIN, 0};
    if (poll(&waiting, 1, kServerWaitMilliseconds) <= 0) return;
    if (recv(fd, buffer, sizeof buffer, 0) <= 0) return;
  }
}

int bind_loopback_socket(int& port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

// Accepts up to `connections` connections one after another and runs the
// handler on each; the handler gets the connected socket.
class LoopbackServer {
 public:
  using Handler = std::function<void(int client_fd)>;

  LoopbackServer(Handler handler, int connections = 1) {
    listen_fd_ = bind_loopback_socket(port_);
    listen(listen_fd_, 8);
    thread_ = std::thread([this, handler = std::move(handler), connections] {
      for (int i = 0; i < connections; ++i) {
        pollfd waiting{listen_fd_, POLLIN, 0};
        if (poll(&waiting, 1, kServerWaitMilliseconds) <= 0) return;
        const int client = accept(listen_fd_, nullptr, nullptr);
        if (client < 0) return;
        ++accepted_;
        handler(client);
        close(client);
      }
    });
  }

  ~LoopbackServer() {
    thread_.join();
    close(listen_fd_);
  }

  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

CurlTransportOptions fast_options() {
  CurlTransportOptions options;
  options.connect_timeout = 2000ms;
  options.request_timeout = 5000ms;
  return options;
}

HttpRequest get(const std::string& url) {
  HttpRequest request;
  request.url = url;
  return request;
}

TEST(CurlTransport, ConnectionRefusedOnClosedPort) {
  int port = 0;
  const int fd = bind_loopback_socket(port);
  ASSERT_GE(fd, 0);
  close(fd);  // bound once, never listening: connecting is refused
  const auto transport = make_curl_transport(fast_options());

  const auto started = std::chrono::steady_clock::now();
  const auto result = transport->send(get("http://127.0.0.1:" + std::to_string(port) + "/"));
  const auto elapsed = std::chrono::steady_clock::now() - started;

  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().transport, TransportFault::kConnectionRefused);
  EXPECT_EQ(result.error().category, ErrorCategory::kNetwork);
  EXPECT_EQ(result.error().http_status, 0);
  EXPECT_FALSE(result.error().hint.empty());
  EXPECT_LT(elapsed, 1s);
}

TEST(CurlTransport, ShortBodyIsTruncatedBody) {
  LoopbackServer server([](int fd) {
    read_request_head(fd);
    send_text(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
  });
  const auto transport = make_curl_transport(fast_options());

  const auto result = transport->send(get(server.url("/bucket?list-type=2")));

  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().transport, TransportFault::kTruncatedBody);
  EXPECT_EQ(result.error().category, ErrorCategory::kNetwork);
}

TEST(CurlTransport, ReturnsStatusHeadersAndBody) {
  std::string received;
  LoopbackServer server([&received](int fd) {
    received = read_request_head(fd);
    send_text(fd,
              "HTTP/1.1 503 Slow Down\r\nX-Amz-Request-Id: ABC123\r\nX-Amz-Bucket-Region: eu-west-1\r\n"
              "Content-Length: 5\r\n\r\nhello");
  });
  // A proxy in the environment must not be used.
  setenv("http_proxy", "http://127.0.0.1:9", 1);
  const auto transport = make_curl_transport(fast_options());
  HttpRequest request = get(server.url("/bucket?list-type=2&prefix=a%2Fb"));
  request.headers = {{"x-amz-content-sha256", "abc"}, {"X-Amz-Date", "20240501T120000Z"}};

  const auto result = transport->send(request);
  unsetenv("http_proxy");

  ASSERT_TRUE(result.has_value()) << result.error().describe();
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(result->header("x-amz-request-id"), "ABC123");
  EXPECT_EQ(result->header("x-amz-bucket-region"), "eu-west-1");
  EXPECT_EQ(result->body, "hello");
  EXPECT_EQ(received.rfind("GET /bucket?list-type=2&prefix=a%2Fb HTTP/1.1\r\n", 0), 0u) << received;
  EXPECT_NE(received.find("x-amz-content-sha256: abc\r\n"), std::string::npos) << received;
  EXPECT_NE(received.find("X-Amz-Date: 20240501T120000Z\r\n"), std::string::npos) << received;
  EXPECT_EQ(received.find("Expect:"), std::string::npos) << received;
}

TEST(CurlTransport, ClosedWithoutAnswerIsReset) {
  LoopbackServer server([](int fd) { read_request_head(fd); });
  const auto transport = make_curl_transport(fast_options());

  const auto result = transport->send(get(server.url()));

  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().transport, TransportFault::kConnectionReset);
}

TEST(CurlTransport, StalledServerTimesOut) {
  LoopbackServer server([](int fd) {
    read_request_head(fd);
    wait_for_close(fd);
  });
  CurlTransportOptions options = fast_options();
  options.request_timeout = 300ms;
  const auto transport = make_curl_transport(options);

  const auto started = std::chrono::steady_clock::now();
  const auto result = transport->send(get(server.url()));
  const auto elapsed = std::chrono::steady_clock::now() - started;

  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().transport, TransportFault::kTimeout);
  EXPECT_LT(elapsed, 3s);
}

TEST(CurlTransport, HttpsToPlainServerIsTlsFailure) {
  LoopbackServer server([](int fd) {
    // The TLS ClientHello has no blank line, so reply after its first bytes.
    char buffer[1024];
    pollfd waiting{fd, POLLIN, 0};
    if (poll(&waiting, 1, kServerWaitMilliseconds) > 0) recv(fd, buffer, sizeof buffer, 0);
    send_text(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  });
  const auto transport = make_curl_transport(fast_options());

  const auto result = transport->send(get("https://127.0.0.1:" + std::to_string(server.port()) + "/"));

  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().transport, TransportFault::kTlsFailure) << result.error().describe();
  EXPECT_EQ(result.error().category, ErrorCategory::kNetwork);
}

TEST(CurlTransport, ReusesConnection) {
  LoopbackServer server(
      [](int fd) {
        for (int i = 0; i < 2; ++i) {
          if (read_request_head(fd).empty()) return;
          send_text(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }
      },
      2);
  const auto transport = make_curl_transport(fast_options());

  const auto first = transport->send(get(server.url("/one")));
  const auto second = transport->send(get(server.url("/two")));

  ASSERT_TRUE(first.has_value()) << first.error().describe();
  ASSERT_TRUE(second.has_value()) << second.error().describe();
  EXPECT_EQ(second->body, "ok");
  EXPECT_EQ(server.accepted(), 1);
  // Connect once more so the server thread ends without waiting for its limit.
  const auto closing = make_curl_transport(fast_options())->send(get(server.url("/three")));
  EXPECT_TRUE(closing.has_value());
}

TEST(CurlTransport, OversizedBodyIsRejected) {
  LoopbackServer server([](int fd) {
    read_request_head(fd);
    send_text(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x'));
  });
  CurlTransportOptions options = fast_options();
  options.max_response_bytes = 10;
  const auto transport = make_curl_transport(options);

  const auto result = transport->send(get(server.url()));

  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().transport, TransportFault::kOther);
  EXPECT_NE(result.error().message.find("larger than 10 bytes"), std::string::npos);
}

TEST(CurlTransport, ResolveMapsHostToLoopback) {
  std::string received;
  LoopbackServer server([&received](int fd) {
    received = read_request_head(fd);
    send_text(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  });
  CurlTransportOptions options = fast_options();
  const std::string port = std::to_string(server.port());
  options.resolve = {"s3.test:" + port + ":127.0.0.1"};
  const auto transport = make_curl_transport(options);

  const auto result = transport->send(get("http://s3.test:" + port + "/bucket"));

  ASSERT_TRUE(result.has_value()) << result.error().describe();
  EXPECT_EQ(result->body, "ok");
  EXPECT_NE(received.find("Host: s3.test:" + port + "\r\n"), std::string::npos) << received;
}

TEST(CurlTransport, ResolveKeepsOnlyLoopbackEntries) {
  const std::vector<std::string> kept = loopback_resolve_entries(
      {"s3.test:443:127.0.0.1", "a.s3.test:8443:[::1]", "s3.test:443:192.0.2.1", "s3.test:443:localhost",
       "malformed", "s3.test:443:"});

  EXPECT_EQ(kept, (std::vector<std::string>{"s3.test:443:127.0.0.1", "a.s3.test:8443:[::1]"}));
}

}  // namespace
}  // namespace s3cat::s3
