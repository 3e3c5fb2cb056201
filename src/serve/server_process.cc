#include "serve/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>

namespace vigil::serve {

ServerProcess::~ServerProcess() {
  if (running()) kill_hard();
}

Status ServerProcess::start(const std::string& binary, const std::string& data_dir,
                            const std::vector<std::string>& extra_args, int timeout_seconds) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return IoError("pipe failed");
  std::vector<std::string> args = {binary, "serve", "--data", data_dir, "--listen", "127.0.0.1:0", "--no-watch", "-q"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = ::fork();
  if (pid_ < 0) return IoError("fork failed");
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  // Waits for the line "Console: http://HOST:PORT/#token=HEX" (HEX followed by a newline).
  auto console_line = [](const std::string& text, int* port, std::string* token) {
    for (size_t at = text.find("Console: http://"); at != std::string::npos;
         at = text.find("Console: http://", at + 1)) {
      const size_t host = at + 16;
      const size_t colon = text.find(':', host);
      const size_t slash = colon == std::string::npos ? colon : text.find("/#token=", colon);
      const size_t end = slash == std::string::npos ? slash : text.find('\n', slash);
      if (end == std::string::npos) return false;  // not all there yet
      const std::string digits = text.substr(colon + 1, slash - colon - 1);
      const std::string hex = text.substr(slash + 8, end - slash - 8);
      if (digits.empty() || digits.size() > 5 || hex.empty() ||
          digits.find_first_not_of("0123456789") != std::string::npos ||
          hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
        continue;
      }
      *port = std::stoi(digits);
      *token = hex;
      return true;
    }
    return false;
  };
  std::string text;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  while (!console_line(text, &port_, &token_)) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now()).count());
    pollfd p{out[0], POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, left) <= 0) {
      ::close(out[0]);
      kill_hard();
      return IoError("vigil serve did not start in time");
    }
    char buffer[512];
    ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n <= 0) {
      ::close(out[0]);
      kill_hard();
      return IoError("vigil serve exited during start-up");
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(out[0]);  // the child writes nothing more to stdout
  return Status::Ok();
}

void ServerProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

long ServerProcess::peak_rss_kib() const {
  if (pid_ <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

}  // namespace vigil::serve
