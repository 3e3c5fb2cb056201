// detect_bench: Sigma matching speed. Loads the SigmaHQ rules (../shared) plus demo/rules, reads
// the demo logs (evtx_dump JSONL, gzip), and times the indexed Matcher against the plain
// ReferenceMatcher over the same events, printing events/s and hit counts side by side.
// Mode `evtx` instead decodes every .evtx of ../shared/data/evtx and times Matcher::match (CPU
// time of decode + match less decode alone) with the Windows rules scan_bench uses, then lists the rules fully
// evaluated most often and how often they fired: where better prefilter atoms would pay; and
// the matcher's time by route (channel and event ID), each match timed on its own; and each event
// matched twice in a row, the second time with its memory in the caches.
// Mode `literals` instead collects, per literal database, the texts its lane scanned over the
// EVTX samples, and times each database over its own texts beside controls: a database of as
// many literals that never occur in such text (letters rotated, a control byte in front), the
// database without its most-hit literals, and without the literals found in more than half of its
// texts — where the scan's cost comes from (docs/performance.md).
// Mode `json` prints the by-route table and the twice-matched figure over the Mordor JSON captures.
// Usage: detect_bench [repeat=3] [both|index|reference|evtx|literals|json [DIR]]
#include <sys/resource.h>
#include <hs/hs.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <algorithm>
#include <map>

#include "core/fields.h"
#include "detect/matcher.h"
#include "detect/ruleset.h"
#include "detect/test_events.h"
#include "read/discover.h"
#include "read/evtx/evtx_file.h"
#include "read/read_path.h"

namespace {

std::string gunzip(const std::string& path) {
  std::string out;
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <typename M>
void run(const char* name, M& m, const std::vector<std::unique_ptr<vigil::Event>>& events, int repeat) {
  std::vector<uint32_t> hits;
  size_t total = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < repeat; ++r) {
    for (const auto& ev : events) {
      m.match(*ev, &hits);
      total += hits.size();
    }
  }
  double s = seconds_since(t0);
  double n = static_cast<double>(events.size()) * repeat;
  std::printf("%-18s %10.0f events/s  %8.2f us/event  hits %zu\n", name, n / s, 1e6 * s / n, total / repeat);
}

// Runs the matcher (when given one) on each decoded record.
class MatchSink : public vigil::EventSink {
 public:
  MatchSink(vigil::sigma::Matcher* m, std::vector<uint64_t>* fired) : m_(m), fired_(fired) {}
  bool on_event(const vigil::Event& ev, const vigil::RecordRef&) override {
    ++events;
    if (!m_) return true;
    m_->match(ev, &hits_);
    for (uint32_t r : hits_) ++(*fired_)[r];
    return true;
  }
  void on_issue(const vigil::ReadIssue&) override {}
  uint64_t events = 0;

