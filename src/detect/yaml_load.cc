// One-pass YAML loading: libyaml's parser, yaml-cpp's nodes.
//
// Rules are parsed once per load, and parsing was most of what loading the SigmaHQ set cost:
// yaml-cpp's scanner tries a chain of small regular expressions at every character (5.4 G of the
// 8.2 G instructions `vigil hunt` spent loading ~3,000 rules). libyaml, the C reference parser,
// scans the same text about ten times cheaper. The rest of the engine reads rules as YAML::Node
// trees, so the parser's events are turned into the nodes YAML::LoadAll would have built, and
// yaml_load_test checks that claim against LoadAll on every SigmaHQ file.
//
// What the builder mirrors from yaml-cpp 0.7: a plain scalar with no tag is null when it reads
// "", "~", "null", "Null" or "NULL"; a node without an explicit tag gets the non-specific tag "!"
// when it is a quoted or block scalar and "?" otherwise; flow collections get the flow style;
// map pairs are inserted with force_insert, so duplicate keys stay (the first one wins on
// lookup); an alias inserts the anchored Node itself, so shared subtrees stay shared.
//
// The builder uses yaml-cpp's public Node API only. A Node made on its own owns a private node
// memory; inserting it into a collection merges that memory into the collection's. To keep each
// node's memory merged once (not once per nesting level), a collection is inserted into its
// parent as soon as it starts, so its later children merge straight into the document's memory.
// A Node handle is never assigned to once bound (yaml-cpp's operator= writes through to the
// node it refers to); handles are rebound with reset() or held in std::optional instead.
//
// Errors carry libyaml's wording and position ("YAML: <problem> at line L, column C"), which is
// not yaml-cpp's. yaml-cpp 0.7 also looped forever on a document starting with a lone ','; libyaml
// refuses it as a syntax error.
#include "detect/yaml_load.h"

#include <yaml.h>

#include <map>
#include <optional>
#include <string>

namespace vigil::sigma {
namespace {

class DocumentBuilder {
 public:
  void document_start() {
    anchors_.clear();
    stack_.clear();
    root_.reset();
  }
  void document_end() { docs_.push_back(root_ ? *root_ : YAML::Node()); }

  // False when the anchor is unknown (libyaml leaves that to the loader).
  bool alias(const char* anchor) {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) return false;
    add(it->second);
    return true;
  }

  void scalar(const yaml_event_t& e) {
    const auto& s = e.data.scalar;
    std::string_view value(reinterpret_cast<const char*>(s.value), s.length);
    bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
    if (!s.tag && plain &&
        (value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL")) {
      YAML::Node n(YAML::NodeType::Null);
      remember(s.anchor, n);
      add(n);
      return;
    }
    YAML::Node n(std::string{value});
    n.SetTag(s.tag ? std::string(reinterpret_cast<const char*>(s.tag)) : plain ? "?" : "!");
    remember(s.anchor, n);
    add(n);
  }

  void open(YAML::NodeType::value type, const yaml_char_t* tag, const yaml_char_t* anchor, bool flow) {
    YAML::Node n(type);
    n.SetTag(tag ? std::string(reinterpret_cast<const char*>(tag)) : "?");
    n.SetStyle(flow ? YAML::EmitterStyle::Flow : YAML::EmitterStyle::Block);
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

  std::vector<YAML::Node>& documents() { return docs_; }

 private:
  // An open collection; for a map, the key waiting for its value.
  struct Open {
    YAML::Node node;
    std::optional<YAML::Node> key;
    bool is_key = false;  // inserted into its parent when it ends
  };

  void remember(const yaml_char_t* anchor, const YAML::Node& n) {
    if (!anchor) return;
    auto [it, fresh] = anchors_.try_emplace(reinterpret_cast<const char*>(anchor), n);
    if (!fresh) it->second.reset(n);  // a redefined anchor: later aliases see the new node
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

  std::map<std::string, YAML::Node, std::less<>> anchors_;
  std::vector<Open> stack_;
  std::optional<YAML::Node> root_;
  std::vector<YAML::Node> docs_;
};

std::string parser_error(const yaml_parser_t& p) {
  std::string msg = "YAML: ";
  if (p.context) {
    msg += p.context;
    msg += " (line " + std::to_string(p.context_mark.line + 1) + ", column " +
           std::to_string(p.context_mark.column + 1) + "): ";
  }
  msg += p.problem ? p.problem : "unreadable YAML";
  msg += " at line " + std::to_string(p.problem_mark.line + 1) + ", column " +
         std::to_string(p.problem_mark.column + 1);
  return msg;
}

}  // namespace

Result<std::vector<YAML::Node>> load_yaml_documents(std::string_view text) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return Status(Code::kLimit, "YAML: out of memory");
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  DocumentBuilder builder;
  Status failed;
  for (bool done = false; !done;) {
    yaml_event_t e;
    if (!yaml_parser_parse(&parser, &e)) {
      failed = Status(Code::kCorrupt, parser_error(parser));
      break;
    }
    switch (e.type) {
      case YAML_DOCUMENT_START_EVENT:
        builder.document_start();
        break;
      case YAML_DOCUMENT_END_EVENT:
        builder.document_end();
        break;
      case YAML_SCALAR_EVENT:
        builder.scalar(e);
        break;
      case YAML_ALIAS_EVENT:
        if (!builder.alias(reinterpret_cast<const char*>(e.data.alias.anchor))) {
          failed = Status(Code::kCorrupt,
                          "YAML: unknown anchor '" + std::string(reinterpret_cast<const char*>(e.data.alias.anchor)) +
                              "' at line " + std::to_string(e.start_mark.line + 1) + ", column " +
                              std::to_string(e.start_mark.column + 1));
          done = true;
        }
        break;
      case YAML_SEQUENCE_START_EVENT:
        builder.open(YAML::NodeType::Sequence, e.data.sequence_start.tag, e.data.sequence_start.anchor,
                     e.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE);
        break;
      case YAML_MAPPING_START_EVENT:
        builder.open(YAML::NodeType::Map, e.data.mapping_start.tag, e.data.mapping_start.anchor,
                     e.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE);
        break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        builder.close();
        break;
      case YAML_STREAM_END_EVENT:
        done = true;
        break;
      default:
        break;
    }
    yaml_event_delete(&e);
  }
  yaml_parser_delete(&parser);
  if (!failed.ok()) return failed;
  return std::move(builder.documents());
}

}  // namespace vigil::sigma
