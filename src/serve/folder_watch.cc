// Watching a folder without losing or repeating a record.
//
// Two ways to take a file, chosen by what it is:
//  * Line files (plain JSON Lines, plain CSV) grow by appends, so they are followed by byte
//    offset: each pass reads from where the last one stopped up to the last complete line, and
//    each batch handed to the committer carries the offset just past its last record. Because
//    the offset is committed in the same transaction as the records, a crash leaves the two
//    agreeing, and the next start resumes exactly there. Appended CSV rows are read with the
//    header line remembered from the file's start.
//  * Whole files (compressed, EVTX, JSON arrays or pretty-printed objects) cannot be resumed
//    mid-stream, so they are read once they have stopped changing for one poll interval, and
//    progress is the number of records taken: a file that grows later (another gzip member) is
//    read again from the start, skipping the records already taken.
// A file whose inode changes, whose first bytes change (inode numbers are reused at once), or
// which shrinks below its offset, is a new file and is read from the start. Polling (not inotify) keeps this simple and works on every filesystem, including
// network mounts; the cost is up to one poll interval of latency.
#include "serve/folder_watch.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/text.h"
#include "read/discover.h"
#include "read/read_path.h"
#include "read/source.h"

namespace vigil::serve {
namespace {

// Hands records to the committer in batches, each carrying the progress it completes.
class WatchSink : public EventSink {
 public:
  WatchSink(Committer& committer, RecordIntake intake, const std::string& origin, size_t batch_records,
            Counter& records, Counter& damaged)
      : committer_(committer),
        intake_(std::move(intake)),
        origin_(origin),
        batch_records_(batch_records),
        batch_(origin),
        records_(records),
        damaged_(damaged) {}

  // Where the next record starts (line mode: file offset) and how many are done before it.
  std::function<void(const RecordRef& ref, FileProgress& progress)> before_record;
  FileProgress progress;
  uint64_t skip_below_index = 0;  // whole-file mode: records already taken
  std::string first_issue;

  // A batch the committer refused (it is stopping) ends the read: later batches must not carry
  // progress past records that were never stored. The caller returns `refused`.
  Status refused = Status::Ok();

  bool on_event(const Event& event, const RecordRef& ref) override {
    if (ref.index < skip_below_index) return true;
    if (batch_.size() >= batch_records_) {
      before_record(ref, progress);
      refused = flush();
      if (!refused.ok()) return false;
    }
    size_t before = batch_.size();
    Status taken = intake_(event, batch_);
    if (taken.ok()) {
      records_.add(batch_.size() - before);
    } else {
      note(taken.message());
    }
    return true;
  }
  void on_issue(const ReadIssue& issue) override { note(issue.describe()); }

  Status flush() {
    RecordBatch full(origin_);
    std::swap(full, batch_);
    full.progress = progress;
    return committer_.submit(std::move(full));
  }

 private:
  void note(const std::string& message) {
    damaged_.add();
    if (first_issue.empty()) first_issue = message;
  }

