// The hunt pipeline: discovery -> work units -> (read -> match) on worker threads -> ordered output
// -> correlation over the time-sorted hits of the rules correlations use.
//
// Why work units: an EVTX file is a run of independent 64 KiB chunks, so a large file is cut into
// runs of chunks and spread over all cores; a JSON or CSV stream has no cheap split points, so it
// is one unit. Every unit is self-contained (its own reader state, its own detections), and
// OrderedPool hands units to the consumer in unit order, which makes the output identical to a
// single-threaded scan. A unit of EVTX chunks numbers its records from 0 and counts them; the
// consumer, which sees a file's units in order, shifts each unit's record indices by the records
// of the units before it, so they match a serial read without a counting pass over the file.
//
// Detections travel from worker to consumer compactly (Found): an event's facts and key-field
// text once, however many rules fire on it, and the consumer hands them to the listener through
// one reused Detection, instead of a Detection built, copied and freed per hit (strings of up to
// 4 KiB, allocated on one thread and freed on another).
//
// Correlations need events in time order, which input order is not; but they only ever look at
// hits of the rules they reference, which are few compared with events. Those hits (with the few
// fields the correlations group or sum by) are kept, sorted by time after the scan, and replayed
// through the correlation engine. Memory is bounded by the hits, not the input. A live input,
// which may never end, instead has its hits correlated as they arrive once it first waits.
#include "pipeline/hunt.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "core/fields.h"
#include "core/text.h"
#include "detect/correlation.h"
#include "detect/matcher.h"
#include "pipeline/detection_store.h"
#include "pipeline/ordered_pool.h"
#include "read/discover.h"
#include "read/evtx/evtx_file.h"
#include "read/evtx/format.h"
#include "read/evtx/evtx_hook.h"
#include "read/read_path.h"

namespace vigil {

int level_rank(std::string_view level) {
  static constexpr std::string_view kLevels[] = {"informational", "low", "medium", "high",
                                                 "critical"};
  for (int i = 0; i < 5; ++i) {
    if (iequals(level, kLevels[i])) return i;
  }
  if (iequals(level, "info")) return 0;
  if (iequals(level, "crit")) return 4;
  if (iequals(level, "med")) return 2;
  return -1;
}

namespace {

struct CorrHit {
  uint32_t rule;
  int64_t time_us;
  uint64_t ref;  // (input << 40) | record index
  std::vector<std::pair<std::string, std::string>> fields;
};

struct UnitOutput {
  Found found;
  std::vector<CorrHit> corr_hits;
  std::vector<std::string> issues;
  uint64_t events = 0;
  uint64_t bytes = 0;
  uint64_t records = 0;    // record slots of an EVTX unit (indices 0..records-1 before shifting)
  bool file_done = false;  // the last unit of its file
  bool paused = false;     // a part handed over because its live input is waiting for more
};

constexpr size_t kWholeFile = SIZE_MAX;  // chunk_end of a unit that is a whole EVTX file

struct WorkUnit {
  uint32_t input;
  bool evtx_chunks = false;  // else: the whole file through read_path
  size_t chunk_begin = 0, chunk_end = 0;  // chunk_end kWholeFile: every chunk the file holds
  uint64_t bytes = 0;
  bool last_of_file = true;
};

// Which rules are reported, and which fields each correlation-used rule must keep.
struct Selection {
  std::vector<bool> report;
  std::vector<bool> correlated;
  std::vector<std::vector<std::string>> corr_fields;
};

Selection select_rules(const sigma::RuleSet& rules, const HuntOptions& opt) {
  Selection s;
  const auto& rs = rules.rules();
  s.report.assign(rs.size(), false);
  s.correlated.assign(rs.size(), false);
  s.corr_fields.resize(rs.size());
  auto admits = [&](std::string_view level, std::string_view status,
                    const std::vector<std::string>& tags) {
    int rank = level_rank(level);
    if (rank >= 0 && rank < opt.min_level) return false;
    if (rank < 0 && opt.min_level > 0) return false;
    if (!opt.levels.empty() &&
        std::none_of(opt.levels.begin(), opt.levels.end(),
                     [&](const std::string& l) { return iequals(l, level); })) {
      return false;
    }
    if (!opt.statuses.empty() &&
        std::none_of(opt.statuses.begin(), opt.statuses.end(),
                     [&](const std::string& l) { return iequals(l, status); })) {
      return false;
    }
    if (!opt.tags.empty()) {
      bool any = false;
      for (const auto& want : opt.tags) {
        for (const auto& t : tags) {
          if (iequals(t, want) || iequals(t, "attack." + want)) any = true;
        }
      }
      if (!any) return false;
    }
    return true;
  };
  // A rule that a correlation uses is reported on its own only when one of them says `generate`
  // (Sigma: by default only the correlation's result is generated).
  sigma::CorrelationEngine uses(rules);
  for (size_t i = 0; i < rs.size(); ++i) {
    s.report[i] = admits(rs[i].level, rs[i].status, rs[i].tags) &&
                  !uses.correlation_only(static_cast<uint32_t>(i));
    s.correlated[i] = uses.used(static_cast<uint32_t>(i));
  }
  s.corr_fields = sigma::CorrelationEngine::input_fields(rules);
  return s;
}

std::string value_text(Value v) {
  std::string scratch;
  std::string_view t = v.text(scratch);
  if (t.size() > kMaxFieldBytes) t = t.substr(0, kMaxFieldBytes);
  return std::string(t);
}

// Per worker thread: the matcher, a scratch event for the EVTX decoder, hit buffers.
struct Worker {
  std::unique_ptr<sigma::Matcher> matcher;
  evtx::EvtxDecoder decoder;
  std::vector<uint8_t> file_bytes;  // a small EVTX file read whole (several threads), reused
  std::vector<uint32_t> hits;
};

class UnitSink : public EventSink {
 public:
  UnitSink(const sigma::RuleSet& rules, const Selection& sel, const HuntOptions& opt,
           Worker& worker, uint32_t input, UnitOutput& out)
      : rules_(rules), sel_(sel), opt_(opt), w_(worker), input_(input), out_(out) {}