 private:
  vigil::sigma::Matcher* m_;
  std::vector<uint64_t>* fired_;
  std::vector<uint32_t> hits_;
};

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// CPU seconds to decode every file `repeat` times into `sink`.
double decode_all(const std::vector<vigil::evtx::EvtxFile>& files, int repeat, MatchSink& sink) {
  const double t0 = cpu_seconds();
  for (int r = 0; r < repeat; ++r) {
    for (const auto& f : files) (void)f.read_all(sink);
  }
  return cpu_seconds() - t0;
}

// The Windows rules scan_bench uses and every .evtx sample of ../shared, for the `evtx` and
// `literals` modes. False (with a message naming `mode`) when ../shared lacks them.
bool load_windows_samples(const char* mode, vigil::sigma::RuleSet* rules, vigil::sigma::LoadReport* report,
                          std::vector<std::filesystem::path>* files) {
  namespace fs = std::filesystem;
  const fs::path shared = VIGIL_SHARED_DIR "/data";
  std::vector<std::string> paths;
  for (const char* d : {"rules/windows", "rules-emerging-threats", "rules-threat-hunting"}) {
    if (fs::exists(shared / "sigma" / d)) paths.push_back((shared / "sigma" / d).string());
  }
  if (fs::exists(shared / "evtx")) {
    for (const auto& e : fs::recursive_directory_iterator(shared / "evtx")) {
      if (e.is_regular_file() && e.path().extension() == ".evtx") files->push_back(e.path());
    }
  }
  if (paths.empty() || files->empty()) {
    std::fprintf(stderr, "detect_bench %s: needs ../shared (data/sigma, data/evtx)\n", mode);
    return false;
  }
  std::sort(files->begin(), files->end());
  vigil::sigma::LoadOptions opt;
  opt.logsources_file = VIGIL_SOURCE_DIR "/config/logsources.yml";
  *rules = vigil::sigma::RuleSet::load(paths, opt, report);
  return true;
}

// What the `evtx`, `literals` and `json` modes start from: the Windows rules, the EVTX samples'
// paths, and a Matcher with every literal database compiled. Null (with a message) without
// ../shared.
struct WindowsBench {
  vigil::sigma::RuleSet rules;
  vigil::sigma::LoadReport report;
  std::vector<std::filesystem::path> files;
  std::unique_ptr<vigil::sigma::Matcher> matcher;
};
std::unique_ptr<WindowsBench> windows_bench(const char* mode) {
  auto b = std::make_unique<WindowsBench>();
  if (!load_windows_samples(mode, &b->rules, &b->report, &b->files)) return nullptr;
  b->matcher = std::make_unique<vigil::sigma::Matcher>(b->rules);
  (void)b->matcher->index()->compile_all();
  return b;
}

// Feeds every event of a corpus to a sink: the EVTX samples, or the Mordor JSON captures.
using Feed = std::function<void(vigil::EventSink&)>;
Feed feed_evtx(const std::vector<vigil::evtx::EvtxFile>& files) {
  return [&files](vigil::EventSink& sink) {
    for (const auto& f : files) (void)f.read_all(sink);
  };
}
void print_routes(vigil::sigma::Matcher& m, const Feed& feed);
void print_most_evaluated(const vigil::sigma::RuleSet& rules, const vigil::sigma::Matcher& m,
                          const std::vector<uint64_t>& fired, double events);
void print_twice(vigil::sigma::Matcher& m, const Feed& feed);

int evtx_mode(int repeat) {
  using namespace vigil::sigma;
  const auto bench = windows_bench("evtx");
  if (!bench) return 0;
  const RuleSet& rules = bench->rules;
  const LoadReport& report = bench->report;
  const auto& files = bench->files;
  Matcher& m = *bench->matcher;
  std::vector<uint64_t> fired(rules.rules().size(), 0);
  std::vector<vigil::evtx::EvtxFile> opened;
  for (const auto& f : files) {
    auto file = vigil::evtx::EvtxFile::open(f.string());
    if (file.ok()) opened.push_back(std::move(*file));
  }
  // The matcher's cost is the CPU time of decoding + matching less that of decoding alone, each
  // the best of three: CPU time, not wall time, so that a loaded machine skews it less.
  double decode_s = 1e30, both_s = 1e30;
  MatchSink sink(&m, &fired);
  for (int k = 0; k < 3; ++k) {
    MatchSink plain(nullptr, nullptr);
    decode_s = std::min(decode_s, decode_all(opened, repeat, plain));
    m.reset_stats();
    std::fill(fired.begin(), fired.end(), 0);
    sink.events = 0;
    both_s = std::min(both_s, decode_all(opened, repeat, sink));
  }
  const MatchStats& st = m.stats();
  const double n = static_cast<double>(sink.events);
  const double match_s = both_s - decode_s;
  std::printf("%zu rules, %zu .evtx files x %d: %.0f events; decode %.2f us/event, Matcher %.2f us/event "
              "(%.0f events per CPU-second), decode + match %.0f events per CPU-second\n",
              report.loaded, files.size(), repeat, n, 1e6 * decode_s / n, 1e6 * match_s / n, n / match_s,
              n / both_s);
  std::printf("  per event: %.2f scanned, %.1f rules woken, %.1f confirmed, %.1f always-run, %.2f hits\n",
              st.scans / n, st.woken / n, st.confirmed / n, st.always / n, st.hits / n);
  print_most_evaluated(rules, m, fired, n);
  print_routes(m, feed_evtx(opened));
  print_twice(m, feed_evtx(opened));
  return 0;
}


// The rules fully evaluated most often since the matcher's stats were reset, and how often they
// fired (`fired`, per rule), per 1000 of `events`: where better prefilter atoms would pay.
void print_most_evaluated(const vigil::sigma::RuleSet& rules, const vigil::sigma::Matcher& m,
                          const std::vector<uint64_t>& fired, double events) {
  std::vector<uint32_t> order(rules.rules().size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto& evals = m.evaluations();
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return evals[a] > evals[b]; });
  std::printf("  most evaluated rules (evaluations per 1000 events, fired per 1000):\n");
  for (size_t k = 0; k < 25 && k < order.size() && evals[order[k]]; ++k) {
    std::printf("  %7.1f %7.1f  %s\n", 1000.0 * evals[order[k]] / events, 1000.0 * fired[order[k]] / events,
                rules.rules()[order[k]].path.c_str());
  }
}

