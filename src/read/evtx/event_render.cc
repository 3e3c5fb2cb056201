// RecordTree -> Event, in the evtx_dump JSON layout.
//
// evtx_dump's rules, which this file reproduces so that Vigil's EVTX events look exactly like the
// JSON exports analysts already have (and like the Sigma regression data):
//   - an element with no content and no non-empty attribute is null;
//   - an element with only text is that text, or a number/boolean when the text is one integer
//     or boolean substitution value (so EventID is 4688, Keywords stays "0x80...");
//   - otherwise an object: "#attributes" (non-empty attributes only), "#text" (if any text),
//     then the child elements by name, a repeated name getting _1, _2... suffixes;
//   - inside EventData and UserData, <Data Name="X">v</Data> becomes "X": v (an empty Data is "");
//     Data elements without names become one "Data": {"#text": v or [v1, v2...]}.
// Data of the same name are linked to each other before rendering (pairwise for the usual dozen,
// by sorting past that), so a hostile EventData of 100 000 Data costs n log n, not n squared.
// Vigil departs from evtx_dump in two places, both documented in docs/evtx.md: a Data name that
// occurs more than once becomes an array (evtx_dump writes the key twice, which JSON readers
// collapse to the last value), and entity/character references are resolved ("&amp;" -> "&")
// rather than copied through.
//
// The common case costs one pass over the tree: single-part strings are converted straight into
// the Event's arena (ASCII fast path), literal text is a view into the chunk arena, and multi-part
// text goes through one reused scratch string.
#include "read/evtx/event_render.h"

#include <algorithm>
#include <cstdint>

#include "read/evtx/format.h"
#include "read/evtx/render_plan.h"
#include "read/evtx/utf16.h"
#include "read/evtx/value_text.h"

