#include "serve/token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/text.h"

namespace vigil::serve {
namespace {

constexpr size_t kSecretBytes = 32;
constexpr size_t kMinSecretChars = 16;

Status errno_status(const std::string& what) { return IoError(what + ": " + std::strerror(errno)); }

Result<std::string> random_hex(size_t bytes) {
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("/dev/urandom");
  std::string raw(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = ::read(fd, raw.data() + got, bytes - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return errno_status("/dev/urandom");
    }
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes * 2);
  for (unsigned char c : raw) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  return hex;
}

Result<ApiToken> create(const std::string& path) {
  auto secret = random_hex(kSecretBytes);
  if (!secret.ok()) return secret.status();
  // O_EXCL: two servers starting at once must not both write a different secret.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errno_status("cannot create token file " + path);
  std::string line = *secret + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return errno_status("cannot write token file " + path);
  return ApiToken::from_secret(std::move(secret).value());
}

}  // namespace

Result<ApiToken> ApiToken::load_or_create(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) return errno_status("cannot open token file " + path);
    auto created = create(path);
    if (created.ok()) return created;
    // Another process may have created it between our open and create: then use theirs.
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return created.status();
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return errno_status("cannot stat token file " + path);
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return Invalid("token file " + path + " is readable by group or others; chmod 600 it");
  }
  char buffer[512];
  ssize_t n = ::read(fd, buffer, sizeof buffer);
  ::close(fd);
  if (n < 0) return errno_status("cannot read token file " + path);
  std::string secret(trim(std::string_view(buffer, static_cast<size_t>(n))));
  if (secret.size() < kMinSecretChars) {
    return Invalid("token file " + path + " holds fewer than 16 characters");
  }
  return ApiToken(std::move(secret));
}

bool ApiToken::matches(std::string_view presented) const {
  // Every byte of the secret is visited whatever `presented` holds; the only timing signal is
  // the secret's length, which is not secret (64 hex digits for generated tokens).
  unsigned char diff = presented.size() == secret_.size() ? 0 : 1;
  for (size_t i = 0; i < secret_.size(); ++i) {
    unsigned char theirs = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
    diff |= static_cast<unsigned char>(theirs ^ static_cast<unsigned char>(secret_[i]));
  }
  return diff == 0;
}

bool ApiToken::authorizes(std::string_view header) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (!istarts_with(header, kScheme)) return false;
  return matches(trim(header.substr(kScheme.size())));
}

}  // namespace vigil::serve