// Times each Matcher::match by the event's route (channel and event ID): which kinds of events
// the matcher's time goes to. Two clock reads per event (~40 ns) are included in each figure.
class RouteTimer : public vigil::EventSink {
 public:
  explicit RouteTimer(vigil::sigma::Matcher* m) : m_(m) {}
  bool on_event(const vigil::Event& ev, const vigil::RecordRef&) override {
    const auto t0 = std::chrono::steady_clock::now();
    m_->match(ev, &hits_);
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    vigil::Value id, channel;
    vigil::FieldResolver::resolve_routing(ev, &id, &channel);
    std::string a, b;
    key_.assign(channel.text(a)).append(" ").append(id.text(b));
    Route& r = routes[key_];
    r.ns += ns;
    ++r.events;
    return true;
  }
  void on_issue(const vigil::ReadIssue&) override {}
  struct Route {
    double ns = 0;
    uint64_t events = 0;
  };
  std::map<std::string, Route> routes;

 private:
  vigil::sigma::Matcher* m_;
  std::vector<uint32_t> hits_;
  std::string key_;
};

// Matches every event twice in a row and times both: the second finds in the caches what the first
// brought there, so the difference is about what the matcher spends waiting for memory.
class TwiceTimer : public vigil::EventSink {
 public:
  explicit TwiceTimer(vigil::sigma::Matcher* m) : m_(m) {}
  bool on_event(const vigil::Event& ev, const vigil::RecordRef&) override {
    const auto t0 = std::chrono::steady_clock::now();
    m_->match(ev, &hits_);
    const auto t1 = std::chrono::steady_clock::now();
    m_->match(ev, &hits_);
    const auto t2 = std::chrono::steady_clock::now();
    first += std::chrono::duration<double, std::nano>(t1 - t0).count();
    again += std::chrono::duration<double, std::nano>(t2 - t1).count();
    ++events;
    return true;
  }
  void on_issue(const vigil::ReadIssue&) override {}
  double first = 0, again = 0;
  uint64_t events = 0;

 private:
  vigil::sigma::Matcher* m_;
  std::vector<uint32_t> hits_;
};

// Records, per literal database, the texts the matcher's lanes scanned.
class LaneSink : public vigil::EventSink {
 public:
  explicit LaneSink(vigil::sigma::Matcher* m) : m_(m) {}
  bool on_event(const vigil::Event& ev, const vigil::RecordRef&) override {
    m_->match(ev, &hits_);
    const auto lanes = m_->last_lanes();
    for (size_t k = 0; k < lanes.size(); ++k) {
      const std::string_view text = m_->last_scan().lane_text(k);
      if (text.empty() || lanes[k].db == nullptr) continue;
      Corpus& c = corpora[lanes[k].db];
      c.slot = lanes[k].slot;
      c.texts.emplace_back(text);
      c.bytes += text.size();
    }
    return true;
  }
  void on_issue(const vigil::ReadIssue&) override {}
  struct Corpus {
    uint32_t slot = 0;
    std::vector<std::string> texts;
    size_t bytes = 0;
  };
  std::map<const vigil::sigma::LiteralDatabase*, Corpus> corpora;

 private:
  vigil::sigma::Matcher* m_;
  std::vector<uint32_t> hits_;
};

// A block-mode literal database of `literals` (as the prefilter builds them: case-sensitive, over
// lower-cased text), or null.
hs_database_t* compile_literals(const std::vector<std::string>& literals) {
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags, ids;
  for (size_t i = 0; i < literals.size(); ++i) {
    exprs.push_back(literals[i].data());
    lens.push_back(literals[i].size());
    flags.push_back(0);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(), static_cast<unsigned>(exprs.size()),
                           HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
    if (error) hs_free_compile_error(error);
    return nullptr;
  }
  return db;
}

struct ScanTiming {
  double ns_per_scan = 0;
  double hits_per_scan = 0;
};