  Committer& committer_;
  RecordIntake intake_;
  std::string origin_;
  size_t batch_records_;
  RecordBatch batch_;
  Counter& records_;
  Counter& damaged_;
};

constexpr int64_t kHeadBytes = 64;

bool is_partial_name(const std::string& path) {
  return iends_with(path, ".tmp") || iends_with(path, ".part") || iends_with(path, ".partial");
}

// The CSV columns a profile reads, when the header has them all (for `auto`: the first builtin
// whose columns the header holds). Empty: read every column.
std::vector<std::string> csv_columns_for(ProfileCatalog& profiles, const std::string& profile,
                                         const std::string& header) {
  std::vector<std::string> names = profile == "auto" ? triage::Profile::builtin_names()
                                                     : std::vector<std::string>{profile};
  for (const auto& name : names) {
    auto found = profiles.find(name);
    if (!found.ok() || (*found)->csv_columns().empty()) continue;
    bool all = true;
    for (const auto& column : (*found)->csv_columns()) {
      all = all && header.find(column) != std::string::npos;
    }
    if (all) return (*found)->csv_columns();
  }
  return {};
}

}  // namespace

FolderWatcher::FolderWatcher(WatchOptions options, ProfileCatalog& profiles, Committer& committer,
                             Store store, MetricsRegistry& metrics)
    : options_(std::move(options)),
      profiles_(profiles),
      committer_(committer),
      store_(std::move(store)),
      files_(metrics.counter("vigil_watch_files_total", "Watched-folder file reads")),
      records_(metrics.counter("vigil_alerts_accepted_total", "Alerts acknowledged to senders",
                               {{"origin", "file"}})),
      damaged_(metrics.counter("vigil_alerts_rejected_total", "Records refused at ingest",
                               {{"origin", "file"}})) {}

FolderWatcher::~FolderWatcher() { stop(); }

Status FolderWatcher::start() {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) return IoError("cannot create watched folder " + options_.dir + ": " + ec.message());
  thread_ = std::thread([this] {
    while (!stopping_) {
      (void)scan_once();
      for (auto waited = std::chrono::milliseconds(0); waited < options_.poll && !stopping_;
           waited += std::chrono::milliseconds(50)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
  return Status::Ok();
}

void FolderWatcher::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void FolderWatcher::report(const std::string& path, const std::string& message) {
  Seen& seen = seen_[path];
  if (seen.reported) return;
  seen.reported = true;
  if (options_.report) options_.report(path + ": " + message);
}

std::string FolderWatcher::profile_for(const std::string& path) const {
  // inbox/<profile>/...: the first folder under the watched one names the profile if it is one.
  std::filesystem::path relative = std::filesystem::path(path).lexically_relative(options_.dir);
  auto first = relative.begin();
  if (first != relative.end() && std::next(first) != relative.end()) {
    std::string folder = first->string();
    if (folder == "events") return folder;
    for (const auto& name : triage::Profile::builtin_names()) {
      if (folder == name) return folder;
    }
  }
  return options_.profile;
}

Status FolderWatcher::scan_once() {
  DiscoverOptions discover_options;
  discover_options.sniff = false;
  Discovery found = discover({options_.dir}, discover_options);
  for (const auto& file : found.files) {
    if (stopping_) break;
    if (is_partial_name(file.path)) continue;
    Status status = take_file(file.path, profile_for(file.path));
    if (!status.ok()) report(file.path, status.message());
  }
  return Status::Ok();
}

Status FolderWatcher::take_file(const std::string& path, const std::string& profile) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::Ok();  // gone since the walk
  int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  auto known = progress_.find(path);
  if (known == progress_.end()) {
    auto stored = store_.file_progress(path);
    if (!stored.ok()) return stored.status();
    FileProgress fresh;
    fresh.path = path;
    known = progress_.emplace(path, stored->value_or(fresh)).first;
  }
  FileProgress& progress = known->second;
  Seen& seen = seen_[path];
  bool stable = seen.size == st.st_size && seen.mtime_ns == mtime_ns;
  seen.size = st.st_size;
  seen.mtime_ns = mtime_ns;
  // The file's first bytes: appends never change them, a new file under the old name does.
  std::string head(static_cast<size_t>(std::min<int64_t>(kHeadBytes, st.st_size)), '\0');
  {
    std::ifstream in(path, std::ios::binary);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
  }
  bool same_head = head.compare(0, progress.head.size(), progress.head) == 0 && head.size() >= progress.head.size();
  if (progress.inode != static_cast<int64_t>(st.st_ino) || progress.device != static_cast<int64_t>(st.st_dev) ||
      st.st_size < progress.offset || !same_head) {
    progress = FileProgress{};
    progress.path = path;
    progress.device = static_cast<int64_t>(st.st_dev);
    progress.inode = static_cast<int64_t>(st.st_ino);
    seen.reported = false;
  }
  if (progress.size == st.st_size && progress.mtime_ns == mtime_ns) return Status::Ok();  // nothing new
  if (st.st_size == 0) return Status::Ok();

  auto sniffed = sniff_file(path);
  if (!sniffed.ok()) return sniffed.status();
  FileProgress next = progress;
  next.size = st.st_size;
  next.mtime_ns = mtime_ns;
  next.head = head;
  bool plain = sniffed->compression == Compression::kNone;
  if (plain && sniffed->format == Format::kCsv) return take_lines(path, profile, next, true, stable);
  if (plain && sniffed->format == Format::kJson) {
    // JSON Lines when the first line is one whole object; otherwise an array or pretty objects.
    std::ifstream in(path);
    std::string first_line;
    std::getline(in, first_line);
    std::string_view line = trim(first_line);
    if (!line.empty() && line.front() == '{' && line.back() == '}') return take_lines(path, profile, next, false, stable);
  }
  if (!stable) return Status::Ok();  // whole files are read once they stop changing
  return take_whole(path, profile, sniffed->format, next);
}

Status FolderWatcher::take_lines(const std::string& path, const std::string& profile, FileProgress progress,
                                 bool csv, bool stable) {
  progress.size = progress.offset;  // line files: `size` is how far they have been taken
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot open");
  if (csv && progress.header.empty()) {
    std::getline(in, progress.header);
    if (!progress.header.empty() && progress.header.back() == '\r') progress.header.pop_back();
    in.seekg(0);
  }
  auto intake = profiles_.intake_for(profile);
  if (!intake.ok()) return intake.status();
  ReadOptions read;
  read.format = csv ? Format::kCsv : Format::kJson;
  if (csv) read.csv_columns = csv_columns_for(profiles_, profile, progress.header);
  files_.add();
  std::string chunk;
  for (;;) {
    in.clear();
    in.seekg(progress.offset);
    chunk.resize(options_.max_chunk_bytes);
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<size_t>(in.gcount()));
    bool at_end = chunk.size() < options_.max_chunk_bytes;
    size_t cut = chunk.rfind('\n');
    if (cut == std::string::npos) {
      // A last line without its newline is taken once the file has stopped changing.
      if (chunk.empty() || !at_end || !stable) break;
      cut = chunk.size() - 1;
    }
    chunk.resize(cut + 1);
    // Appended CSV rows are read behind the remembered header; offsets are mapped back.
    int64_t base = progress.offset;
    size_t prefix = 0;
    if (csv && progress.offset > 0) {
      prefix = progress.header.size() + 1;
      chunk.insert(0, progress.header + "\n");
    }
    WatchSink sink(committer_, *intake, "file:" + path, options_.batch_records, records_, damaged_);
    sink.progress = progress;
    int64_t base_records = progress.records;
    sink.before_record = [base, prefix, base_records](const RecordRef& ref, FileProgress& p) {
      p.offset = base + static_cast<int64_t>(ref.offset - prefix);
      p.records = base_records + static_cast<int64_t>(ref.index);
    };
    ReadStats stats;
    Status status = read_source(memory_source(chunk), path, sink, read, &stats);
    if (!status.ok()) return status;
    if (!sink.refused.ok()) {
      progress_.erase(path);  // the next pass starts from the progress last stored
      return sink.refused;
    }
    sink.progress.offset = base + static_cast<int64_t>(chunk.size() - prefix);
    sink.progress.records = base_records + static_cast<int64_t>(stats.records + stats.damaged);
    // Taken up to here: a later pass looks again only when the file differs from this.
    sink.progress.size = sink.progress.offset;
    if (!sink.first_issue.empty()) report(path, sink.first_issue);
    VIGIL_RETURN_IF_ERROR(sink.flush());
    progress = sink.progress;
    if (at_end) break;
  }
  progress_[path] = progress;
  return Status::Ok();
}

Status FolderWatcher::take_whole(const std::string& path, const std::string& profile, Format format,
                                 FileProgress progress) {
  ReadOptions read;
  read.evtx = options_.evtx;
  // EVTX holds raw Windows events: they go through the Sigma rules whatever the folder says.
  auto intake = profiles_.intake_for(format == Format::kEvtx ? "events" : profile);
  if (!intake.ok()) return intake.status();
  if (format == Format::kCsv) {
    // The header is the first decompressed line; read it to pick the profile's columns.
    struct HeaderSink : EventSink {
      std::vector<std::string> keys;
      bool on_event(const Event& e, const RecordRef&) override {
        for (Value c = e.root().first_child(); c; c = c.next()) keys.emplace_back(c.key());
        return false;
      }
      void on_issue(const ReadIssue&) override {}
    } header_sink;
    (void)read_path(path, header_sink, read);
    std::string header;
    for (const auto& k : header_sink.keys) header += k + ",";
    read.csv_columns = csv_columns_for(profiles_, profile, header);
  }
  files_.add();
  WatchSink sink(committer_, *intake, "file:" + path, options_.batch_records, records_, damaged_);
  sink.progress = progress;
  sink.skip_below_index = static_cast<uint64_t>(progress.records);
  sink.before_record = [](const RecordRef& ref, FileProgress& p) { p.records = static_cast<int64_t>(ref.index); };
  ReadStats stats;
  Status status = read_path(path, sink, read, &stats);
  if (!sink.refused.ok()) {
    progress_.erase(path);
    return sink.refused;
  }
  if (!status.ok()) {
    // Unreadable as a whole (EVTX without a decoder, unknown format): remember it as taken so it
    // is not retried every poll, and say why once.
    report(path, status.message());
  }
  sink.progress.records = std::max<int64_t>(progress.records, static_cast<int64_t>(stats.records + stats.damaged));
  sink.progress.offset = progress.size;
  if (!sink.first_issue.empty()) report(path, sink.first_issue);
  VIGIL_RETURN_IF_ERROR(sink.flush());
  progress_[path] = sink.progress;
  return Status::Ok();
}

}  // namespace vigil::serve
