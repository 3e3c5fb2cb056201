// Loads the SigmaHQ rule folders from ../shared with the shipped config and checks that every
// rule loads (docs/sigma.md: a refusal must be a real spec violation or a regex RE2 cannot run).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "detect/matcher.h"
#include "detect/ruleset.h"

namespace vigil::sigma {
namespace {

const std::string kSigma = VIGIL_SHARED_DIR "/data/sigma";

LoadOptions options() {
  LoadOptions opt;
  opt.logsources_file = VIGIL_SOURCE_DIR "/config/logsources.yml";
  opt.placeholders_file = VIGIL_SOURCE_DIR "/config/placeholders.yml";  // as shipped
  return opt;
}

struct Folder {
  const char* name;
  size_t min_loaded;
  size_t max_refused;
};

void print(const LoadReport& r) {
  std::map<std::string, int> by;
  for (const auto& p : r.refused) {
    by[p.category]++;
    std::printf("  refused %s [%s] %s\n", p.path.c_str(), p.category.c_str(), p.reason.c_str());
  }
  for (const auto& p : r.unmapped) std::printf("  unmapped %s: %s\n", p.path.c_str(), p.reason.c_str());
  std::printf("  loaded %zu, refused %zu, unmapped %zu\n", r.loaded, r.refused.size(), r.unmapped.size());
}

class SigmaHQ : public ::testing::TestWithParam<Folder> {};

TEST_P(SigmaHQ, LoadsWithJustifiedRefusals) {
  const Folder f = GetParam();
  const std::string dir = kSigma + "/" + f.name;
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "needs ../shared (" << dir << ")";
  LoadReport report;
  RuleSet set = RuleSet::load({dir}, options(), &report);
  std::printf("%s:\n", f.name);
  print(report);
  EXPECT_GE(report.loaded, f.min_loaded);
  EXPECT_LE(report.refused.size(), f.max_refused);
  EXPECT_TRUE(report.unmapped.empty());
  for (const auto& p : report.refused) ADD_FAILURE() << p.path << ": " << p.reason;
}

INSTANTIATE_TEST_SUITE_P(Folders, SigmaHQ,
                         ::testing::Values(Folder{"rules", 3141, 0}, Folder{"rules-emerging-threats", 473, 0},
                                           Folder{"rules-threat-hunting", 140, 0},
                                           Folder{"rules-compliance", 3, 0}, Folder{"rules-dfir", 0, 0},
                                           Folder{"rules-placeholder", 23, 0}),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

// With site values for every placeholder, the placeholder rules (and the two emerging-threat
// rules that use %known_cdcs%) load too; without any, they are refused with the reason.
TEST(SigmaHQPlaceholders, LoadWhenDefined) {
  const std::string dir = kSigma + "/rules-placeholder";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "needs ../shared (" << dir << ")";
  LoadOptions opt = options();
  opt.placeholders_file = VIGIL_SOURCE_DIR "/src/detect/testdata/sigmahq_placeholders.yml";
  LoadReport report;
  RuleSet set = RuleSet::load({dir, kSigma + "/rules-emerging-threats"}, opt, &report);
  print(report);
  EXPECT_TRUE(report.refused.empty());
  EXPECT_EQ(report.loaded, 23u + 473u);

  LoadOptions none = options();
  none.placeholders_file = VIGIL_SOURCE_DIR "/src/detect/testdata/no_placeholders.yml";
  LoadReport refused;
  RuleSet empty = RuleSet::load({dir}, none, &refused);
  EXPECT_EQ(refused.refused.size(), 23u);
  for (const auto& p : refused.refused) EXPECT_EQ(p.category, "placeholder") << p.path;
}

}  // namespace
}  // namespace vigil::sigma