namespace vigil::evtx {
namespace {

bool is_data_container(std::string_view name) { return name == "EventData" || name == "UserData"; }

void append_code_point(uint32_t cp, std::string& out) {
  uint8_t buf[2] = {static_cast<uint8_t>(cp & 0xff), static_cast<uint8_t>(cp >> 8)};
  utf16_append(buf, 1, out);
}

void append_entity(std::string_view name, std::string& out) {
  if (name == "lt") {
    out += '<';
  } else if (name == "gt") {
    out += '>';
  } else if (name == "amp") {
    out += '&';
  } else if (name == "quot") {
    out += '"';
  } else if (name == "apos") {
    out += '\'';
  } else {
    out += '&';
    out += name;
    out += ';';
  }
}

// Whether a part contributes text (an empty string value or literal contributes nothing).
bool part_has_text(const Part& p) {
  switch (p.kind) {
    case PartKind::kText:
    case PartKind::kCData:
      return p.len > 0;
    case PartKind::kValue:
      return p.len > 0;  // strings were trimmed when the tree was built
    case PartKind::kCharRef:
    case PartKind::kEntity:
      return true;
    default:
      return false;
  }
}

uint32_t child_named(const RecordTree& t, uint32_t elem, std::string_view name) {
  for (uint32_t p = t.elem(elem).first_child; p; p = t.part(p).next) {
    if (t.part(p).kind == PartKind::kElement && t.elem(t.part(p).elem).name == name) {
      return t.part(p).elem;
    }
  }
  return 0;
}

}  // namespace

uint32_t event_record_id_part(const RecordTree& tree) {
  if (tree.root == 0) return 0;
  uint32_t system = child_named(tree, tree.root, "System");
  uint32_t id = system ? child_named(tree, system, "EventRecordID") : 0;
  if (id == 0) return 0;
  for (uint32_t p = tree.elem(id).first_child; p; p = tree.part(p).next) {
    PartKind kind = tree.part(p).kind;
    if (kind == PartKind::kText || kind == PartKind::kValue) return p;
  }
  return 0;
}

uint64_t event_record_id(const RecordTree& tree) {
  uint32_t p = event_record_id_part(tree);
  if (p == 0) return 0;
  const Part& part = tree.part(p);
  int64_t s;
  uint64_t u;
  if (part.kind == PartKind::kValue && value_is_integer(part.vtype) &&
      read_integer(part.vtype, part.data, part.len, &s, &u)) {
    return u;
  }
  std::string text;
  EventRenderer::append_text(tree, p, text);
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

void EventRenderer::append_text(const RecordTree& tree, uint32_t first, std::string& out) {
  for (uint32_t i = first; i; i = tree.part(i).next) append_part_text(tree, i, out);
}

void EventRenderer::append_part_text(const RecordTree& tree, uint32_t i, std::string& out) {
  const Part& p = tree.part(i);
  switch (p.kind) {
    case PartKind::kText:
    case PartKind::kCData:
      out.append(p.text, p.len);
      break;
    case PartKind::kValue:
      if (p.vtype == kValString) {
        utf16_append(p.data, p.len / 2, out);
      } else if (p.vtype == kValAnsiString) {
        append_ansi(p.data, p.len, out);
      } else {
        append_value_text(p.vtype, p.data, p.len, false, out);
      }
      break;
    case PartKind::kCharRef:
      append_code_point(p.charref, out);
      break;
    case PartKind::kEntity:
      append_entity(p.str(), out);
      break;
    default:
      break;
  }
}

void EventRenderer::open_object(std::string_view key) {
  ev_->begin_object(key);
  if (rec_) rec_->begin_object(key);
}

void EventRenderer::open_array(std::string_view key) {
  ev_->begin_array(key);
  if (rec_) rec_->begin_array(key);
}

void EventRenderer::close() {
  ev_->end_container();
  if (rec_) rec_->end();
}

void EventRenderer::render(const RecordTree& tree, Event& ev, PlanRecorder* recorder) {
  tree_ = &tree;
  ev_ = &ev;
  rec_ = recorder;
  if (tree.root == 0) return;
  element_value(tree.root, tree.elem(tree.root).name, false);
}

bool EventRenderer::has_text(uint32_t first) const {
  for (uint32_t i = first; i; i = tree_->part(i).next) {
    if (part_has_text(tree_->part(i))) return true;
  }
  return false;
}

void EventRenderer::element_value(uint32_t elem, std::string_view key, bool data_container) {
  const Elem& e = tree_->elem(elem);
  bool text = has_text(e.first_child);
  bool attr_text = false;
  for (uint32_t a = e.first_attr; a && !attr_text; a = tree_->attr(a).next) {
    attr_text = has_text(tree_->attr(a).first);
  }
  if (!e.has_elem_child && !text && !attr_text) {
    ev_->add_null(key);
    if (rec_) rec_->null(key);
  } else if (!e.has_elem_child && !attr_text) {
    content(e.first_child, key);
  } else {
    element_body(elem, key, data_container);
  }
}

// Adds the text parts of a list (elements skipped) under `key`: a number or boolean when they are
// exactly one integer/boolean value, else one string.
void EventRenderer::content(uint32_t first, std::string_view key) {
  const RecordTree& t = *tree_;
  uint32_t only = 0;
  int count = 0;
  for (uint32_t i = first; i && count < 2; i = t.part(i).next) {
    if (part_has_text(t.part(i))) {
      only = i;
      ++count;
    }
  }
  if (count == 1) {
    const Part& p = t.part(only);
    if (p.kind == PartKind::kValue) {
      if (value_is_integer(p.vtype)) {
        int64_t s;
        uint64_t u;
        if (read_integer(p.vtype, p.data, p.len, &s, &u)) {
          if (p.vtype == kValBool) {
            ev_->add_bool(key, u != 0);
          } else if (value_is_signed(p.vtype)) {
            ev_->add_int(key, s);
          } else {
            ev_->add_uint(key, u);
          }
          if (rec_) rec_->number(key, p);
          return;
        }
      } else if (p.vtype == kValString) {
        ev_->add_string(key, utf16_to_arena(*ev_, p.data, p.len / 2));
        if (rec_) rec_->utf16(key, p);
        return;
      }
    } else if (p.kind == PartKind::kText) {
      ev_->add_string(key, p.str());  // lives in the chunk arena
      if (rec_) rec_->literal(key, p.str());
      return;
    }
  }
  scratch_.clear();
  append_text(t, first, scratch_);
  ev_->add_string(key, ev_->copy(scratch_));
  if (rec_) rec_->text(key, t, first);
}

std::string_view EventRenderer::attr_text(uint32_t first) {
  const RecordTree& t = *tree_;
  if (first && t.part(first).next == 0 && t.part(first).kind == PartKind::kText) {
    return t.part(first).str();
  }
  scratch_.clear();
  append_text(t, first, scratch_);
  return ev_->copy(scratch_);
}

// The Name attribute of a <Data> element as text; empty when absent.
namespace {
constexpr uint32_t kNone = UINT32_MAX;
constexpr size_t kPairwiseNames = 32;  // up to this many Data, compare names pairwise
}  // namespace

// Sets data_next_[i] for i in [begin, end) to the next index with the same (non-empty) name, and
// data_first_[i] to whether i is the first of its name.
void EventRenderer::link_same_names(size_t begin, size_t end) {
  data_next_.resize(end);
  data_first_.resize(end);
  for (size_t i = begin; i < end; ++i) {
    data_next_[i] = kNone;
    data_first_[i] = 1;
  }
  if (end - begin <= kPairwiseNames) {
    for (size_t i = begin; i < end; ++i) {
      if (data_names_[i].empty()) continue;
      for (size_t j = i + 1; j < end; ++j) {
        if (data_names_[j] == data_names_[i]) {
          data_next_[i] = static_cast<uint32_t>(j);
          data_first_[j] = 0;
          break;
        }
      }
    }
    return;
  }
  order_.clear();
  for (size_t i = begin; i < end; ++i) order_.push_back(static_cast<uint32_t>(i));
  std::stable_sort(order_.begin(), order_.end(),
                   [&](uint32_t a, uint32_t b) { return data_names_[a] < data_names_[b]; });
  for (size_t k = 0; k + 1 < order_.size(); ++k) {
    if (!data_names_[order_[k]].empty() && data_names_[order_[k]] == data_names_[order_[k + 1]]) {
      data_next_[order_[k]] = order_[k + 1];
      data_first_[order_[k + 1]] = 0;
    }
  }
}

std::string_view EventRenderer::data_name(uint32_t elem) {
  for (uint32_t a = tree_->elem(elem).first_attr; a; a = tree_->attr(a).next) {
    if (tree_->attr(a).name == "Name") {
      if (!has_text(tree_->attr(a).first)) return {};
      if (rec_) {  // a name made of a value would make the keys depend on value bytes
        for (uint32_t p = tree_->attr(a).first; p; p = tree_->part(p).next) {
          if (tree_->part(p).kind == PartKind::kValue) rec_->fail();
        }
      }
      return attr_text(tree_->attr(a).first);
    }
  }
  return {};
}

void EventRenderer::data_value(uint32_t elem, std::string_view key) {
  const Elem& e = tree_->elem(elem);
  if (e.has_elem_child) {
    element_body(elem, key, false);
  } else if (!has_text(e.first_child)) {
    ev_->add_string(key, std::string_view());
    if (rec_) rec_->literal(key, std::string_view());
  } else {
    content(e.first_child, key);
  }
}

void EventRenderer::element_body(uint32_t elem, std::string_view key, bool data_container) {
  const RecordTree& t = *tree_;
  const Elem& e = t.elem(elem);
  open_object(key);

  bool any_attr = false;
  for (uint32_t a = e.first_attr; a; a = t.attr(a).next) {
    if (!has_text(t.attr(a).first)) continue;
    if (!any_attr) open_object("#attributes");
    any_attr = true;
    content(t.attr(a).first, t.attr(a).name);
  }
  if (any_attr) close();
  if (has_text(e.first_child)) content(e.first_child, "#text");

  // EventData/UserData: flatten named Data, or gather unnamed Data under "Data". The names of
  // this element's Data children are collected once (data_names_ is a stack shared by nested calls).
  size_t names_base = data_names_.size();
  bool flatten = false;
  if (data_container) {
    for (uint32_t p = e.first_child; p; p = t.part(p).next) {
      if (t.part(p).kind != PartKind::kElement || t.elem(t.part(p).elem).name != "Data") continue;
      std::string_view dname = data_name(t.part(p).elem);
      data_names_.push_back(dname);
      data_elems_.push_back(t.part(p).elem);
      if (!dname.empty()) flatten = true;
    }
  }
  size_t names_end = data_names_.size();
  if (flatten) link_same_names(names_base, names_end);
  size_t data_index = names_base;
  bool positional_done = false;

  // Sibling name counts for the _N suffixes.
  struct Seen {
    std::string_view name;
    uint32_t count;
  };
  Seen seen[64];
  size_t seen_count = 0;

  for (uint32_t p = e.first_child; p; p = t.part(p).next) {
    if (t.part(p).kind != PartKind::kElement) continue;
    uint32_t child = t.part(p).elem;
    std::string_view name = t.elem(child).name;
    if (data_container && name == "Data") {
      size_t me = data_index++;
      if (flatten) {
        std::string_view dname = data_names_[me];
        if (dname.empty()) continue;
        // The first Data of a name emits all of them (as an array when there are several).
        if (!data_first_[me]) continue;
        if (data_next_[me] == kNone) {
          data_value(child, dname);
          continue;
        }
        open_array(dname);
        for (uint32_t j = static_cast<uint32_t>(me); j != kNone; j = data_next_[j]) {
          data_value(data_elems_[j], std::string_view());
        }
        close();
      } else if (!positional_done) {
        positional_done = true;
        open_object("Data");
        if (names_end - names_base == 1) {
          data_value(child, "#text");
        } else {
          open_array("#text");
          for (uint32_t q = p; q; q = t.part(q).next) {
            if (t.part(q).kind == PartKind::kElement && t.elem(t.part(q).elem).name == "Data") {
              data_value(t.part(q).elem, std::string_view());
            }
          }
          close();
        }
        close();
      }
      continue;
    }

    uint32_t suffix = 0;
    size_t k = 0;
    for (; k < seen_count; ++k) {
      if (seen[k].name == name) {
        suffix = seen[k].count++;
        break;
      }
    }
    if (k == seen_count && seen_count < 64) seen[seen_count++] = {name, 1};
    std::string_view child_key = name;
    if (suffix > 0) {
      scratch_.assign(name);
      scratch_ += '_';
      scratch_ += std::to_string(suffix);
      child_key = ev_->copy(scratch_);
    }
    element_value(child, child_key, is_data_container(name));
  }
  data_names_.resize(names_base);
  data_elems_.resize(names_base);
  close();
}

}  // namespace vigil::evtx
