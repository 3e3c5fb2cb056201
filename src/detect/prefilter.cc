// The literal scan.
//
// Vectorscan compiles thousands of literals into one automaton (FDR/Teddy: SIMD shift-or over
// buckets of literals, confirmed by hashing), so finding all of them costs one pass over the
// text; the pass still slows as literals are added (more bucket collisions to confirm), which is
// why each route gets a database of only its own rules' literals. The scan walks the node array
// once and copies every scalar's text, one per line, into a reused buffer: a block-mode scan of
// that buffer costs about two thirds of a vectored scan of the values in place (per-block
// overhead), and the copy is a few hundred bytes. A literal straddling two lines is merely a
// false alarm the confirmation rejects. The copy is then lower-cased and the literals compiled
// case-sensitively: with ~13,000 literals that scans about a fifth faster than vectorscan's
// caseless mode, as does letting repeats reach the callback (a stamp check) rather than asking
// vectorscan to report each literal once (SINGLEMATCH).
//
// Only values some rule of the route can read are gathered: a field resolves to a node whose key
// is one of a few names (FieldResolver::end_keys), so a value whose key none of the route's
// fields ends on — GUIDs, timestamps, record numbers, most of the System block — is left out,
// unless the route has keyword searches, which read every string (numbers and booleans still
// only where a field reads them: no number is formatted for a keyword). Keys are compared by
// hash (KeySet); a collision only scans a value more.
//
// A route may split the scan into lanes (rule_index.cc): a KeyLanes table maps each key its
// rules read to a lane, and the value is copied into that lane's part of the buffer — the same
// one probe per value as a plain key set (a route of one lane that reads every string probes
// only for numbers, as before); a string no field reads goes to lane 0, the route's rest, and
// so does, with no key hashed, a string whose key length no key of another lane has. Each non-empty
// lane is then scanned with its own, smaller database; a literal's position is offset by its
// lane's base, so the wake lists see one position space. The lanes live in one buffer at fixed
// strides (cap_), so the spans handed to rule evaluation stay plain offsets; an event larger
// than the stride grows it and is gathered again.
//
// A keyword search (SigmaHQ's Mimikatz rule is one, for every Windows event) reads every
// string, so a route with one scans the strings no field reads too — and NXLog and Winlogbeat
// JSON carry the whole event again as text in Message (~940 bytes a Sysmon event in the Mordor
// captures). Such a string, when at least LanePolicy::unread_min bytes long, goes to a lane of
// its own whose database holds only the route's keyword literals (a few dozen, scanned at a
// fraction of a cycle a byte) instead of every literal of the route: on Mordor that took the
// matcher from 1.90 to 1.63-1.72 us an event; shorter ones stay in lane 0, where a key lookup
// would cost more than the smaller database saves.
//
// The same walk looks at container nodes: a field that resolves to an object or array is
// matched against its JSON text, which the scan does not see, so a container whose key is one a
// rule's field may end on marks that field class unsafe (its atoms then count as present).
#include "detect/prefilter.h"

#include <hs/hs.h>

#include <unistd.h>
#include <xxhash.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/text.h"
#include "detect/pattern.h"

namespace vigil::sigma {
namespace {

// The cache file of a literal set: a 128-bit hash of the literals in order and of the
// vectorscan version (a database only loads into the library that wrote it).
std::string cache_path(const std::string& dir, const std::vector<std::string>& literals,
                       const std::vector<uint32_t>& ids) {
  XXH3_state_t* state = XXH3_createState();
  if (!state) return {};
  XXH3_128bits_reset(state);
  const std::string_view tag = "vigil literal database 1";
  XXH3_128bits_update(state, tag.data(), tag.size());
  const std::string_view version = hs_version();
  XXH3_128bits_update(state, version.data(), version.size());
  for (uint32_t id : ids) {
    const uint64_t size = literals[id].size();
    XXH3_128bits_update(state, &size, sizeof size);
    XXH3_128bits_update(state, literals[id].data(), literals[id].size());
  }
  const XXH128_hash_t h = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  char name[40];
  std::snprintf(name, sizeof name, "%016llx%016llx.hsdb", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return (std::filesystem::path(dir) / name).string();
}

// A damaged or foreign file fails vectorscan's own checks (checksum, platform, version) and is
// simply not used. A file that loads is touched, so pruning removes the least recently used.
hs_database_t* load_cached(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return nullptr;
  const std::streamoff size = in.tellg();
  if (size <= 0) return nullptr;
  std::string bytes(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), size)) return nullptr;
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS) return nullptr;
  std::error_code ec;
  std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now(), ec);
  return db;
}

