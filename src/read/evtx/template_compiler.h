// TemplateCompiler: turns a BinXML fragment (a template definition's body, or the plain elements
// of a record that uses no template) into a flat list of Ops with names and literal text already
// decoded to UTF-8, so instantiating a template per record is a walk over Ops plus substitution
// values. Ops borrow the ChunkContext's arena (valid until the next chunk). Stateless functions.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "read/evtx/chunk_context.h"

namespace vigil::evtx {

enum class OpKind : uint8_t {
  kOpen,        // element start (`text` = name)
  kAttr,        // attribute (`text` = name); its value Ops follow
  kCloseStart,  // end of the attribute list
  kCloseEmpty,  // end of an element without content
  kEnd,         // end of an element
  kText,        // literal text (UTF-8)
  kCData,       // CDATA section (UTF-8)
  kCharRef,     // character reference (`index` = code unit)
  kEntity,      // entity reference (`text` = name)
  kSubst,       // substitution (`index`, declared type `vtype`, `optional`)
  kPITarget,    // processing instruction target (`text`)
  kPIData,      // processing instruction data (`text`)
};

struct Op {
  std::string_view text;
  uint16_t index = 0;
  uint8_t vtype = 0;
  OpKind kind = OpKind::kText;
  bool optional = false;
};

// Compiles tokens from `begin` until the end-of-stream token or `end`, appending to `out`.
// `dependency_ids`: open-element tokens carry a 2-byte dependency identifier (template bodies do;
// plain record content is detected with guess_dependency_ids). `*stop` receives the position after
// the last token read. A template-instance token is refused (only records may hold one).
Status compile_fragment(ChunkContext& ctx, const uint8_t* begin, const uint8_t* end,
                        bool dependency_ids, std::vector<Op>& out, const uint8_t** stop);

// For an open-element token at `p`: whether its layout is the one with a dependency identifier,
// judged by which reading gives a name offset that makes sense.
bool guess_dependency_ids(const ChunkContext& ctx, const uint8_t* p, const uint8_t* end);

}  // namespace vigil::evtx
