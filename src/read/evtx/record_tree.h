// RecordTree: one decoded EVTX record as a small XML tree (elements, attributes, text and typed
// values) with templates already instantiated. Values stay raw (type + bytes in the chunk) until
// a renderer formats them. The tree borrows the chunk bytes and the decoder's name/text arenas;
// it is rebuilt per record and reused (no allocation once warm). One tree per thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace vigil::evtx {

enum class PartKind : uint8_t {
  kElement,   // child element (`elem`)
  kText,      // literal UTF-8 text from a template (`text`, `len`)
  kValue,     // substitution value (`vtype`, raw bytes `data`, `len`; strings cut at NUL and
              // trailing whitespace, never empty)
  kCharRef,   // &#N; (`charref`)
  kEntity,    // &name; (`text`, `len` = the name)
  kCData,     // <![CDATA[...]]> (`text`, `len`, UTF-8)
  kPITarget,  // <?target (`text`)
  kPIData,    // ... ?> (`text`)
};

// One item of an element's content or of an attribute's value, linked to the next (0 = none).
struct Part {
  const char* text = nullptr;    // kText/kEntity/kCData/kPI*: UTF-8
  const uint8_t* data = nullptr; // kValue: raw value bytes in the chunk
  uint32_t len = 0;
  uint32_t next = 0;
  uint32_t elem = 0;  // kElement: index into elements
  uint16_t charref = 0;
  PartKind kind = PartKind::kText;
  uint8_t vtype = 0;  // kValue: value type (format.h ValueType, 0x80 = array)

  std::string_view str() const { return {text, len}; }
};

struct Attr {
  std::string_view name;
  uint32_t first = 0, last = 0;  // value parts
  uint32_t next = 0;             // next attribute of the element
};

struct Elem {
  std::string_view name;
  uint32_t first_attr = 0, last_attr = 0;
  uint32_t first_child = 0, last_child = 0;
  bool has_elem_child = false;
};

// Index 0 of each vector is a sentinel so that 0 can mean "none" in the links.
struct RecordTree {
  std::vector<Elem> elems;
  std::vector<Attr> attrs;
  std::vector<Part> parts;
  uint32_t root = 0;  // the document's top element (0 = empty record)

  void clear() {
    elems.resize(1);
    attrs.resize(1);
    parts.resize(1);
    root = 0;
  }
  const Elem& elem(uint32_t i) const { return elems[i]; }
  const Attr& attr(uint32_t i) const { return attrs[i]; }
  const Part& part(uint32_t i) const { return parts[i]; }
};

}  // namespace vigil::evtx
