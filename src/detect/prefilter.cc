// The literal scan.
//
// Vectorscan compiles thousands of literals into one automaton (FDR/Teddy: SIMD shift-or over
// buckets of literals, confirmed by hashing), so finding all of them costs one pass over the
// text; the pass still slows as literals are added (more bucket collisions to confirm), which is
// why each route gets a database of only its own rules' literals. The scan walks the node array
// once and copies every scalar's text, one per line, into a reused buffer: a block-mode scan of
// that buffer costs about two thirds of a vectored scan of the values in place (per-block
// overhead), and the copy is a few hundred bytes. A literal straddling two lines is merely a
// false alarm the confirmation rejects. SINGLEMATCH makes each literal report once, so the
// callback is a stamp and a push.
//
// Only values some rule of the route can read are gathered: a field resolves to a node whose key
// is one of a few names (FieldResolver::end_keys), so a value whose key none of the route's
// fields ends on — GUIDs, timestamps, record numbers, most of the System block — is left out,
// unless the route has keyword searches, which read everything. Keys are compared by hash
// (KeySet); a collision only scans a value more.
//
// The same walk looks at container nodes: a field that resolves to an object or array is
// matched against its JSON text, which the scan does not see, so a container whose key is one a
// rule's field may end on marks that field class unsafe (its atoms then count as present).
#include "detect/prefilter.h"

#include <hs/hs.h>

#include <charconv>

#include "core/text.h"

namespace vigil::sigma {
Result<std::shared_ptr<const LiteralDatabase>> LiteralDatabase::build(const std::vector<std::string>& literals,
                                                                     const std::vector<uint32_t>& ids) {
  std::shared_ptr<LiteralDatabase> out(new LiteralDatabase());
  out->ids_ = ids;
  if (ids.empty()) return std::shared_ptr<const LiteralDatabase>(out);
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags, hs_ids;
  for (size_t k = 0; k < ids.size(); ++k) {
    exprs.push_back(literals[ids[k]].data());
    lens.push_back(literals[ids[k]].size());
    flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
    hs_ids.push_back(static_cast<unsigned>(k));
  }
  hs_compile_error_t* error = nullptr;
  hs_error_t rc = hs_compile_lit_multi(exprs.data(), flags.data(), hs_ids.data(), lens.data(),
                                       static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr,
                                       &out->db_, &error);
  if (rc != HS_SUCCESS) {
    std::string why = error && error->message ? error->message : "unknown error";
    if (error) hs_free_compile_error(error);
    return Unsupported("vectorscan refused the literal set: " + why);
  }
  return std::shared_ptr<const LiteralDatabase>(out);
}

LiteralDatabase::~LiteralDatabase() {
  if (db_) hs_free_database(db_);
}

size_t LiteralDatabase::bytes() const {
  size_t n = 0;
  if (db_ && hs_database_size(db_, &n) != HS_SUCCESS) n = 0;
  return n;
}

LiteralScan::LiteralScan(const Requirements& req, size_t databases, size_t fields) : req_(req) {
  ready_.assign(databases, 0);
  literal_stamp_.assign(req.literals().size(), 0);
  class_stamp_.assign(req.class_count(), 0);
  field_stamp_.assign(fields, 0);
  seen_.reserve(256);
  unsafe_.reserve(16);
  text_.resize(1 << 16);
  stack_.reserve(32);
}

LiteralScan::~LiteralScan() {
  if (scratch_) hs_free_scratch(scratch_);
}

int LiteralScan::on_match(unsigned position, unsigned long long, unsigned long long, unsigned, void* self) {
  auto* s = static_cast<LiteralScan*>(self);
  // SINGLEMATCH: each position is reported once per scan.
  s->literal_stamp_[s->ids_[position]] = s->stamp_;
  s->seen_.push_back(position);
  return 0;
}

void LiteralScan::note_container(uint64_t key_hash) {
  if (!req_.unsafe_keys().contains(key_hash)) return;
  const std::vector<uint32_t>* classes = req_.unsafe_classes(key_hash);
  if (!classes) return;
  for (uint32_t c : *classes) {
    if (class_stamp_[c] != stamp_) {
      class_stamp_[c] = stamp_;
      unsafe_.push_back(c);
      for (uint32_t f : req_.class_fields(c)) {
        if (f < field_stamp_.size()) field_stamp_[f] = stamp_;
      }
    }
  }
}

void LiteralScan::gather(const Event& ev, const KeySet* keys) {
  used_ = 0;
  stack_.clear();
  const bool scan_xmlns = req_.scan_xmlns();
  const size_t n = ev.node_count();
  stack_.push_back({ev.node(0).count, false, {}});
  for (size_t i = 1; i < n; ++i) {
    while (stack_.size() > 1 && stack_.back().remaining == 0) stack_.pop_back();
    Frame& parent = stack_.back();
    if (parent.remaining > 0) --parent.remaining;
    const Node& node = ev.node(static_cast<uint32_t>(i));
    const std::string_view key = parent.array ? parent.key : node.key;
    if (node.kind == Kind::kObject || node.kind == Kind::kArray) {
      note_container(KeySet::hash(key));
      if (node.count > 0) stack_.push_back({node.count, node.kind == Kind::kArray, key});
      continue;
    }
    if (node.kind == Kind::kNull || (node.kind == Kind::kString && node.str.empty())) continue;
    if (keys ? !keys->contains(KeySet::hash(key)) : (!scan_xmlns && node.key == "xmlns")) continue;
    char buf[24];
    switch (node.kind) {
      case Kind::kString:
        append(node.str);
        break;
      case Kind::kBool:
        append(node.num.b ? "true" : "false");
        break;
      case Kind::kInt:
        append(std::string_view(buf, std::to_chars(buf, buf + sizeof buf, node.num.i).ptr - buf));
        break;
      case Kind::kUInt:
        append(std::string_view(buf, std::to_chars(buf, buf + sizeof buf, node.num.u).ptr - buf));
        break;
      case Kind::kDouble:  // rare in logs; Value::text holds the one formatting rule
        append(Value(&ev, static_cast<uint32_t>(i)).text(number_scratch_));
        break;
      default:
        break;
    }
  }
}

bool LiteralScan::scan(const Event& ev, const LiteralDatabase& db, uint32_t slot, const KeySet* keys) {
  if (++stamp_ == 0) {  // wrapped: forget every old stamp
    std::fill(literal_stamp_.begin(), literal_stamp_.end(), 0);
    std::fill(class_stamp_.begin(), class_stamp_.end(), 0);
    std::fill(field_stamp_.begin(), field_stamp_.end(), 0);
    stamp_ = 1;
  }
  seen_.clear();
  unsafe_.clear();
  gather(ev, keys);
  if (!db.db() || used_ == 0) return true;
  if (slot >= ready_.size()) return false;
  ids_ = db.ids().data();
  if (!ready_[slot]) {
    if (hs_alloc_scratch(db.db(), &scratch_) != HS_SUCCESS) return false;
    ready_[slot] = 1;
  }
  return hs_scan(db.db(), text_.data(), static_cast<unsigned>(used_), 0, scratch_, on_match, this) ==
         HS_SUCCESS;
}

}  // namespace vigil::sigma
