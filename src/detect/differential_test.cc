// Differential test on real logs: every record of every .evtx file in ../shared/data/evtx and
// ../shared/data/sigma-regression, decoded by Vigil's EVTX reader, goes through the optimised
// Matcher (routes, literal prefilter, skipping) and the plain ReferenceMatcher (no index, no
// prefilter) with all SigmaHQ rules loaded; both must report the same rules for every record.
// The same over the Mordor captures (../shared/data/mordor): real logs as NXLog/Winlogbeat JSON,
// whose events carry long strings no field reads (Message: the event rendered as text), which
// the matcher scans for keyword literals only (LanePolicy::unread_min).
// The demo logs and the regression JSON get the same treatment in demo_test and
// regression_test.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "detect/matcher.h"
#include "detect/ruleset.h"
#include "read/discover.h"
#include "read/evtx/evtx_file.h"
#include "read/read_path.h"

namespace vigil::sigma {
namespace {

namespace fs = std::filesystem;
const std::string kShared = VIGIL_SHARED_DIR "/data";

class Compare : public EventSink {
 public:
  Compare(const RuleSet& rules, Matcher& fast, Matcher& lanes, ReferenceMatcher& reference)
      : rules_(rules), fast_(fast), lanes_(lanes), reference_(reference) {}

  bool on_event(const Event& ev, const RecordRef& ref) override {
    if (seen_++ % stride != 0) return true;
    ++events;
    fast_.match(ev, &fast_hits_);
    lanes_.match(ev, &lane_hits_);
    reference_.match(ev, &ref_hits_);
    hits += ref_hits_.size();
    if (lane_hits_ != ref_hits_) ++lanes_differ;
    if (lane_hits_ != ref_hits_ && fast_hits_ == ref_hits_ && lanes_differ <= 10) {
      ADD_FAILURE() << file << " record " << ref.index << ": the matcher with every scan split into lanes differs";
    }
    if (fast_hits_ != ref_hits_) {
      ++differ;
      if (differ <= 10) {
        std::string what;
        for (uint32_t r : fast_hits_) {
          if (!std::binary_search(ref_hits_.begin(), ref_hits_.end(), r)) what += " +" + rules_.rules()[r].title;
        }
        for (uint32_t r : ref_hits_) {
          if (!std::binary_search(fast_hits_.begin(), fast_hits_.end(), r)) what += " -" + rules_.rules()[r].title;
        }
        ADD_FAILURE() << file << " record " << ref.index << ": matchers differ:" << what;
      }
    }
    return true;
  }
  void on_issue(const ReadIssue&) override {}

  std::string file;
  size_t stride = 1;  // every stride-th event is compared
  size_t events = 0, hits = 0, differ = 0, lanes_differ = 0;

 private:
  size_t seen_ = 0;
  const RuleSet& rules_;
  Matcher& fast_;
  Matcher& lanes_;
  ReferenceMatcher& reference_;
  std::vector<uint32_t> fast_hits_, lane_hits_, ref_hits_;
};

// Every SigmaHQ rule folder of ../shared (those there) and demo/rules.
RuleSet load_all_rules() {
  std::vector<std::string> rule_dirs;
  for (const char* d : {"rules", "rules-emerging-threats", "rules-threat-hunting", "rules-compliance",
                        "rules-placeholder", "rules-dfir"}) {
    if (fs::exists(kShared + "/sigma/" + d)) rule_dirs.push_back(kShared + "/sigma/" + d);
  }
  rule_dirs.push_back(VIGIL_SOURCE_DIR "/demo/rules");
  LoadOptions opt;
  opt.logsources_file = VIGIL_SOURCE_DIR "/config/logsources.yml";
  opt.placeholders_file = VIGIL_SOURCE_DIR "/src/detect/testdata/sigmahq_placeholders.yml";
  LoadReport report;
  return RuleSet::load(rule_dirs, opt, &report);
}

// Loads every rule, hands `feed` a Compare of the Matcher, the Matcher with every route's scan
// split into as many lanes as it can (rule_index.h) and the ReferenceMatcher, and expects them
// to agree on every event compared.
void expect_agreement(const char* what, size_t stride, size_t min_events, size_t min_hits,
                      const std::function<void(Compare&)>& feed) {
  RuleSet rules = load_all_rules();
  ASSERT_GT(rules.rules().size(), 3000u);
  Matcher fast(rules);
  Matcher lanes(rules, std::make_shared<RuleIndex>(rules, LanePolicy::always()));
  ReferenceMatcher reference(rules);
  Compare compare(rules, fast, lanes, reference);
  compare.stride = stride;
  feed(compare);
  std::printf("differential: %s: %zu events, %zu rule hits, %zu events differ (%zu with lanes)\n", what,
              compare.events, compare.hits, compare.differ, compare.lanes_differ);
  EXPECT_GT(compare.events, min_events);
  EXPECT_GT(compare.hits, min_hits);
  EXPECT_EQ(compare.differ, 0u);
  EXPECT_EQ(compare.lanes_differ, 0u);
}

TEST(Differential, EvtxCorporaIndexedAgreesWithReference) {
  std::vector<std::string> files;
  for (const char* dir : {"evtx", "sigma-regression"}) {
    if (!fs::exists(kShared + "/" + dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(kShared + "/" + dir)) {
      if (e.is_regular_file() && e.path().extension() == ".evtx") files.push_back(e.path().string());
    }
  }
  if (files.empty() || !fs::exists(kShared + "/sigma/rules")) {
    GTEST_SKIP() << "needs ../shared (data/evtx, data/sigma-regression, data/sigma)";
  }
  std::sort(files.begin(), files.end());
  const std::string what = std::to_string(files.size()) + " EVTX files";
  expect_agreement(what.c_str(), 1, 10000, 1000, [&](Compare& compare) {
    for (const std::string& path : files) {
      auto file = evtx::EvtxFile::open(path);
      if (!file.ok()) continue;  // damaged samples are the reader's tests' business
      compare.file = path;
      (void)file->read_all(compare);
    }
  });
}

TEST(Differential, MordorJsonIndexedAgreesWithReference) {
  std::vector<std::string> files;
  if (fs::exists(kShared + "/mordor")) {
    for (const FoundFile& f : discover({kShared + "/mordor"}).files) {
      if (f.format == Format::kJson) files.push_back(f.path);
    }
  }
  if (files.empty() || !fs::exists(kShared + "/sigma/rules")) {
    GTEST_SKIP() << "needs ../shared (data/mordor, data/sigma)";
  }
  // The reference matcher takes ~300 us an event: one event in 8 (57,000 events, ~20 s) keeps
  // the test in the suite's budget, and the sanitizer build's.
  const std::string what = std::to_string(files.size()) + " Mordor JSON files, 1 event in 8";
  expect_agreement(what.c_str(), 8, 50000, 500, [&](Compare& compare) {
    for (const std::string& path : files) {
      compare.file = path;
      (void)read_path(path, compare, {});
    }
  });
}

}  // namespace
}  // namespace vigil::sigma
