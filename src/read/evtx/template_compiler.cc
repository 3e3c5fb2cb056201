// Template compilation.
//
// An EVTX chunk stores each distinct event shape once, as a template: a BinXML document whose
// variable parts are substitution tokens. Records then carry only a template reference and an
// array of typed values. Decoding the template tokens again for every record would redo the same
// work (name lookups, UTF-16 decoding of literal text, token dispatch) hundreds of times per chunk,
// so a template is compiled once, the first time a record of the chunk refers to it, into a flat
// vector of Ops: names and literal text are already UTF-8 views, and a substitution is just an
// index. Instantiation (binxml_decoder.cc) then walks the Ops and splices in the record's values.
//
// The same compiler serves the rare records (and nested BinXML values) that hold plain elements
// instead of a template instance; there the ops live only for that record.
//
// Every read goes through a bounded Cursor, every name through ChunkContext::name_at (which checks
// the structure fits the chunk), and the element depth is capped, so hostile bytes can at worst
// produce an error Status.
#include "read/evtx/template_compiler.h"

#include <string>

#include "read/evtx/format.h"
#include "read/evtx/utf16.h"

namespace vigil::evtx {
namespace {

Status truncated(const ChunkContext& ctx, const uint8_t* p, const char* what) {
  return Corrupt(std::string("truncated ") + what + " at chunk offset " +
                 std::to_string(ctx.offset_of(p)));
}

// Reads a name reference (u32 chunk offset); when the name is defined inline, right here, its
// structure is skipped.
Status read_name(ChunkContext& ctx, Cursor& c, std::string_view* name) {
  uint32_t off;
  if (!c.u32(&off)) return truncated(ctx, c.pos(), "name reference");
  uint32_t span = 0;
  VIGIL_RETURN_IF_ERROR(ctx.name_at(off, name, &span));
  if (off == ctx.offset_of(c.pos()) && !c.skip(span)) return truncated(ctx, c.pos(), "name");
  return Status::Ok();
}

// Reads a u16 unit count and that many UTF-16 units, decoded into the chunk arena.
Status read_counted_text(ChunkContext& ctx, Cursor& c, std::string_view* text) {
  uint16_t units;
  if (!c.u16(&units)) return truncated(ctx, c.pos(), "text length");
  const uint8_t* src = c.pos();
  if (!c.skip(2u * units)) return truncated(ctx, src, "text");
  char* out = ctx.arena().allocate(3u * units + 1);
  char* end = utf16_to_utf8(src, units, out);
  *text = std::string_view(out, static_cast<size_t>(end - out));
  return Status::Ok();
}

bool plausible_name_offset(const ChunkContext& ctx, uint32_t name_off, uint32_t here) {
  return name_off == here || (name_off >= kChunkHeaderSize && name_off < here);
}

}  // namespace

bool guess_dependency_ids(const ChunkContext& ctx, const uint8_t* p, const uint8_t* end) {
  // With identifier: token(1) dep(2) size(4) name(4); without: token(1) size(4) name(4).
  if (end - p < 11) return false;
  uint32_t with_off = load_u32(p + 7), with_here = ctx.offset_of(p + 11);
  uint32_t without_off = load_u32(p + 5), without_here = ctx.offset_of(p + 9);
  if (with_off == with_here) return true;
  if (without_off == without_here) return false;
  if (plausible_name_offset(ctx, with_off, with_here)) return true;
  return !plausible_name_offset(ctx, without_off, without_here);
}

Status compile_fragment(ChunkContext& ctx, const uint8_t* begin, const uint8_t* end,
                        bool dependency_ids, std::vector<Op>& out, const uint8_t** stop) {
  Cursor c(begin, end);
  size_t depth = 0;
  while (true) {
    const uint8_t* at = c.pos();
    uint8_t token;
    if (!c.u8(&token)) break;  // fragment ran to its end without an end-of-stream token
    Op op;
    switch (token & ~kTokMoreFlag) {
      case kTokEndOfStream:
        *stop = c.pos();
        return Status::Ok();
      case kTokFragmentHeader:
        if (!c.skip(3)) return truncated(ctx, at, "fragment header");
        continue;
      case kTokOpenStartElement: {
        if (dependency_ids && !c.skip(2)) return truncated(ctx, at, "element");
        if (!c.skip(4)) return truncated(ctx, at, "element");  // data size
        VIGIL_RETURN_IF_ERROR(read_name(ctx, c, &op.text));
        if ((token & kTokMoreFlag) && !c.skip(4)) return truncated(ctx, at, "attribute list");
        if (++depth > kMaxElementDepth) return LimitError("elements nested too deeply");
        op.kind = OpKind::kOpen;
        break;
      }
      case kTokCloseStartElement:
        op.kind = OpKind::kCloseStart;
        break;
      case kTokCloseEmptyElement:
      case kTokEndElement:
        if (depth == 0) {
          return Corrupt("element end without a start at chunk offset " +
                         std::to_string(ctx.offset_of(at)));
        }
        --depth;
        op.kind = (token & ~kTokMoreFlag) == kTokEndElement ? OpKind::kEnd : OpKind::kCloseEmpty;
        break;
      case kTokValue: {
        uint8_t type;
        if (!c.u8(&type)) return truncated(ctx, at, "value");
        if (type != kValString) {
          return Unsupported("literal value of type " + std::to_string(type) +
                             " at chunk offset " + std::to_string(ctx.offset_of(at)));
        }
        VIGIL_RETURN_IF_ERROR(read_counted_text(ctx, c, &op.text));
        op.kind = OpKind::kText;
        break;
      }
      case kTokAttribute:
        VIGIL_RETURN_IF_ERROR(read_name(ctx, c, &op.text));
        op.kind = OpKind::kAttr;
        break;
      case kTokCData:
        VIGIL_RETURN_IF_ERROR(read_counted_text(ctx, c, &op.text));
        op.kind = OpKind::kCData;
        break;
      case kTokCharRef:
        if (!c.u16(&op.index)) return truncated(ctx, at, "character reference");
        op.kind = OpKind::kCharRef;
        break;
      case kTokEntityRef:
        VIGIL_RETURN_IF_ERROR(read_name(ctx, c, &op.text));
        op.kind = OpKind::kEntity;
        break;
      case kTokPITarget:
        VIGIL_RETURN_IF_ERROR(read_name(ctx, c, &op.text));
        op.kind = OpKind::kPITarget;
        break;
      case kTokPIData:
        VIGIL_RETURN_IF_ERROR(read_counted_text(ctx, c, &op.text));
        op.kind = OpKind::kPIData;
        break;
      case kTokNormalSubstitution:
      case kTokOptionalSubstitution:
        if (!c.u16(&op.index) || !c.u8(&op.vtype)) return truncated(ctx, at, "substitution");
        op.optional = (token & ~kTokMoreFlag) == kTokOptionalSubstitution;
        op.kind = OpKind::kSubst;
        break;
      case kTokTemplateInstance:
        return Corrupt("template instance inside a template at chunk offset " +
                       std::to_string(ctx.offset_of(at)));
      default:
        return Corrupt("unknown BinXML token " + std::to_string(token) + " at chunk offset " +
                       std::to_string(ctx.offset_of(at)));
    }
    out.push_back(op);
  }
  *stop = c.pos();
  return Status::Ok();
}

}  // namespace vigil::evtx
