#include "catalog/secret_box.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace s3cat::catalog {
namespace {

constexpr std::size_t kHexKeyLength = 2 * crypto_secretbox_KEYBYTES;
// Larger files cannot be a key in either accepted form.
constexpr std::size_t kMaxKeyFileBytes = kHexKeyLength + 2;

void init_sodium() {
  // sodium_init() may run more than once; the static makes it run once here.
  static const int status = sodium_init();
  (void)status;  // -1 only when the library cannot initialise; randombytes then aborts
}

StoreError key_error(const std::string& path, std::string_view problem) {
  return {StoreErrorKind::kSecretKey,
          fmt::format("secret key file {}: {}; restore the file from a backup, or move it away so that a new key "
                      "is created, then enter the sources' credentials again",
                      path, problem)};
}

StoreError os_error(const std::string& path, std::string_view what, int error_number) {
  return {StoreErrorKind::kSecretKey,
          fmt::format("secret key file {}: {}: {}", path, what, std::strerror(error_number))};
}

// Returns the whole content of a small file; the fd is closed on every path.
StoreResult<std::string> read_small_file(const std::string& path, int fd) {
  std::string content;
  char buffer[128];
  while (content.size() <= kMaxKeyFileBytes) {
    const ssize_t count = ::read(fd, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      const int saved = errno;
      ::close(fd);
      return std::unexpected(os_error(path, "cannot read", saved));
    }
    if (count == 0) break;
    content.append(buffer, static_cast<std::size_t>(count));
  }
  ::close(fd);
  return content;
}

StoreResult<SecretBox::Key> parse_key(const std::string& path, std::string content) {
  SecretBox::Key key{};
  if (content.size() == key.size()) {
    std::memcpy(key.data(), content.data(), key.size());
    sodium_memzero(content.data(), content.size());
    return key;
  }

  if (!content.empty() && content.back() == '\n') content.pop_back();
  std::size_t decoded = 0;
  const bool ok = content.size() == kHexKeyLength &&
                  sodium_hex2bin(key.data(), key.size(), content.data(), content.size(), nullptr, &decoded,
                                 nullptr) == 0 &&
                  decoded == key.size();
  sodium_memzero(content.data(), content.size());
  if (!ok) {
    return std::unexpected(key_error(path, "it must hold 32 bytes, or 64 hex digits, and holds something else"));
  }
  return key;
}

StoreResult<void> write_all(const std::string& path, int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t count = ::write(fd, data.data(), data.size());
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return std::unexpected(os_error(path, "cannot write", errno));
    data.remove_prefix(static_cast<std::size_t>(count));
  }
  if (::fsync(fd) != 0) return std::unexpected(os_error(path, "cannot flush", errno));
  return {};
}

StoreResult<void> create_parent_folders(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return {};
  std::error_code error;
  if (std::filesystem::exists(parent, error)) return {};

  std::filesystem::create_directories(parent, error);
  if (error) {
    return std::unexpected(StoreError{StoreErrorKind::kSecretKey,
                                      fmt::format("secret key file {}: cannot create the folder {}: {}", path,
                                                  parent.string(), error.message())});
  }
  // Only the new leaf folder gets 0700, because the key is its reason to exist.
  ::chmod(parent.c_str(), 0700);
  return {};
}

}  // namespace

StoreResult<std::optional<SecretBox::Key>> SecretBox::read_key_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return std::optional<Key>();
  if (fd < 0) return std::unexpected(os_error(path, "cannot open", errno));

  struct stat info {};
  if (::fstat(fd, &info) == 0 && (info.st_mode & 077) != 0) {
    spdlog::warn("secret key file {} can be read by other users (mode {:o}); run chmod 600 on it", path,
                 info.st_mode & 0777);
  }

  auto content = read_small_file(path, fd);
  if (!content) return std::unexpected(content.error());
  auto key = parse_key(path, std::move(*content));
  if (!key) return std::unexpected(key.error());
  return std::optional<Key>(*key);
}

StoreResult<SecretBox::Key> SecretBox::create_key_file(const std::string& path) {
  init_sodium();
  if (auto folders = create_parent_folders(path); !folders) return std::unexpected(folders.error());

  Key key{};
  randombytes_buf(key.data(), key.size());
  std::string hex(kHexKeyLength + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), key.data(), key.size());
  hex.back() = '\n';

  // Write a private temporary file, then link it into place: link() never
  // replaces an existing file, so two processes that start at once agree on
  // one key, and a crash never leaves a half-written key file behind.
  const std::string temporary = fmt::format("{}.tmp.{}", path, ::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(os_error(temporary, "cannot create", errno));
  ::fchmod(fd, 0600);
  auto written = write_all(temporary, fd, hex);
  sodium_memzero(hex.data(), hex.size());
  ::close(fd);
  if (!written) {
    ::unlink(temporary.c_str());
    return std::unexpected(written.error());
  }

  const int linked = ::link(temporary.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(temporary.c_str());
  if (linked == 0) {
    spdlog::info("created secret key file {}; back it up with the catalog database", path);
    return key;
  }
  if (link_errno != EEXIST) return std::unexpected(os_error(path, "cannot create", link_errno));

  auto existing = read_key_file(path);
  if (!existing) return std::unexpected(existing.error());
  if (!*existing) return std::unexpected(key_error(path, "it vanished while it was being created"));
  return **existing;
}

SecretBox::SecretBox(const Key& key) : key_(key) { init_sodium(); }

SecretBox::~SecretBox() { sodium_memzero(key_.data(), key_.size()); }

std::string SecretBox::seal(std::string_view plain) const {
  std::string sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(sealed.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plain.data()),
                        plain.size(), nonce, key_.data());
  return sealed;
}

std::optional<std::string> SecretBox::open(std::string_view sealed) const {
  if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return std::nullopt;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  const unsigned char* cipher = nonce + crypto_secretbox_NONCEBYTES;
  const std::size_t cipher_size = sealed.size() - crypto_secretbox_NONCEBYTES;

  std::string plain(cipher_size - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), cipher, cipher_size, nonce,
                                 key_.data()) != 0) {
    return std::nullopt;
  }
  return plain;
}

}  // namespace s3cat::catalog