// Keeps the cache folder under kCacheBudget bytes of databases by removing the least recently
// used; run after each store, so a cache shared by many rule sets cannot grow without bound.
constexpr uintmax_t kCacheBudget = 256ull << 20;

void prune_cache(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  struct Entry {
    fs::file_time_type when;
    uintmax_t size;
    fs::path path;
  };
  std::vector<Entry> entries;
  uintmax_t total = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".hsdb") continue;
    std::error_code e1, e2;
    uintmax_t size = it->file_size(e1);
    fs::file_time_type when = it->last_write_time(e2);
    if (e1 || e2) continue;
    entries.push_back({when, size, it->path()});
    total += size;
  }
  if (total <= kCacheBudget) return;
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.when < b.when; });
  for (const Entry& e : entries) {
    if (total <= kCacheBudget) break;
    if (fs::remove(e.path, ec)) total -= e.size;
  }
}

// Written under a private name and renamed into place, so a reader never sees half a file.
void store_cached(const std::string& path, const hs_database_t* db) {
  char* bytes = nullptr;
  size_t size = 0;
  if (hs_serialize_database(db, &bytes, &size) != HS_SUCCESS) return;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ostringstream tmp_name;
  tmp_name << path << ".tmp" << ::getpid() << '.' << std::this_thread::get_id();
  const std::string tmp = tmp_name.str();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes, static_cast<std::streamsize>(size));
    if (!out) ec = std::make_error_code(std::errc::io_error);
  }
  std::free(bytes);
  if (!ec) std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return;
  }
  prune_cache(std::filesystem::path(path).parent_path());
}

}  // namespace