  // Whole-file units (a compressed file, a pipe) cannot be split: every kPartDetections
  // detections are handed to the consumer as a part, so memory does not grow with the file.
  // Returns false when the consumer has stopped.
  std::function<bool(bool paused)> flush_part;
  static constexpr size_t kPartDetections = 4096;

  bool on_event(const Event& ev, const RecordRef& ref) override {
    if (flush_part && out_.found.hits.size() >= kPartDetections && !flush_part(false)) return false;
    ++out_.events;
    std::optional<int64_t> t;
    bool time_known = false;
    if (opt_.from_us || opt_.to_us) {
      t = event_time_us(ev);
      time_known = true;
      if (!t) return true;
      if (opt_.from_us && *t < *opt_.from_us) return true;
      if (opt_.to_us && *t > *opt_.to_us) return true;
    }
    w_.matcher->match(ev, &w_.hits);
    // Hits of rules neither reported nor correlated (a level filter) cost nothing more.
    if (std::none_of(w_.hits.begin(), w_.hits.end(),
                     [&](uint32_t r) { return sel_.report[r] || sel_.correlated[r]; })) {
      return true;
    }
    if (!time_known) t = event_time_us(ev);
    EventRecorder record(ev, ref, out_.found);
    record.set_time(t);
    for (uint32_t r : w_.hits) {
      const sigma::Rule& rule = rules_.rules()[r];
      if (sel_.correlated[r]) {
        CorrHit h{r, t.value_or(0), (static_cast<uint64_t>(input_) << 40) | ref.index, {}};
        for (const auto& f : sel_.corr_fields[r]) {
          Value v = ev.field(f);
          if (v && !v.is_null()) h.fields.emplace_back(f, value_text(v));
        }
        out_.corr_hits.push_back(std::move(h));
      }
      if (!sel_.report[r]) continue;
      record.add(rule, r, opt_.max_key_fields);
    }
    return true;
  }

  void on_issue(const ReadIssue& issue) override { out_.issues.push_back(issue.describe()); }

