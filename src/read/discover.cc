// Walking input paths.
//
// Order must not depend on the file system (readdir order differs between machines and runs),
// so each directory's entries are sorted by name before descending: output is the depth-first
// walk of the sorted tree, the same everywhere. Symbolic links are followed, since evidence
// folders are often assembled with links, but every directory is identified by (device, inode)
// and entered once, which makes link loops harmless; files are also listed once by identity, so
// two links to one log do not double its alerts. Anything that cannot be read is reported and
// skipped: one unreadable folder must not hide the rest of a case.
#include "read/discover.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "core/text.h"

namespace vigil {
namespace {

constexpr size_t kSniffBytes = 4096;
constexpr int kMaxDepth = 256;

using Identity = std::pair<uint64_t, uint64_t>;  // (device, inode)

class Walker {
 public:
  Walker(const DiscoverOptions& opts, Discovery& out) : opts_(opts), out_(out) {}

  void take(const std::string& path) {
    if (path == "-") {  // standard input, once
      if (!stdin_taken_) out_.files.push_back({path, 0, Format::kUnknown, Compression::kNone});
      stdin_taken_ = true;
      return;
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      issue(path, std::strerror(errno));
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      walk(path, st, 0);
    } else if (S_ISREG(st.st_mode)) {
      add(path, st, /*walked=*/false);
    } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
      // A pipe (`<(zcat ...)`) or a device: read as a stream, never sniffed here (sniffing
      // would consume what the reader needs); the reader tells its format from its first bytes.
      if (files_.insert({st.st_dev, st.st_ino}).second) {
        out_.files.push_back({path, 0, Format::kUnknown, Compression::kNone});
      }
    } else {
      issue(path, "not a regular file, directory or pipe");
    }
  }

 private:
  void issue(const std::string& path, std::string message) {
    out_.issues.push_back({path, std::move(message)});
  }

  void walk(const std::string& dir, const struct stat& st, int depth) {
    if (!dirs_.insert({st.st_dev, st.st_ino}).second) return;  // seen: a link loop or alias
    if (depth > kMaxDepth) {
      issue(dir, "directory nesting deeper than " + std::to_string(kMaxDepth) + "; not entered");
      return;
    }
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      issue(dir, std::strerror(errno));
      return;
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string_view name(e->d_name);
      if (name == "." || name == "..") continue;
      if (!opts_.include_hidden && name.front() == '.') continue;
      names.emplace_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    std::string prefix = dir;
    if (prefix.empty() || prefix.back() != '/') prefix += '/';
    for (const std::string& name : names) {
      std::string path = prefix + name;
      struct stat child;
      if (::stat(path.c_str(), &child) != 0) {
        issue(path, std::strerror(errno));  // e.g. a dangling link
        continue;
      }
      if (S_ISDIR(child.st_mode)) {
        walk(path, child, depth + 1);
      } else if (S_ISREG(child.st_mode)) {
        add(path, child, /*walked=*/true);
      }
    }
  }

  bool extension_ok(const std::string& path) const {
    if (opts_.extensions.empty()) return true;
    for (const std::string& ext : opts_.extensions) {
      if (iends_with(path, ext)) return true;
    }
    return false;
  }

  void add(const std::string& path, const struct stat& st, bool walked) {
    if (walked && !extension_ok(path)) return;
    if (!files_.insert({st.st_dev, st.st_ino}).second) return;
    FoundFile f;
    f.path = path;
    f.size = static_cast<uint64_t>(st.st_size);
    if (opts_.sniff || !opts_.formats.empty()) {
      Result<Sniffed> s = sniff_file(path);
      if (!s.ok()) {
        issue(path, s.status().message());
        return;
      }
      f.format = s->format;
      f.compression = s->compression;
    }
    if (walked && !opts_.formats.empty() &&
        std::find(opts_.formats.begin(), opts_.formats.end(), f.format) == opts_.formats.end()) {
      return;
    }
    out_.files.push_back(std::move(f));
  }

  const DiscoverOptions& opts_;
  Discovery& out_;
  std::set<Identity> dirs_;
  std::set<Identity> files_;
  bool stdin_taken_ = false;
};

}  // namespace

Result<Sniffed> sniff_file(const std::string& path) {
  auto src = open_source(path);
  if (!src.ok()) return src.status();
  std::string head(kSniffBytes, '\0');
  size_t have = 0;
  while (have < head.size()) {
    Result<size_t> n = (*src)->read(head.data() + have, head.size() - have);
    if (!n.ok()) {
      if (have > 0) break;  // a damaged stream can still be sniffed by what it gave
      return n.status();
    }
    if (*n == 0) break;
    have += *n;
  }
  head.resize(have);
  Sniffed s;
  s.compression = (*src)->compression();
  s.format = sniff_format(head, path);
  return s;
}

Discovery discover(const std::vector<std::string>& paths, const DiscoverOptions& opts) {
  Discovery out;
  Walker walker(opts, out);
  for (const std::string& p : paths) walker.take(p);
  return out;
}

}  // namespace vigil
