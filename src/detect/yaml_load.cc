// One-pass YAML loading.
//
// yaml-cpp 0.7 (Debian 12) loops forever in YAML::LoadAll, growing memory, when a document
// starts with a token no node can begin with (a lone ','): each pass reads an empty document
// without consuming the token. Guarding LoadAll meant parsing every file twice: once with an
// event handler that only watched where documents start, then again inside LoadAll. Parsing is
// most of the cost of loading a rule set, so here a single handler does both jobs: it builds
// the nodes from the parser's events, as LoadAll's internal builder does, and stops at the first
// document that starts where the previous one did.
//
// The builder uses yaml-cpp's public Node API only. A Node made on its own owns a private node
// memory; inserting it into a collection merges that memory into the collection's. To keep each
// node's memory merged once (not once per nesting level), a collection is inserted into its
// parent as soon as it starts, so its later children merge straight into the document's memory.
// A Node handle is never assigned to once bound (yaml-cpp's operator= writes through to the
// node it refers to); handles are rebound with reset() or held in std::optional instead.
// Map pairs are inserted with force_insert, which keeps duplicate keys as LoadAll does; aliases
// insert the anchored Node itself, so shared subtrees stay shared. The trade-off: the builder
// must mirror LoadAll's choices (tags, styles, null-ness) by hand; yaml_load_test checks it
// against LoadAll on every SigmaHQ file.
#include "detect/yaml_load.h"

#include <yaml-cpp/eventhandler.h>

#include <optional>
#include <sstream>
#include <string>

namespace vigil::sigma {
namespace {

class DocumentBuilder : public YAML::EventHandler {
 public:
  struct Stuck {};

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (started_ && mark.pos == last_start_) throw Stuck{};
    started_ = true;
    last_start_ = mark.pos;
    anchors_.clear();
    stack_.clear();
    root_.reset();
  }

  void OnDocumentEnd() override { docs_.push_back(root_ ? *root_ : YAML::Node()); }

  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override {
    YAML::Node n(YAML::NodeType::Null);
    remember(anchor, n);
    add(n);
  }

  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    // The parser refuses an unknown anchor before this is called.
    add(anchors_[anchor - 1]);
  }

  void OnScalar(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    YAML::Node n(value);
    n.SetTag(tag);
    remember(anchor, n);
    add(n);
  }

  void OnSequenceStart(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    open(YAML::NodeType::Sequence, tag, anchor, style);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    open(YAML::NodeType::Map, tag, anchor, style);
  }
  void OnMapEnd() override { close(); }

  std::vector<YAML::Node>& documents() { return docs_; }

 private:
  // An open collection; for a map, the key waiting for its value.
  struct Open {
    YAML::Node node;
    std::optional<YAML::Node> key;
    bool is_key = false;  // inserted into its parent when it ends
  };

  // Anchors are numbered 1, 2, ... in order of appearance within a document.
  void remember(YAML::anchor_t anchor, const YAML::Node& n) {
    if (anchor == YAML::NullAnchor) return;
    if (anchors_.size() < anchor) anchors_.resize(anchor);
    anchors_[anchor - 1].reset(n);
  }

  void open(YAML::NodeType::value type, const std::string& tag, YAML::anchor_t anchor,
            YAML::EmitterStyle::value style) {
    YAML::Node n(type);
    n.SetTag(tag);
    n.SetStyle(style);
    remember(anchor, n);
    // A collection used as a map key cannot be inserted before its value exists; it stays
    // apart (with its own memory) until then.
    bool is_key = !stack_.empty() && stack_.back().node.IsMap() && !stack_.back().key;
    if (!is_key) add(n);
    stack_.push_back({n, std::nullopt, is_key});
  }

  void close() {
    Open done = std::move(stack_.back());
    stack_.pop_back();
    if (done.is_key) add(done.node);
  }

  // Places a finished (or, for collections, just started) node into its parent.
  void add(const YAML::Node& n) {
    if (stack_.empty()) {
      root_.emplace(n);
      return;
    }
    Open& parent = stack_.back();
    if (parent.node.IsSequence()) {
      parent.node.push_back(n);
    } else if (!parent.key) {
      parent.key.emplace(n);
    } else {
      parent.node.force_insert(*parent.key, n);
      parent.key.reset();
    }
  }

  bool started_ = false;
  int last_start_ = 0;
  std::vector<YAML::Node> anchors_;
  std::vector<Open> stack_;
  std::optional<YAML::Node> root_;
  std::vector<YAML::Node> docs_;
};

}  // namespace

Result<std::vector<YAML::Node>> load_yaml_documents(std::string_view text) {
  std::istringstream in{std::string(text)};
  DocumentBuilder builder;
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const DocumentBuilder::Stuck&) {
    return Status(Code::kUnsupported,
                  "YAML: a document starts with a token that begins no node (e.g. a lone ','); "
                  "the YAML parser cannot get past it");
  } catch (const std::exception& e) {
    return Status(Code::kCorrupt, std::string("YAML: ") + e.what());
  }
  return std::move(builder.documents());
}

}  // namespace vigil::sigma