// Best of `rounds` passes of `db` over `texts`; counts, per literal, hits into `per_literal` and
// the texts holding it into `in_texts`, if given.
ScanTiming time_scans(hs_database_t* db, const std::vector<std::string>& texts, int rounds,
                      std::vector<uint64_t>* per_literal = nullptr, std::vector<uint64_t>* in_texts = nullptr) {
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) return {};
  struct Count {
    uint64_t hits = 0;
    std::vector<uint64_t>* per = nullptr;
    std::vector<uint64_t>* in = nullptr;
    std::vector<uint64_t> last;  // per literal: the number of the text it was last seen in
    uint64_t text = 0;
  } count;
  if (in_texts) count.last.assign(in_texts->size(), 0);
  auto on_match = [](unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
    auto* c = static_cast<Count*>(ctx);
    ++c->hits;
    if (c->per && id < c->per->size()) ++(*c->per)[id];
    if (c->in && id < c->in->size() && c->last[id] != c->text) {
      c->last[id] = c->text;
      ++(*c->in)[id];
    }
    return 0;
  };
  double best = 1e30;
  for (int r = 0; r < rounds; ++r) {
    count.hits = 0;
    count.per = r == 0 ? per_literal : nullptr;
    count.in = r == 0 ? in_texts : nullptr;
    count.text = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& t : texts) {
      ++count.text;
      hs_scan(db, t.data(), static_cast<unsigned>(t.size()), 0, scratch, on_match, &count);
    }
    best = std::min(best, seconds_since(t0));
  }
  hs_free_scratch(scratch);
  const double n = static_cast<double>(texts.size());
  return {1e9 * best / n, static_cast<double>(count.hits) / n};
}

// ns per scan of a database of `literals` over `texts` (best of `repeat`), as text; "-" if refused.
std::string time_set(const std::vector<std::string>& literals, const std::vector<std::string>& texts, int repeat) {
  hs_database_t* db = compile_literals(literals);
  if (!db) return "-";
  char cell[32];
  std::snprintf(cell, sizeof cell, "%.0f", time_scans(db, texts, repeat).ns_per_scan);
  hs_free_database(db);
  return cell;
}

// One timed pass (the best of three per route), the routes that take most of the matcher's time.
void print_routes(vigil::sigma::Matcher& m, const Feed& feed) {
  std::map<std::string, RouteTimer::Route> best;
  for (int k = 0; k < 3; ++k) {
    RouteTimer timer(&m);
    feed(timer);
    for (const auto& [key, r] : timer.routes) {
      auto [it, added] = best.emplace(key, r);
      if (!added && r.ns < it->second.ns) it->second = r;
    }
  }
  std::vector<std::pair<double, const std::string*>> order;
  double total = 0;
  uint64_t events = 0;
  for (const auto& [key, r] : best) {
    order.push_back({r.ns, &key});
    total += r.ns;
    events += r.events;
  }
  std::sort(order.rbegin(), order.rend());
  std::printf("  where the matcher's time goes, by route (one pass, %.2f us/event over %llu events, timed per "
              "event):\n  share  events  us/event  channel and event ID\n",
              total / 1e3 / static_cast<double>(events), static_cast<unsigned long long>(events));
  for (size_t k = 0; k < 15 && k < order.size(); ++k) {
    const RouteTimer::Route& r = best[*order[k].second];
    std::printf("  %4.1f%% %7llu %9.2f  %s\n", 100.0 * r.ns / total, static_cast<unsigned long long>(r.events),
                r.ns / 1e3 / static_cast<double>(r.events), order[k].second->c_str());
  }
}

// Each event matched twice in a row (TwiceTimer), best of three passes.
void print_twice(vigil::sigma::Matcher& m, const Feed& feed) {
  double first = 1e30, again = 1e30;
  uint64_t events = 0;
  for (int k = 0; k < 3; ++k) {
    TwiceTimer twice(&m);
    feed(twice);
    first = std::min(first, twice.first);
    again = std::min(again, twice.again);
    events = twice.events;
  }
  if (events == 0) return;
  std::printf("  each event matched twice in a row: %.2f us the first time, %.2f us the second (what the "
              "first brought into the caches is still there)\n",
              first / 1e3 / static_cast<double>(events), again / 1e3 / static_cast<double>(events));
}

