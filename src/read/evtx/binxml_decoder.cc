// Record decoding: template instantiation.
//
// A record's BinXML is almost always three tokens: a fragment header, a template instance and an
// end-of-stream. The instance names a template definition by its chunk offset (the definition is
// stored inline the first time it is used in a chunk) and carries the substitution values: a table
// of (size, type) descriptors followed by the value bytes. Decoding a record is therefore:
//
//   1. find the compiled template (a direct-mapped slot per chunk offset; compile on first use),
//   2. record where each value's bytes are (no copying, no conversion),
//   3. walk the template's Ops, creating elements, attributes and text parts, and for each
//      substitution Op either splice in a value part, or, for a value of type BinXML (0x21),
//      recurse: that value is itself a fragment, usually another template instance, whose
//      elements become children of the current element.
//
// Values stay raw in the tree; renderers format them (a matcher that never reads a field never
// pays for it being formatted twice). Array values follow MS-EVEN6: the element holding the array
// is repeated once per item, done when the element closes (expand_arrays).
//
// Bounds: every read is through a bounded Cursor; nesting depth, open elements and parts per record
// are capped (format.h), and so is the text a record expands to (names, literal text and values,
// counted as they are placed: one value substituted thousands of times would otherwise render
// hundreds of megabytes from one chunk), so a hostile record costs at most a bounded amount of
// work and memory.
#include "read/evtx/binxml_decoder.h"

#include "read/evtx/format.h"
#include "read/evtx/utf16.h"
#include "read/evtx/value_text.h"