 private:
  const sigma::RuleSet& rules_;
  const Selection& sel_;
  const HuntOptions& opt_;
  Worker& w_;
  uint32_t input_;
  UnitOutput& out_;
};

}  // namespace

Detection make_detection(const Event& ev, const sigma::Rule& rule, uint32_t rule_index,
                         std::optional<int64_t> time_us, const RecordRef& ref, size_t max_key_fields) {
  Found found;
  EventRecorder record(ev, ref, found);
  record.set_time(time_us);
  record.add(rule, rule_index, max_key_fields);
  return DetectionFeed().one(found);
}

Detection correlation_detection(const sigma::RuleSet& rules, const sigma::CorrelationDetection& cd) {
  const auto& corr = rules.correlations()[cd.correlation];
  Detection d;
  d.correlation = true;
  d.rule = cd.correlation;
  d.has_time = true;
  d.time_us = cd.last_us;
  d.first_us = cd.first_us;
  d.group = cd.group;
  d.value = cd.value;
  d.event_count = cd.event_count;
  for (size_t g = 0; g < corr.group_by.size() && g < cd.group.size(); ++g) {
    d.fields.emplace_back(corr.group_by[g], cd.group[g]);
    // Grouped by host: the detection is about that computer.
    if (d.computer.empty() && (iequals(corr.group_by[g], "Computer") || iequals(corr.group_by[g], "Hostname"))) {
      d.computer = cd.group[g];
    }
  }
  return d;
}

Result<HuntStats> run_hunt(const sigma::RuleSet& rules, const std::vector<std::string>& paths,
                           const HuntOptions& opt, HuntListener& listener) {
  auto started = std::chrono::steady_clock::now();
  HuntStats stats;
  Discovery found = discover(paths);
  for (const auto& issue : found.issues) {
    listener.on_issue(issue.describe());
    ++stats.issues;
  }
  if (found.files.empty()) return NotFound("no input files found");

  // Plan the work units.
  std::vector<WorkUnit> units;
  uint64_t bytes_total = 0;
  // A file of no known format is skipped quietly when a folder walk found it (README.md beside
  // the logs) and reported when the user named it.
  std::set<std::string> named(paths.begin(), paths.end());
  std::vector<FoundFile> files;
  for (auto& f : found.files) {
    if (f.format == Format::kUnknown && !named.count(f.path)) {
      ++stats.skipped;
      continue;
    }
    files.push_back(std::move(f));
  }
  found.files = std::move(files);
  if (found.files.empty()) return NotFound("no input files of a known format found");
  for (size_t i = 0; i < found.files.size(); ++i) {
    const FoundFile& f = found.files[i];
    stats.inputs.push_back(f.path);
    bytes_total += f.size;
    if (f.format == Format::kEvtx && f.compression == Compression::kNone) {
      size_t per = std::max<size_t>(1, opt.evtx_chunks_per_unit);
      if (f.size <= evtx::kFileHeaderBlock + per * evtx::kChunkSize) {
        // One unit holds the whole file: planned from its size alone. The unit opens the file
        // and reports what the open finds (header notes, an unreadable file) in file order.
        // Opening and mapping it here too cost 30 % of the kernel time of a hunt over a folder of
        // small logs (1 GB in 6,220 files, no rule firing: 284 -> 200 ms of system time).
        units.push_back({static_cast<uint32_t>(i), true, 0, kWholeFile, f.size, true});
        continue;
      }
      // Mapped only while planned here and while each unit decodes (below): resident memory
      // stays bounded by the units in flight, not by the input.
      auto file = evtx::EvtxFile::open(f.path);
      if (!file.ok()) {
        listener.on_issue(f.path + ": " + file.status().message());
        ++stats.issues;
        continue;
      }
      const evtx::EvtxFile& ef = *file;
      for (const auto& note : ef.header_notes()) {
        listener.on_issue(f.path + ": " + note);
        ++stats.issues;
      }
      size_t chunks = ef.chunk_count();
      if (chunks == 0) continue;
      for (size_t c = 0; c < chunks; c += per) {
        WorkUnit u{static_cast<uint32_t>(i), true, c, std::min(chunks, c + per), 0, false};
        u.bytes = (u.chunk_end - u.chunk_begin) * evtx::kChunkSize;
        units.push_back(u);
      }
      units.back().last_of_file = true;
      units.back().bytes = f.size - units.back().chunk_begin * evtx::kChunkSize;
    } else {
      units.push_back({static_cast<uint32_t>(i), false, 0, 0, f.size, true});
    }
  }

  listener.on_start(stats.inputs, bytes_total);
  Selection sel = select_rules(rules, opt);
  size_t threads = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<Worker> workers(threads);
  auto index = rules.index();
  for (auto& w : workers) w.matcher = std::make_unique<sigma::Matcher>(rules, index);
  ReadOptions ropts;
  ropts.evtx = evtx::read_evtx;  // compressed EVTX: plain files are split into chunk units above

  // Correlation. The hits of the rules correlations use are kept and, at the end, sorted by time
  // and replayed through the engine: exact whatever order the inputs came in. A live input has no
  // end to wait for, so once one pauses (`tail -f log | vigil hunt -`) hits go to an engine as
  // they arrive, each part in time order, and a correlation is reported when its condition holds
  // (a hit older than ones already fed is taken as it comes: only the whole input gives the
  // exact order).
  std::vector<CorrHit> corr_hits;
  std::unique_ptr<sigma::CorrelationEngine> live;
  auto correlate = [&](sigma::CorrelationEngine& engine, bool end) {
    std::stable_sort(corr_hits.begin(), corr_hits.end(), [](const CorrHit& a, const CorrHit& b) {
      return a.time_us != b.time_us ? a.time_us < b.time_us : a.ref < b.ref;
    });
    std::vector<sigma::CorrelationDetection> cds;
    for (const CorrHit& h : corr_hits) {
      auto fields = [&](std::string_view name, std::string* value) {
        for (const auto& [k, v] : h.fields) {
          if (k == name) {
            *value = v;
            return true;
          }
        }
        return false;
      };
      engine.add(h.rule, h.time_us, h.ref, fields, &cds);
    }
    corr_hits.clear();
    if (end) engine.flush(&cds);
    for (const auto& cd : cds) {
      const auto& corr = rules.correlations()[cd.correlation];
      int rank = level_rank(corr.level);
      if (rank >= 0 && rank < opt.min_level) continue;
      Detection d = correlation_detection(rules, cd);
      for (uint64_t ref : cd.events) {
        d.events.emplace_back(static_cast<uint32_t>(ref >> 40), ref & ((1ull << 40) - 1));
      }
      if (!d.events.empty()) {
        d.input = d.events.back().first;
        d.record_index = d.events.back().second;
      }
      listener.on_detection(d);
      ++stats.correlation_detections;
      ++stats.detections;
    }
  };
  uint64_t bytes_done = 0;
  uint32_t base_input = UINT32_MAX;
  uint64_t base_index = 0;  // records of base_input's units consumed so far
  DetectionFeed feed;
  run_ordered<UnitOutput>(
      units.size(), threads, threads * 4,
      [&](size_t ui, size_t wi, const EmitPart<UnitOutput>& emit) {
        const WorkUnit& u = units[ui];
        UnitOutput out;
        Worker& w = workers[wi];
        UnitSink sink(rules, sel, opt, w, u.input, out);
        if (u.evtx_chunks) {
          const std::string& path = found.files[u.input].path;
          // One thread maps files (it touches only the pages chunks use); several read small
          // ones instead, since every unmap would flush the other threads' TLBs and each map
          // takes the process's memory-map lock (scan_bench 1000 2, 2 threads: decode only
          // 0.58-0.61 -> 0.48-0.49 CPU s, full warm 1.19-1.24 -> 1.12-1.14).
          auto file = threads > 1 ? evtx::EvtxFile::open(path, w.file_bytes) : evtx::EvtxFile::open(path);
          if (!file.ok()) {
            out.issues.push_back(path + ": " + file.status().message());
          } else {
            size_t end = u.chunk_end;
            if (end == kWholeFile) {
              for (const auto& note : file->header_notes()) out.issues.push_back(path + ": " + note);
              end = file->chunk_count();
            }
            for (size_t c = u.chunk_begin; c < end; ++c) {
              evtx::ChunkStats cs;
              Status st = file->decode_chunk(c, sink, w.decoder, out.records, &cs);
              if (!st.ok()) out.issues.push_back(file->source() + ": " + st.message());
              out.records += cs.records;
            }
          }
          out.bytes = u.bytes;
        } else {
          sink.flush_part = [&](bool paused) {
            UnitOutput part;
            std::swap(part.found, out.found);
            std::swap(part.corr_hits, out.corr_hits);
            std::swap(part.issues, out.issues);
            part.events = std::exchange(out.events, 0);
            part.paused = paused;
            return emit(std::move(part));
          };
          // A live input (a pipe, standard input) that pauses hands over what it has found, so
          // `tail -f log | vigil hunt -` reports as events come, not every 4,096 detections.
          ReadOptions unit_opts = ropts;
          unit_opts.on_wait = [&] {
            if (!out.found.hits.empty() || !out.issues.empty()) sink.flush_part(true);
          };
          ReadStats rs;
          const std::string& path = found.files[u.input].path;
          Status st = read_path(path, sink, unit_opts, &rs);
          if (!st.ok()) out.issues.push_back(path + ": " + st.message());
          // A stream (standard input, a pipe) has no size on disk: count what it gave.
          out.bytes = found.files[u.input].size != 0 ? found.files[u.input].size : rs.bytes;
        }
        out.file_done = u.last_of_file;
        return out;
      },
      [&](size_t ui, UnitOutput&& out) {
        const WorkUnit& u = units[ui];
        if (u.input != base_input) {
          base_input = u.input;
          base_index = 0;
        }
        if (base_index) {
          for (auto& h : out.corr_hits) h.ref += base_index;
        }
        feed.feed(out.found, u.input, base_index, listener);
        base_index += out.records;
        for (const auto& i : out.issues) listener.on_issue(i);
        stats.detections += out.found.hits.size();
        stats.issues += out.issues.size();
        stats.events += out.events;
        bytes_done += out.bytes;
        stats.bytes = bytes_done;
        if (out.file_done) ++stats.files;
        for (auto& h : out.corr_hits) corr_hits.push_back(std::move(h));
        // A live input waits for more: from then on correlations run as hits arrive (see
        // correlate), and what they find is reported before the pause is.
        if (out.paused && !rules.correlations().empty() && !live) {
          live = std::make_unique<sigma::CorrelationEngine>(rules);
        }
        if (live) correlate(*live, false);
        listener.on_progress(stats, bytes_total);
        if (out.paused) listener.on_pause();
        return true;
      });

  if (!rules.correlations().empty()) {
    if (live) {
      correlate(*live, true);
    } else {
      sigma::CorrelationEngine engine(rules);
      correlate(engine, true);
    }
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return stats;
}

}  // namespace vigil