// Mode `json`: the matcher's time by route over the Mordor captures (real Windows logs, attacks
// amid their background, as NXLog/Winlogbeat JSON lines), where the mix of events differs from
// the attack samples'. Events are read again for each pass; only Matcher::match is timed.
int json_mode(const char* dir) {
  namespace fs = std::filesystem;
  using namespace vigil::sigma;
  const auto bench = windows_bench("json");
  if (!bench) return 0;
  const RuleSet& rules = bench->rules;
  std::vector<std::string> files;
  const fs::path mordor = dir ? dir : VIGIL_SHARED_DIR "/data/mordor";
  if (fs::exists(mordor)) {
    for (const vigil::FoundFile& f : vigil::discover({mordor.string()}).files) {
      if (f.format == vigil::Format::kJson) files.push_back(f.path);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "detect_bench json: no JSON logs in %s\n", mordor.c_str());
    return 0;
  }
  Matcher& m = *bench->matcher;
  const Feed feed = [&files](vigil::EventSink& sink) {
    for (const std::string& f : files) (void)vigil::read_path(f, sink, {});
  };
  std::vector<uint64_t> fired(rules.rules().size(), 0);
  MatchSink sink(&m, &fired);
  m.reset_stats();
  feed(sink);
  const MatchStats& st = m.stats();
  const double n = static_cast<double>(sink.events);
  std::printf("%zu rules, %zu JSON files of %s: %.0f events\n", bench->report.loaded, files.size(), mordor.c_str(), n);
  std::printf("  per event: %.2f scanned, %.1f rules woken, %.1f confirmed, %.1f always-run, %.2f hits\n",
              st.scans / n, st.woken / n, st.confirmed / n, st.always / n, st.hits / n);
  print_most_evaluated(rules, m, fired, n);
  print_routes(m, feed);
  print_twice(m, feed);
  return 0;
}