Result<std::shared_ptr<const LiteralDatabase>> LiteralDatabase::build(const std::vector<std::string>& literals,
                                                                     const std::vector<uint32_t>& ids,
                                                                     const std::string& cache_dir) {
  std::shared_ptr<LiteralDatabase> out(new LiteralDatabase());
  out->ids_ = ids;
  if (ids.empty()) return std::shared_ptr<const LiteralDatabase>(out);
  const std::string cached = cache_dir.empty() ? std::string() : cache_path(cache_dir, literals, ids);
  if (!cached.empty() && (out->db_ = load_cached(cached)) != nullptr) {
    out->from_cache_ = true;
    return std::shared_ptr<const LiteralDatabase>(out);
  }
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags, hs_ids;
  for (size_t k = 0; k < ids.size(); ++k) {
    exprs.push_back(literals[ids[k]].data());
    lens.push_back(literals[ids[k]].size());
    flags.push_back(0);  // the scanned text is lower-cased, like the literals
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
  if (!cached.empty()) store_cached(cached, out->db_);
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

LiteralScan::LiteralScan(const Requirements& req, size_t databases, size_t fields,
                         const std::vector<uint8_t>& unscanned)
    : req_(req), unscanned_(unscanned) {
  ready_.assign(databases, 0);
  unscanned_.resize(req.literals().size(), 0);
  literal_stamp_.assign(req.literals().size(), 0);
  for (size_t i = 0; i < literal_stamp_.size(); ++i) {
    if (unscanned_[i]) literal_stamp_[i] = kAlways;
  }
  class_stamp_.assign(req.class_count(), 0);
  field_stamp_.assign(fields, 0);
  seen_.reserve(256);
  unsafe_.reserve(16);
  text_.resize(cap_);
  stack_.resize(64);
}

LiteralScan::~LiteralScan() {
  if (scratch_) hs_free_scratch(scratch_);
}

int LiteralScan::on_match(unsigned position, unsigned long long, unsigned long long, unsigned, void* self) {
  auto* s = static_cast<LiteralScan*>(self);
  uint32_t& stamp = s->literal_stamp_[s->ids_[position]];
  if (stamp != s->stamp_) {
    stamp = s->stamp_;
    s->seen_.push_back(s->base_ + position);
  }
  return 0;
}

void LiteralScan::note_container(uint64_t key_hash) {
  const std::vector<uint32_t>* classes = req_.unsafe_classes(layout_, key_hash);
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

bool LiteralScan::has_text(const Event& ev, size_t object) {
  if (ev.node(static_cast<uint32_t>(object)).count == 0) return false;
  for (uint32_t c = static_cast<uint32_t>(object) + 1; c != 0; c = ev.node(c).next) {
    if (ev.node(c).key == "#text") return true;
  }
  return false;
}

template <bool kOneLane>
bool LiteralScan::gather(const Event& ev, const KeyLanes* keys, bool all_strings, UnreadLane unread) {
  static const uint64_t kTextHash = KeySet::hash("#text");
  static const uint64_t kXmlnsHash = KeySet::hash("xmlns");
  for (size_t k = 0; k < lane_count_; ++k) used_[k] = 0;
  need_ = 0;
  const bool scan_xmlns = req_.scan_xmlns();
  const KeySet& unsafe = req_.unsafe_keys(layout_);
  const size_t n = ev.node_count();
  if (spans_.size() < n) spans_.resize(n);
  // The open containers, innermost last, in stack_ used as a plain array (grown, and so
  // allocated, only when an event nests deeper than every one before).
  Frame* frames = stack_.data();
  size_t top = 0;
  frames[0] = {ev.node(0).count, false, {}};
  const Node* nodes = &ev.node(0);
  bool fits = true;
  for (size_t i = 1; i < n; ++i) {
    while (top > 0 && frames[top].remaining == 0) --top;
    Frame& parent = frames[top];
    if (parent.remaining > 0) --parent.remaining;
    const Node& node = nodes[i];
    auto reach_of = [&] {
      if (parent.array) return parent.reach;
      Reach r;
      r.key = KeySet::hash(node.key);
      r.also = r.key == kTextHash && node.key == "#text" ? parent.reach.key : 0;
      return r;
    };
    if (node.kind == Kind::kObject || node.kind == Kind::kArray) {
      const Reach reach = reach_of();
      // Matched as JSON text: an array element that is a container, and an object a field stops
      // at — not one unwrap() moves past to its #text (but a #text object itself is text).
      // An array is not: its elements are matched one by one.
      if ((unsafe.contains(reach.key) || (reach.also != 0 && unsafe.contains(reach.also))) &&
          (parent.array || (node.kind == Kind::kObject && (node.key == "#text" || !has_text(ev, i))))) {
        note_container(reach);
      }
      if (node.count > 0) {
        if (top + 1 == stack_.size()) {
          stack_.resize(stack_.size() * 2);
          frames = stack_.data();
        }
        frames[++top] = {node.count, node.kind == Kind::kArray, reach};
      }
      continue;
    }
    if (node.kind == Kind::kNull || (node.kind == Kind::kString && node.str.empty())) continue;
    // The lane (or two, for a #text whose own key and parent's key have different lanes). With
    // one lane a value is only read or not, and when every string is read only other scalars'
    // keys need looking up.
    int lane = 0, second = KeyLanes::kNone;
    if (kOneLane && keys && !(all_strings && node.kind == Kind::kString)) {
      const Reach reach = reach_of();
      if (keys->lane(reach.key) == KeyLanes::kNone && (reach.also == 0 || keys->lane(reach.also) == KeyLanes::kNone)) {
        continue;
      }
    } else if (!kOneLane && keys && all_strings && node.kind == Kind::kString && !parent.array &&
               !keys->off_lane0(node.key.size()) && node.key.size() != 5 &&
               (unread.lane == 0 || node.str.size() < unread.min_size)) {
      lane = 0;  // no other lane has a key this long (5: #text and xmlns take the long way)
    } else if (!kOneLane && keys) {
      const Reach reach = reach_of();
      lane = keys->lane(reach.key);
      if (reach.also != 0) {
        const int other = keys->lane(reach.also);
        if (lane == KeyLanes::kNone) {
          lane = other;
        } else if (other != lane) {
          second = other;
        }
      }
      if (lane == KeyLanes::kNone) {
        if (!all_strings || node.kind != Kind::kString) continue;
        if (!scan_xmlns && reach.key == kXmlnsHash && node.key == "xmlns") continue;
        lane = unread.lane != 0 && node.str.size() >= unread.min_size ? static_cast<int>(unread.lane) : 0;
      }
    } else if (!scan_xmlns && node.key == "xmlns") {
      continue;
    }
    if (kOneLane) lane = 0;
    char buf[24];
    std::string_view text;
    switch (node.kind) {
      case Kind::kString:
        spans_[i] = {stamp_, static_cast<uint32_t>(lane * cap_ + used_[lane]), static_cast<uint32_t>(node.str.size())};
        text = node.str;
        break;
      case Kind::kBool:
        text = node.num.b ? "true" : "false";
        break;
      case Kind::kInt:
        text = std::string_view(buf, std::to_chars(buf, buf + sizeof buf, node.num.i).ptr - buf);
        break;
      case Kind::kUInt:
        text = std::string_view(buf, std::to_chars(buf, buf + sizeof buf, node.num.u).ptr - buf);
        break;
      case Kind::kDouble:  // rare in logs; Value::text holds the one formatting rule
        text = Value(&ev, static_cast<uint32_t>(i)).text(number_scratch_);
        break;
      default:
        continue;
    }
    fits &= append(static_cast<uint32_t>(lane), text);
    if (!kOneLane && second != KeyLanes::kNone) fits &= append(static_cast<uint32_t>(second), text);
  }
  return fits;
}

bool LiteralScan::scan(const Event& ev, Layout layout, std::span<const Lane> lanes, const KeyLanes* keys,
                       bool all_strings, UnreadLane unread) {
  layout_ = layout;
  if (++stamp_ == kAlways) {  // wrapped: forget every old stamp
    for (size_t i = 0; i < literal_stamp_.size(); ++i) literal_stamp_[i] = unscanned_[i] ? kAlways : 0;
    std::fill(class_stamp_.begin(), class_stamp_.end(), 0);
    std::fill(field_stamp_.begin(), field_stamp_.end(), 0);
    std::fill(spans_.begin(), spans_.end(), EvalContext::ScanSpan{});
    stamp_ = 1;
  }
  seen_.clear();
  unsafe_.clear();
  if (lanes.empty() || lanes.size() > kMaxLanes) return false;
  lane_count_ = lanes.size();
  if (text_.size() < lane_count_ * cap_) text_.resize(lane_count_ * cap_);
  // An event larger than any before in some lane: grow every lane and gather again (spans are
  // rewritten, containers noted once).
  if (unread.lane >= lane_count_) unread = {};
  while (!(lane_count_ == 1 ? gather<true>(ev, keys, all_strings, unread)
                            : gather<false>(ev, keys, all_strings, unread))) {
    while (cap_ < need_) cap_ *= 2;
    text_.resize(lane_count_ * cap_);
  }
  for (size_t k = 0; k < lane_count_; ++k) {
    fold_ascii(text_.data() + k * cap_, used_[k]);  // before any return: spans() promise folded text
  }
  for (size_t k = 0; k < lane_count_; ++k) {
    const Lane& lane = lanes[k];
    if (!lane.db) return false;
    if (!lane.db->db() || used_[k] == 0) continue;
    if (lane.slot >= ready_.size()) return false;
    if (!ready_[lane.slot]) {
      if (hs_alloc_scratch(lane.db->db(), &scratch_) != HS_SUCCESS) return false;
      ready_[lane.slot] = 1;
    }
    ids_ = lane.db->ids().data();
    base_ = lane.base;
    if (hs_scan(lane.db->db(), text_.data() + k * cap_, static_cast<unsigned>(used_[k]), 0, scratch_, on_match,
                this) != HS_SUCCESS) {
      return false;
    }
  }
  return true;
}

}  // namespace vigil::sigma