namespace vigil::evtx {
namespace {


constexpr const char* kTextLimitMessage = "record expands to more than 8 MiB of text";

Status at_offset(const ChunkContext& ctx, const uint8_t* p, std::string what) {
  return Corrupt(what + " at chunk offset " + std::to_string(ctx.offset_of(p)));
}

}  // namespace

BinXmlDecoder::BinXmlDecoder() : template_slots_(kChunkSize) {}

void BinXmlDecoder::begin_chunk(const uint8_t* chunk, size_t size, uint64_t file_offset) {
  ctx_.reset(chunk, size, file_offset);
  ops_.clear();
  programs_.clear();
  if (++generation_ == 0) {
    for (auto& slot : template_slots_) slot.generation = 0;
    generation_ = 1;
  }
}

Status BinXmlDecoder::decode(const uint8_t* begin, const uint8_t* end, RecordTree& tree) {
  tree_ = &tree;
  tree.clear();
  record_has_arrays_ = false;
  text_bytes_ = 0;
  values_.clear();
  stack_.clear();
  raw_ops_.clear();
  tree.elems.push_back(Elem{});  // index 1: the document, parent of the top element
  Status st = expand_fragment(begin, end, 0, 1);
  for (uint32_t p = tree.elems[1].first_child; p; p = tree.parts[p].next) {
    if (tree.parts[p].kind == PartKind::kElement) {
      tree.root = tree.parts[p].elem;
      break;
    }
  }
  if (st.ok() && tree.root == 0) st = Corrupt("record holds no element");
  return st;
}

Status BinXmlDecoder::expand_fragment(const uint8_t* begin, const uint8_t* end, int depth,
                                      uint32_t parent) {
  if (depth > kMaxNestingDepth) return LimitError("BinXML values nested too deeply");
  Cursor c(begin, end);
  while (true) {
    uint8_t token;
    if (!c.peek(&token)) return Status::Ok();
    switch (token & ~kTokMoreFlag) {
      case kTokEndOfStream:
        return Status::Ok();
      case kTokFragmentHeader:
        if (!c.skip(4)) return at_offset(ctx_, c.pos(), "truncated fragment header");
        break;
      case kTokTemplateInstance:
        c.skip(1);
        VIGIL_RETURN_IF_ERROR(expand_instance(c, depth, parent));
        break;
      default: {
        // Plain elements without a template: compile them for this record only.
        bool dep = guess_dependency_ids(ctx_, c.pos(), end);
        uint32_t first = static_cast<uint32_t>(raw_ops_.size());
        const uint8_t* stop = c.pos();
        Status st = compile_fragment(ctx_, c.pos(), end, dep, raw_ops_, &stop);
        if (st.ok()) {
          st = instantiate(raw_ops_, first, static_cast<uint32_t>(raw_ops_.size()), 0, 0, depth,
                           parent);
        }
        raw_ops_.resize(first);
        return st;
      }
    }
  }
}

Status BinXmlDecoder::expand_instance(Cursor& c, int depth, uint32_t parent) {
  const uint8_t* at = c.pos();
  uint32_t template_id, def_off;
  if (!c.skip(1) || !c.u32(&template_id) || !c.u32(&def_off)) {
    return at_offset(ctx_, at, "truncated template instance");
  }
  if (def_off == ctx_.offset_of(c.pos())) {  // definition stored inline: skip over it
    if (c.remaining() < kTemplateHeaderSize) return at_offset(ctx_, at, "truncated template");
    uint32_t data_size = load_u32(c.pos() + 20);
    if (!c.skip(kTemplateHeaderSize) || !c.skip(data_size)) {
      return at_offset(ctx_, at, "template definition runs past its record");
    }
  }
  const Program* program = nullptr;
  VIGIL_RETURN_IF_ERROR(program_at(def_off, &program));

  uint32_t count;
  if (!c.u32(&count)) return at_offset(ctx_, c.pos(), "truncated substitution count");
  if (count > c.remaining() / 4) return at_offset(ctx_, c.pos(), "substitution count too large");
  const uint8_t* desc = c.pos();
  c.skip(4ull * count);
  const uint8_t* value = c.pos();
  size_t base = values_.size();
  for (uint32_t i = 0; i < count; ++i) {
    uint16_t size = load_u16(desc + 4 * i);
    uint8_t type = desc[4 * i + 2];
    if (!c.skip(size)) {
      values_.resize(base);
      return at_offset(ctx_, value, "substitution value " + std::to_string(i) +
                                        " runs past its record");
    }
    values_.push_back({value, size, type});
    value += size;
  }
  Status st = instantiate(ops_, program->begin, program->end, static_cast<uint32_t>(base), count,
                          depth, parent);
  values_.resize(base);
  return st;
}

Status BinXmlDecoder::program_at(uint32_t def_off, const Program** program) {
  if (def_off >= ctx_.size()) return Corrupt("template offset " + std::to_string(def_off) +
                                             " outside the chunk");
  TemplateSlot& slot = template_slots_[def_off];
  if (slot.generation != generation_) {
    Program p;
    p.begin = static_cast<uint32_t>(ops_.size());
    const uint8_t* def = ctx_.data() + def_off;
    size_t room = ctx_.size() - def_off;
    if (room < kTemplateHeaderSize) {
      p.status = Corrupt("template header at " + std::to_string(def_off) + " truncated");
    } else {
      uint32_t data_size = load_u32(def + 20);
      if (data_size > room - kTemplateHeaderSize) {
        p.status = Corrupt("template at " + std::to_string(def_off) + " runs past the chunk");
      } else {
        const uint8_t* body = def + kTemplateHeaderSize;
        const uint8_t* stop = body;
        p.status = compile_fragment(ctx_, body, body + data_size, true, ops_, &stop);
      }
    }
    if (!p.status.ok()) {
      ops_.resize(p.begin);
      p.status = p.status.with_context("template at " + std::to_string(def_off));
    }
    p.end = static_cast<uint32_t>(ops_.size());
    slot.generation = generation_;
    slot.program = static_cast<uint32_t>(programs_.size());
    programs_.push_back(std::move(p));
  }
  *program = &programs_[slot.program];
  return (*program)->status;
}

uint32_t BinXmlDecoder::new_part(PartKind kind) {
  uint32_t idx = static_cast<uint32_t>(tree_->parts.size());
  Part p;
  p.kind = kind;
  tree_->parts.push_back(p);
  return idx;
}

void BinXmlDecoder::append_child(uint32_t elem, uint32_t part) {
  Elem& e = tree_->elems[elem];
  if (e.last_child) {
    tree_->parts[e.last_child].next = part;
  } else {
    e.first_child = part;
  }
  e.last_child = part;
}

void BinXmlDecoder::append_attr_value(uint32_t attr, uint32_t part) {
  Attr& a = tree_->attrs[attr];
  if (a.last) {
    tree_->parts[a.last].next = part;
  } else {
    a.first = part;
  }
  a.last = part;
}

Status BinXmlDecoder::instantiate(const std::vector<Op>& ops, uint32_t op_begin, uint32_t op_end,
                                  uint32_t values_base, uint32_t values_count, int depth,
                                  uint32_t parent) {
  RecordTree& t = *tree_;
  size_t stack_base = stack_.size();
  stack_.push_back(parent);
  uint32_t attr = 0;  // attribute whose value is being built, 0 = element content
  Status st;
  for (uint32_t i = op_begin; i < op_end && st.ok(); ++i) {
    if (t.parts.size() >= kMaxRecordParts) {
      st = LimitError("record expands to too many parts");
      break;
    }
    const Op& op = ops[i];
    uint32_t top = stack_.back();
    uint32_t part = 0;
    switch (op.kind) {
      case OpKind::kOpen: {
        if (stack_.size() - stack_base > kMaxElementDepth) {
          st = LimitError("elements nested too deeply");
          break;
        }
        if (!charge(op.text.size() + 1)) {
          st = LimitError(kTextLimitMessage);
          break;
        }
        uint32_t e = static_cast<uint32_t>(t.elems.size());
        Elem elem;
        elem.name = op.text;
        t.elems.push_back(elem);
        part = new_part(PartKind::kElement);
        t.parts[part].elem = e;
        append_child(top, part);
        t.elems[top].has_elem_child = true;
        stack_.push_back(e);
        attr = 0;
        continue;
      }
      case OpKind::kAttr: {
        if (!charge(op.text.size() + 1)) {
          st = LimitError(kTextLimitMessage);
          break;
        }
        uint32_t a = static_cast<uint32_t>(t.attrs.size());
        Attr at;
        at.name = op.text;
        t.attrs.push_back(at);
        Elem& e = t.elems[top];
        if (e.last_attr) {
          t.attrs[e.last_attr].next = a;
        } else {
          e.first_attr = a;
        }
        e.last_attr = a;
        attr = a;
        continue;
      }
      case OpKind::kCloseStart:
        attr = 0;
        continue;
      case OpKind::kCloseEmpty:
      case OpKind::kEnd:
        attr = 0;
        if (stack_.size() - stack_base > 1) {
          uint32_t closed = stack_.back();
          stack_.pop_back();
          st = finish_element(closed, stack_.back());
        }
        continue;
      case OpKind::kText:
      case OpKind::kCData:
      case OpKind::kEntity:
      case OpKind::kPITarget:
      case OpKind::kPIData: {
        static constexpr PartKind kKinds[] = {PartKind::kText, PartKind::kCData,
                                              PartKind::kEntity, PartKind::kPITarget,
                                              PartKind::kPIData};
        PartKind kind = op.kind == OpKind::kText       ? kKinds[0]
                        : op.kind == OpKind::kCData    ? kKinds[1]
                        : op.kind == OpKind::kEntity   ? kKinds[2]
                        : op.kind == OpKind::kPITarget ? kKinds[3]
                                                       : kKinds[4];
        part = new_part(kind);
        t.parts[part].text = op.text.data();
        t.parts[part].len = static_cast<uint32_t>(op.text.size());
        break;
      }
      case OpKind::kCharRef:
        part = new_part(PartKind::kCharRef);
        t.parts[part].charref = op.index;
        break;
      case OpKind::kSubst: {
        if (op.index >= values_count) continue;  // fewer values than the template uses
        ValueRef v = values_[values_base + op.index];
        if (v.type == kValNull || v.size == 0) continue;  // empty: nothing to render
        if (v.type == kValBinXml) {
          if (attr == 0) st = expand_fragment(v.data, v.data + v.size, depth + 1, top);
          continue;
        }
        uint32_t len = value_length(v.type, v.data, v.size);
        if (len == 0) continue;
        part = new_part(PartKind::kValue);
        Part& p = t.parts[part];
        p.data = v.data;
        p.len = len;
        p.vtype = v.type;
        record_has_arrays_ |= (v.type & kValArrayFlag) != 0;
        break;
      }
    }
    if (part == 0) continue;
    if (!charge(t.parts[part].len)) {
      st = LimitError(kTextLimitMessage);
      break;
    }
    if (attr) {
      append_attr_value(attr, part);
    } else {
      append_child(top, part);
    }
  }
  // Elements left open by a truncated template are closed (finished) as they stand.
  while (st.ok() && stack_.size() - stack_base > 1) {
    uint32_t closed = stack_.back();
    stack_.pop_back();
    st = finish_element(closed, stack_.back());
  }
  stack_.resize(stack_base);
  return st;
}

Status BinXmlDecoder::finish_element(uint32_t elem, uint32_t parent) {
  if (!record_has_arrays_) return Status::Ok();  // the common case: nothing to expand
  return expand_arrays(elem, parent, tree_->elems[parent].last_child);
}

// Repeats `elem` once per item of its first array value (MS-EVEN6 array semantics). `slot_part`
// is the parent's part that refers to `elem`; the copies are linked in its place.
Status BinXmlDecoder::expand_arrays(uint32_t elem, uint32_t parent, uint32_t slot_part) {
  RecordTree& t = *tree_;
  auto is_array = [&](uint32_t p) {
    return t.parts[p].kind == PartKind::kValue && (t.parts[p].vtype & kValArrayFlag);
  };
  uint32_t array_part = 0;
  for (uint32_t p = t.elems[elem].first_child; p && !array_part; p = t.parts[p].next) {
    if (is_array(p)) array_part = p;
  }
  for (uint32_t a = t.elems[elem].first_attr; a && !array_part; a = t.attrs[a].next) {
    for (uint32_t p = t.attrs[a].first; p && !array_part; p = t.parts[p].next) {
      if (is_array(p)) array_part = p;
    }
  }
  if (!array_part) return Status::Ok();

  std::vector<ValueItem>& items = array_items_;  // used up before the recursion below
  const Part array = t.parts[array_part];
  split_array(array.vtype, array.data, array.len, items);
  uint8_t item_type = array.vtype & ~kValArrayFlag;
  if (items.empty()) items.push_back({nullptr, 0});  // keep the element, without the value

  // Copies a part list, putting item `k` where the array was.
  auto copy_list = [&](uint32_t first, const ValueItem& item, uint32_t* out_first,
                       uint32_t* out_last) {
    *out_first = *out_last = 0;
    for (uint32_t p = first; p; p = t.parts[p].next) {
      uint32_t np;
      if (p == array_part) {
        uint32_t len = value_length(item_type, item.data, item.size);
        if (len == 0) continue;  // an empty item leaves the element empty
        np = new_part(PartKind::kValue);
        t.parts[np].data = item.data;
        t.parts[np].len = len;
        t.parts[np].vtype = item_type;
      } else {
        np = static_cast<uint32_t>(t.parts.size());
        Part copy = t.parts[p];
        copy.next = 0;
        t.parts.push_back(copy);
      }
      text_bytes_ += t.parts[np].len;
      if (*out_last) {
        t.parts[*out_last].next = np;
      } else {
        *out_first = np;
      }
      *out_last = np;
    }
  };

  // (element, parent part) of each copy: a stack shared with the recursive calls below.
  std::vector<std::pair<uint32_t, uint32_t>>& copies = array_copies_;
  const size_t copies_base = copies.size();
  uint32_t after = slot_part;
  for (size_t k = 0; k < items.size(); ++k) {
    if (t.parts.size() >= kMaxRecordParts) {
      copies.resize(copies_base);
      return LimitError("array expansion too large");
    }
    if (!charge(t.elems[elem].name.size() + 1)) {
      copies.resize(copies_base);
      return LimitError(kTextLimitMessage);
    }
    uint32_t c = static_cast<uint32_t>(t.elems.size());
    Elem copy;
    copy.name = t.elems[elem].name;
    copy.has_elem_child = t.elems[elem].has_elem_child;
    t.elems.push_back(copy);
    for (uint32_t a = t.elems[elem].first_attr; a; a = t.attrs[a].next) {
      uint32_t na = static_cast<uint32_t>(t.attrs.size());
      Attr at;
      at.name = t.attrs[a].name;
      t.attrs.push_back(at);
      uint32_t f, l;
      copy_list(t.attrs[a].first, items[k], &f, &l);
      t.attrs[na].first = f;
      t.attrs[na].last = l;
      if (t.elems[c].last_attr) {
        t.attrs[t.elems[c].last_attr].next = na;
      } else {
        t.elems[c].first_attr = na;
      }
      t.elems[c].last_attr = na;
    }
    uint32_t f, l;
    copy_list(t.elems[elem].first_child, items[k], &f, &l);
    if (text_bytes_ > kMaxRecordTextBytes) {
      copies.resize(copies_base);
      return LimitError(kTextLimitMessage);
    }
    t.elems[c].first_child = f;
    t.elems[c].last_child = l;

    uint32_t slot;
    if (k == 0) {
      slot = slot_part;
    } else {
      slot = new_part(PartKind::kElement);
      t.parts[slot].next = t.parts[after].next;
      t.parts[after].next = slot;
      if (t.elems[parent].last_child == after) t.elems[parent].last_child = slot;
    }
    t.parts[slot].elem = c;
    after = slot;
    copies.emplace_back(c, slot);
  }
  // Further arrays in the same element expand each copy (last first, so links stay in order).
  for (size_t k = copies.size(); k-- > copies_base;) {
    std::pair<uint32_t, uint32_t> copy = copies[k];
    Status st = expand_arrays(copy.first, parent, copy.second);
    if (!st.ok()) {
      copies.resize(copies_base);
      return st;
    }
  }
  copies.resize(copies_base);
  return Status::Ok();
}

}  // namespace vigil::evtx