int literals_mode(int repeat) {
  using namespace vigil::sigma;
  const auto bench = windows_bench("literals");
  if (!bench) return 0;
  const LoadReport& report = bench->report;
  const auto& files = bench->files;
  Matcher& m = *bench->matcher;
  LaneSink sink(&m);
  for (const auto& f : files) {
    auto file = vigil::evtx::EvtxFile::open(f.string());
    if (file.ok()) (void)file->read_all(sink);
  }
  const auto& all = m.index()->requirements().literals();
  struct Row {
    const LiteralDatabase* db;
    const LaneSink::Corpus* corpus;
    double total_ns;
    ScanTiming real;
  };
  std::vector<Row> rows;
  for (const auto& [db, corpus] : sink.corpora) {
    if (db->db() == nullptr) continue;
    const ScanTiming t = time_scans(db->db(), corpus.texts, repeat);
    rows.push_back({db, &corpus, t.ns_per_scan * static_cast<double>(corpus.texts.size()), t});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.total_ns > b.total_ns; });
  double total = 0;
  for (const Row& r : rows) total += r.total_ns;
  std::printf("%zu rules; the lanes of one pass over %zu .evtx files scanned %.2f ms in %zu databases (best of %d)\n",
              report.loaded, files.size(), total / 1e6, rows.size(), repeat);
  std::printf("%-5s %8s %7s %10s %9s %8s %9s | %9s | %-18s | %s\n", "db", "literals", "scans", "bytes/scan",
              "ns/scan", "ns/byte", "hits/scan", "never-hit", "without 10/100/400", "without the common");
  std::printf("      never-hit: ns/scan for as many literals that never occur; without N: ns/scan with the N most-hit\n"
              "      literals left out; without the common: ns/scan with those in more than half the texts left out;\n"
              "      most hit: hits, and the share of the texts holding the literal\n");
  for (size_t i = 0; i < rows.size() && i < 8; ++i) {
    const Row& r = rows[i];
    const auto& texts = r.corpus->texts;
    std::vector<std::string> lits;
    for (uint32_t id : r.db->ids()) lits.push_back(all[id]);
    std::vector<std::string> never;
    for (const std::string& l : lits) {
      std::string n = "\x01" + l;
      for (char& ch : n) {
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>('a' + (ch - 'a' + 7) % 26);
      }
      never.push_back(std::move(n));
    }
    std::vector<uint64_t> per(lits.size(), 0), in(lits.size(), 0);
    if (hs_database_t* real = compile_literals(lits)) {
      (void)time_scans(real, texts, 1, &per, &in);
      hs_free_database(real);
    }
    std::vector<uint32_t> order(lits.size());
    for (uint32_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return per[a] > per[b]; });
    std::string without;
    for (size_t drop : {size_t{10}, size_t{100}, size_t{400}}) {
      if (drop >= lits.size()) break;
      std::vector<uint8_t> gone(lits.size(), 0);
      for (size_t k = 0; k < drop; ++k) gone[order[k]] = 1;
      std::vector<std::string> kept;
      for (size_t k = 0; k < lits.size(); ++k) {
        if (!gone[k]) kept.push_back(lits[k]);
      }
      without += (without.empty() ? "" : "/") + time_set(kept, texts, repeat);
    }
    std::vector<std::string> rarer;
    for (size_t k = 0; k < lits.size(); ++k) {
      if (2 * in[k] <= texts.size()) rarer.push_back(lits[k]);
    }
    std::string common = "-";
    if (rarer.size() < lits.size() && !rarer.empty()) {
      common = time_set(rarer, texts, repeat) + " (" + std::to_string(lits.size() - rarer.size()) + " out)";
    }
    const double scans = static_cast<double>(texts.size());
    std::printf("%-5u %8zu %7.0f %10.0f %9.0f %8.2f %9.1f | %9s | %-18s | %s\n", r.corpus->slot, lits.size(), scans,
                r.corpus->bytes / scans, r.real.ns_per_scan, r.real.ns_per_scan * scans / r.corpus->bytes,
                r.real.hits_per_scan, time_set(never, texts, repeat).c_str(), without.c_str(), common.c_str());
    std::string top;
    for (size_t k = 0; k < 6 && k < order.size() && per[order[k]]; ++k) {
      char cell[24];
      std::snprintf(cell, sizeof cell, " (%.0f%%)", 100.0 * in[order[k]] / scans);
      top += (k ? ", " : "") + ("'" + lits[order[k]] + "' ") + std::to_string(per[order[k]]) + cell;
    }
    std::printf("      most hit: %s\n", top.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using namespace vigil::sigma;
  const int repeat = argc > 1 ? std::atoi(argv[1]) : 3;
  if (argc > 2 && std::string(argv[2]) == "evtx") return evtx_mode(repeat);
  if (argc > 2 && std::string(argv[2]) == "literals") return literals_mode(repeat);
  if (argc > 2 && std::string(argv[2]) == "json") return json_mode(argc > 3 ? argv[3] : nullptr);
  const std::string shared = VIGIL_SHARED_DIR "/data/sigma";
  const std::string src = VIGIL_SOURCE_DIR;
  std::vector<std::string> paths = {src + "/demo/rules"};
  for (const char* d : {"rules", "rules-emerging-threats", "rules-threat-hunting"}) {
    if (fs::exists(shared + "/" + d)) paths.push_back(shared + "/" + d);
  }
  LoadOptions opt;
  opt.logsources_file = src + "/config/logsources.yml";
  LoadReport report;
  auto t0 = std::chrono::steady_clock::now();
  RuleSet rules = RuleSet::load(paths, opt, &report);
  std::printf("loaded %zu rules (%zu refused) from %zu files in %.3f s\n", report.loaded, report.refused.size(),
              report.files, seconds_since(t0));
  std::vector<std::unique_ptr<vigil::Event>> events;
  for (const char* log : {"contoso-sysmon.jsonl.gz", "contoso-security.jsonl.gz", "contoso-system.jsonl.gz"}) {
    std::string text = gunzip(src + "/demo/logs/" + log);
    std::string error;
    if (!vigil::sigma::testing::events_from_json(text, &events, &error)) {
      std::fprintf(stderr, "%s: %s\n", log, error.c_str());
      return 1;
    }
  }
  if (events.empty()) {
    std::fprintf(stderr, "no events (demo/logs missing?)\n");
    return 1;
  }
  std::printf("%zu events, repeat %d\n", events.size(), repeat);
  const std::string which = argc > 2 ? argv[2] : "both";
  ReferenceMatcher reference(rules);
  auto t1 = std::chrono::steady_clock::now();
  Matcher fast(rules);
  const RuleIndex& index = *fast.index();
  double index_s = seconds_since(t1);
  t1 = std::chrono::steady_clock::now();
  vigil::Status compiled = index.compile_all();
  std::printf("index: %.3f s, %zu routes, %zu literals; %zu literal databases compiled in %.3f s%s\n",
              index_s, index.route_count(), index.requirements().literals().size(), index.database_count(),
              seconds_since(t1), compiled.ok() ? "" : (" (" + compiled.message() + ")").c_str());
  if (which != "reference") {
    run("Matcher (index)", fast, events, repeat);
    const MatchStats& st = fast.stats();
    double n = static_cast<double>(st.events);
    std::printf("  per event: %.2f scanned, %.1f rules woken, %.1f confirmed, %.1f always-run, %.2f hits\n",
                st.scans / n, st.woken / n, st.confirmed / n, st.always / n, st.hits / n);
  }
  if (which != "index") run("ReferenceMatcher", reference, events, repeat);
  return 0;
}
