// credential_process: a command from the shared config file that prints
// credentials as JSON on its standard output.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "s3/credential_providers.h"

namespace s3cat::s3 {
namespace {

constexpr auto kTimeout = std::chrono::seconds(60);
constexpr std::size_t kMaxOutputBytes = 64 * 1024;

S3Error process_error(const std::string& label, const std::string& message) {
  S3Error error;
  error.context = "running the credential_process of " + label;
  error.message = message;
  error.category = ErrorCategory::kAuthentication;
  error.hint = "run the credential_process command by hand and check that it prints "
               "{\"Version\": 1, \"AccessKeyId\": ..., \"SecretAccessKey\": ...}";
  return error;
}

// Closes the descriptors it owns when it goes out of scope.
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  ~Pipe() {
    if (read_end >= 0) close(read_end);
    if (write_end >= 0) close(write_end);
  }
};

struct ProcessOutput {
  std::string stdout_text;
  int exit_status = -1;  // -1 when the process did not exit normally
};

// Waits for `pid` until `deadline`, then kills its process group and reaps it.
int wait_for_exit(pid_t pid, std::chrono::steady_clock::time_point deadline, bool& timed_out) {
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (done < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<ProcessOutput> run_command(const std::string& command, const Environment& environment,
                                  const std::string& label) {
  Pipe output;
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) return std::unexpected(process_error(label, std::string("pipe failed: ") + std::strerror(errno)));
  output.read_end = ends[0];
  output.write_end = ends[1];

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, output.write_end, STDOUT_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // A group of its own, so that a timeout kills the command and its children.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);

  std::vector<std::string> entries;
  for (const auto& [name, value] : environment) entries.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (std::string& entry : entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string shell = "/bin/sh";
  std::string flag = "-c";
  std::string script = command;
  char* argv[] = {shell.data(), flag.data(), script.data(), nullptr};

  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, shell.c_str(), &actions, &attributes, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) return std::unexpected(process_error(label, std::string("cannot start /bin/sh: ") + std::strerror(spawned)));
  close(output.write_end);
  output.write_end = -1;

  ProcessOutput result;
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  bool too_large = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd descriptor{output.read_end, POLLIN, 0};
    const int ready = poll(&descriptor, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char buffer[4096];
    const ssize_t count = read(output.read_end, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    if (result.stdout_text.size() + static_cast<std::size_t>(count) > kMaxOutputBytes) {
      too_large = true;
      break;
    }
    result.stdout_text.append(buffer, static_cast<std::size_t>(count));
  }

  bool timed_out = false;
  const auto exit_deadline = too_large ? std::chrono::steady_clock::now() : deadline;
  result.exit_status = wait_for_exit(pid, exit_deadline, timed_out);
  if (too_large) return std::unexpected(process_error(label, fmt::format("the command printed more than {} bytes", kMaxOutputBytes)));
  if (timed_out) {
    return std::unexpected(process_error(label, fmt::format("the command did not finish within {} s", kTimeout.count())));
  }
  return result;
}

Result<Credentials> fetch_process_credentials(const std::string& command, const std::string& label,
                                              const Environment& environment) {
  auto output = run_command(command, environment, label);
  if (!output) return std::unexpected(output.error());
  if (output->exit_status != 0) {
    return std::unexpected(process_error(
        label, output->exit_status < 0 ? std::string("the command was killed by a signal")
                                       : fmt::format("the command exited with status {}", output->exit_status)));
  }

  // Version 1 is the only format the AWS SDKs define.
  const nlohmann::json document = nlohmann::json::parse(output->stdout_text, nullptr, false);
  if (!document.is_object()) return std::unexpected(process_error(label, "the command did not print a JSON object"));
  const auto version = document.find("Version");
  if (version == document.end() || !version->is_number_integer() || version->get<int>() != 1) {
    return std::unexpected(process_error(label, "the output's \"Version\" is not 1"));
  }

  auto credentials = parse_credentials_json(output->stdout_text, "credential_process of " + label, false);
  if (!credentials) {
    S3Error error = credentials.error();
    error.category = ErrorCategory::kAuthentication;
    return std::unexpected(std::move(error));
  }
  credentials->provider = "credential process (" + label + ")";
  return credentials;
}

}  // namespace

std::shared_ptr<CredentialsProvider> make_process_provider(std::string command, std::string label,
                                                          Environment environment, Clock clock) {
  auto fetch = [command = std::move(command), label, environment = std::move(environment)] {
    return fetch_process_credentials(command, label, environment);
  };
  return std::make_shared<RefreshingProvider>("credential process", std::move(fetch), std::move(clock));
}

}  // namespace s3cat::s3
