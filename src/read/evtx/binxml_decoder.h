// BinXmlDecoder: decodes the binary XML of EVTX records into a RecordTree, compiling each
// template of a chunk once (template_compiler.h) and instantiating it per record with the
// record's substitution values, nested BinXML values and array expansion included.
// Holds per-chunk caches and scratch: one decoder per thread; begin_chunk() before a chunk's records.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "read/evtx/chunk_context.h"
#include "read/evtx/format.h"
#include "read/evtx/record_tree.h"
#include "read/evtx/template_compiler.h"
#include "read/evtx/value_text.h"

namespace vigil::evtx {

class BinXmlDecoder {
 public:
  BinXmlDecoder();

  // `chunk` holds `size` bytes (65536 unless the file is truncated) read from `file_offset`.
  void begin_chunk(const uint8_t* chunk, size_t size, uint64_t file_offset);

  // Decodes the BinXML stream [begin, end) of one record of the current chunk into `tree`.
  // On error the tree may be partial; the caller reports the Status and moves on.
  Status decode(const uint8_t* begin, const uint8_t* end, RecordTree& tree);

  // The compiled Ops of the template defined at chunk offset `def_off` of the current chunk
  // (compiled now if not yet), valid until the next compilation; the compile error otherwise.
  Status compiled_template(uint32_t def_off, const Op** begin, const Op** end) {
    const Program* program = nullptr;
    VIGIL_RETURN_IF_ERROR(program_at(def_off, &program));
    *begin = ops_.data() + program->begin;
    *end = ops_.data() + program->end;
    return Status::Ok();
  }

  // Templates compiled in the current chunk (for tests and statistics).
  size_t templates_compiled() const { return programs_.size(); }
  // Names, text and values the last decoded record expanded to (checked against
  // kMaxRecordTextBytes).
  size_t text_bytes() const { return text_bytes_; }

 private:
  struct ValueRef {
    const uint8_t* data;
    uint32_t size;
    uint8_t type;
  };
  struct Program {
    uint32_t begin = 0, end = 0;  // range in ops_
    Status status;                // why compilation failed, when it did
  };
  struct TemplateSlot {
    uint32_t generation = 0;
    uint32_t program = 0;
  };

  Status expand_fragment(const uint8_t* begin, const uint8_t* end, int depth, uint32_t parent);
  Status expand_instance(Cursor& c, int depth, uint32_t parent);
  Status program_at(uint32_t def_off, const Program** program);
  Status instantiate(const std::vector<Op>& ops, uint32_t op_begin, uint32_t op_end,
                     uint32_t values_base, uint32_t values_count, int depth, uint32_t parent);

  // Counts `bytes` of names and text against kMaxRecordTextBytes; false once over.
  bool charge(size_t bytes) {
    text_bytes_ += bytes;
    return text_bytes_ <= kMaxRecordTextBytes;
  }
  uint32_t new_part(PartKind kind);
  void append_child(uint32_t elem, uint32_t part);
  void append_attr_value(uint32_t attr, uint32_t part);
  Status finish_element(uint32_t elem, uint32_t parent);
  Status expand_arrays(uint32_t elem, uint32_t parent, uint32_t slot_part);

  ChunkContext ctx_;
  RecordTree* tree_ = nullptr;
  bool record_has_arrays_ = false;  // an array value was met: elements may need repeating
  std::vector<Op> ops_;      // compiled templates of this chunk, back to back
  std::vector<Op> raw_ops_;  // ops of template-less fragments, stack-like per record
  std::vector<Program> programs_;
  std::vector<TemplateSlot> template_slots_;  // direct-mapped by definition offset
  uint32_t generation_ = 0;
  std::vector<ValueRef> values_;  // substitution values of the instances being expanded
  std::vector<uint32_t> stack_;   // open elements
  std::vector<ValueItem> array_items_;                       // scratch of expand_arrays
  std::vector<std::pair<uint32_t, uint32_t>> array_copies_;  // stack of expand_arrays
  size_t text_bytes_ = 0;         // names and text of the record so far (charge())
};

}  // namespace vigil::evtx
