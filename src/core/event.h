// Event: one log record as a tree of typed values (null, bool, int, uint, double, string, array,
// object), built once by a reader and read by every matcher. Strings are views into the reader's
// input buffer or this Event's arena; they live until clear(). Not thread-safe: one Event per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/arena.h"

namespace vigil {

enum class Kind : uint8_t { kNull, kBool, kInt, kUInt, kDouble, kString, kArray, kObject };

// Nodes are stored in document (pre-order) order: a container's first child, if any, is the next
// node; `next` links siblings. Index 0 is the root (always an object once building started).
struct Node {
  std::string_view key;  // member name in the parent object; empty for array elements and root
  union {
    bool b;
    int64_t i;
    uint64_t u;
    double d;
  } num{};
  std::string_view str;    // kString payload
  uint32_t next = 0;       // next sibling, 0 = none
  uint32_t count = 0;      // number of children (kArray / kObject)
  Kind kind = Kind::kNull;
};

class Event;

// A borrowed, cheap-to-copy handle on one node; invalid (`!valid()`) when a lookup failed.
class Value {
 public:
  Value() = default;
  Value(const Event* ev, uint32_t idx) : ev_(ev), idx_(idx) {}

  bool valid() const { return ev_ != nullptr; }
  explicit operator bool() const { return valid(); }
  Kind kind() const;
  uint32_t index() const { return idx_; }
  const Node& node() const;
  std::string_view key() const { return node().key; }

  bool is_null() const { return kind() == Kind::kNull; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_number() const {
    Kind k = kind();
    return k == Kind::kInt || k == Kind::kUInt || k == Kind::kDouble;
  }
  bool is_container() const { return kind() == Kind::kArray || kind() == Kind::kObject; }
  std::string_view str() const { return node().str; }
  uint32_t size() const { return node().count; }

  // Member of an object by exact key; invalid Value if absent or not an object.
  Value get(std::string_view key) const;
  // Member by key compared ASCII case-insensitively.
  Value get_icase(std::string_view key) const;
  // Walks children: first child then `next()`.
  Value first_child() const;
  Value next() const;

  // The value as text, the way Sigma compares it: strings as they are, numbers in decimal,
  // booleans as "true"/"false", null as "". Uses `scratch` only when it must format.
  std::string_view text(std::string& scratch) const;
  // Numeric reading: ints, doubles, and strings that hold a decimal number.
  bool as_int(int64_t* out) const;
  bool as_double(double* out) const;

 private:
  const Event* ev_ = nullptr;
  uint32_t idx_ = 0;
};

class Event {
 public:
  Event() { clear(); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  Event(Event&&) = default;
  Event& operator=(Event&&) = default;

  // Forgets all nodes and arena strings; capacity is kept so a reused Event does not allocate.
  void clear();

  // --- building (pre-order). The root object is open after clear(). ---
  void begin_object(std::string_view key);
  void begin_array(std::string_view key);
  void end_container();  // closes the innermost open object or array
  void add_null(std::string_view key);
  void add_bool(std::string_view key, bool v);
  void add_int(std::string_view key, int64_t v);
  void add_uint(std::string_view key, uint64_t v);
  void add_double(std::string_view key, double v);
  // `v` must outlive the event (input buffer or arena); use copy() otherwise.
  void add_string(std::string_view key, std::string_view v);
  // Copies bytes into the event's arena; the view lives until clear().
  std::string_view copy(std::string_view s) { return arena_.copy(s); }
  char* allocate(size_t n) { return arena_.allocate(n); }
  // Replaces a cleared event's tree by `count` nodes in pre-order (nodes[0] the root, links as
  // indices into the array; `last_top` the root's last child) and returns them so the caller
  // fills in payloads: for readers that build many events of one shape (EVTX render plans).
  Node* assign_nodes(const Node* nodes, size_t count, uint32_t last_top) {
    nodes_.assign(nodes, nodes + count);
    last_child_.back() = last_top;
    return nodes_.data();
  }
  // Depth of open containers (root = 1).
  size_t depth() const { return open_.size(); }

  // --- reading ---
  Value root() const { return Value(this, 0); }
  const Node& node(uint32_t i) const { return nodes_[i]; }
  size_t node_count() const { return nodes_.size(); }

  // Resolves a Sigma field name against the event's layout (see core/fields.h).
  Value field(std::string_view name) const;

 private:
  uint32_t push(std::string_view key, Kind kind);

  std::vector<Node> nodes_;
  std::vector<uint32_t> open_;        // indices of open containers
  std::vector<uint32_t> last_child_;  // per open container: last child index, 0 = none
  Arena arena_;
  friend class FieldResolver;
  mutable int layout_ = -1;  // cached by FieldResolver; -1 = not yet detected
  mutable uint32_t sections_[4] = {0, 0, 0, 0};
  mutable uint32_t section_count_ = 0;
  mutable uint32_t system_ = 0;  // evtx_dump Event.System when an object (cached too), 0 = none
};

inline const Node& Value::node() const { return ev_->node(idx_); }
inline Kind Value::kind() const { return ev_ ? node().kind : Kind::kNull; }

// Writes the event as compact JSON (keys in stored order). For dump, reports and tests.
void write_json(const Event& ev, std::string& out);
void write_json(Value v, std::string& out);
// Appends `s` JSON-escaped (without quotes).
void json_escape(std::string_view s, std::string& out);

}  // namespace vigil
