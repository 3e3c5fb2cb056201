// load_yaml_documents must build exactly the documents YAML::LoadAll builds: same types, tags,
// styles, scalars, null-ness, key order, duplicate keys and shared (aliased) nodes, and fail
// where LoadAll fails (with libyaml's message, prefixed "YAML: "). Checked on every SigmaHQ file and on small edge cases.
#include "detect/yaml_load.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vigil::sigma {
namespace {

const std::string kSigma = VIGIL_SHARED_DIR "/data/sigma";

// Empty when `a` and `b` are the same tree; otherwise where and how they differ.
std::string differ(const YAML::Node& a, const YAML::Node& b, const std::string& at) {
  if (a.IsDefined() != b.IsDefined()) return at + ": defined differs";
  if (a.Type() != b.Type()) return at + ": type differs";
  if (a.Tag() != b.Tag()) return at + ": tag '" + a.Tag() + "' vs '" + b.Tag() + "'";
  if (a.IsNull() || !a.IsDefined()) return {};
  if (a.Style() != b.Style()) return at + ": style differs";
  if (a.IsScalar()) return a.Scalar() == b.Scalar() ? std::string() : at + ": scalar differs";
  if (a.size() != b.size()) return at + ": size differs";
  auto ia = a.begin();
  auto ib = b.begin();
  for (size_t i = 0; ia != a.end(); ++ia, ++ib, ++i) {
    std::string where = at + "/" + std::to_string(i);
    std::string why = a.IsMap() ? differ(ia->first, ib->first, where + "(key)") : std::string();
    if (why.empty()) why = a.IsMap() ? differ(ia->second, ib->second, where) : differ(*ia, *ib, where);
    if (!why.empty()) return why;
  }
  return {};
}

// Compares our documents with LoadAll's for `text`; returns an empty string when equal.
std::string compare_with_load_all(const std::string& text) {
  std::vector<YAML::Node> expected;
  std::string expected_error;
  try {
    expected = YAML::LoadAll(text);
  } catch (const std::exception& e) {
    expected_error = std::string("YAML: ") + e.what();
  }
  auto got = load_yaml_documents(text);
  if (!expected_error.empty()) {
    // The wording is libyaml's, not yaml-cpp's: a refusal is all that must agree.
    if (got.ok()) return "LoadAll failed (" + expected_error + ") but we loaded";
    return got.status().message().rfind("YAML: ", 0) == 0 ? std::string()
                                                         : "error without the YAML prefix: " + got.status().message();
  }
  if (!got.ok()) return "we failed: " + got.status().message();
  if (got.value().size() != expected.size()) return "document count differs";
  for (size_t i = 0; i < expected.size(); ++i) {
    std::string why = differ(got.value()[i], expected[i], "doc" + std::to_string(i));
    if (!why.empty()) return why;
    if (YAML::Dump(got.value()[i]) != YAML::Dump(expected[i])) return "Dump differs in doc" + std::to_string(i);
  }
  return {};
}

TEST(YamlLoad, EverySigmaHqFileBuildsWhatLoadAllBuilds) {
  if (!std::filesystem::exists(kSigma)) GTEST_SKIP() << "needs ../shared (" << kSigma << ")";
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kSigma)) {
    std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".yml" && ext != ".yaml")) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string why = compare_with_load_all(ss.str());
    EXPECT_TRUE(why.empty()) << entry.path() << ": " << why;
    ++files;
  }
  EXPECT_GT(files, 3000u);
}

TEST(YamlLoad, SmallCasesMatchLoadAll) {
  const char* cases[] = {
      "",
      "---\n",
      "---\n---\n...\n",
      "a: 1\n---\n---\nb: 2\n",
      "a: &x {k: v, l: [1, 2]}\nb: *x\nc: [*x, *x]\n",
      "base: &b {k: 1}\nd:\n  <<: *b\n  j: 2\n",
      "a: 1\na: 2\n",
      "a:\nb: ~\nc: null\nd: 'null'\ne: \"~\"\nf: !!str 3\ng: !custom x\n",
      "? [a, b]\n: c\n? {x: y}\n: [z]\n",
      "action: global\nlogsource: {product: windows}\n---\ntitle: t\ndetection: {sel: {a: 1}}\n",
      "seq:\n  - - nested\n    - &n deeper\n  - *n\n  - {a: *n}\n",
      "text: |\n  line one\n  line two\nfolded: >\n  a\n  b\n",
      "a: [1, 2\n",
      "a: b: c\n",
      "a: *missing\n",
  };
  for (const char* text : cases) {
    std::string why = compare_with_load_all(text);
    EXPECT_TRUE(why.empty()) << "case:\n" << text << "\n" << why;
  }
}

TEST(YamlLoad, AliasesShareOneNode) {
  auto docs = load_yaml_documents("a: &x {k: v}\nb: *x\n");
  ASSERT_TRUE(docs.ok());
  YAML::Node doc = docs.value()[0];
  EXPECT_TRUE(doc["a"].is(doc["b"]));
  doc["a"]["k"] = "changed";
  EXPECT_EQ(doc["b"]["k"].Scalar(), "changed");
}

TEST(YamlLoad, DuplicateKeysAreKeptAndTheFirstWins) {
  auto docs = load_yaml_documents("a: 1\na: 2\n");
  ASSERT_TRUE(docs.ok());
  EXPECT_EQ(docs.value()[0].size(), 2u);
  EXPECT_EQ(docs.value()[0]["a"].Scalar(), "1");
}

// yaml-cpp 0.7 reads a sequence followed by a map at the same level as two documents; it is no
// YAML at all, and libyaml says so.
TEST(YamlLoad, SequenceThenMapIsRefusedNotSplitInTwo) {
  auto docs = load_yaml_documents("- a\nb: c\n");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), Code::kCorrupt);
  EXPECT_NE(docs.status().message().find("line 2, column 1"), std::string::npos) << docs.status().message();
}

// yaml-cpp 0.7's LoadAll loops forever on these (a document that starts with a lone ','), so
// they cannot be compared with it: they must be refused, not loop.
TEST(YamlLoad, LoneCommaIsRefusedInsteadOfLooping) {
  for (const char* text : {",\n", "title: x\n---\n,\n", "- a\n--- ,\n"}) {
    auto docs = load_yaml_documents(text);
    ASSERT_FALSE(docs.ok()) << text;
    EXPECT_EQ(docs.status().code(), Code::kCorrupt) << text;
    EXPECT_EQ(docs.status().message().rfind("YAML: ", 0), 0u) << docs.status().message();
  }
}

TEST(YamlLoad, SyntaxErrorIsCorruptWithWhereItIs) {
  auto docs = load_yaml_documents("a: [1, 2\n");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), Code::kCorrupt);
  EXPECT_EQ(docs.status().message().rfind("YAML: ", 0), 0u);
  EXPECT_NE(docs.status().message().find("line 2, column 1"), std::string::npos) << docs.status().message();
  auto alias = load_yaml_documents("a: 1\nb: *missing\n");
  ASSERT_FALSE(alias.ok());
  EXPECT_NE(alias.status().message().find("'missing'"), std::string::npos) << alias.status().message();
}

}  // namespace
}  // namespace vigil::sigma
