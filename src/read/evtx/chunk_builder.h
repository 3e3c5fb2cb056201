// ChunkBuilder: test-only writer of synthetic EVTX chunks and files, byte by byte (names defined
// inline, templates inline in their first record, checksums right), for the decoder's unit and
// limit tests. A plain value owned by one test; not thread-safe.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "read/evtx/format.h"

namespace vigil::evtx::testing {

// Writes BinXML into a 64 KiB chunk; every name is defined inline where it is used.
class ChunkBuilder {
 public:
  ChunkBuilder() : c_(kChunkSize, 0) { std::memcpy(c_.data(), kChunkMagic.data(), 8); }
  size_t pos() const { return pos_; }
  void seek(size_t pos) { pos_ = pos; }
  void u8(uint8_t v) { c_[pos_++] = v; }
  void u16(uint16_t v) { put(&v, 2); }
  void u32(uint32_t v) { put(&v, 4); }
  void u64(uint64_t v) { put(&v, 8); }
  void put(const void* p, size_t n) {
    if (n == 0) return;
    std::memcpy(c_.data() + pos_, p, n);
    pos_ += n;
  }
  void utf16(const std::string& s) {
    for (char ch : s) u16(static_cast<uint8_t>(ch));
  }
  void name(const std::string& s) {  // reference + inline definition
    u32(static_cast<uint32_t>(pos_ + 4));
    u32(0);
    u16(0);
    u16(static_cast<uint16_t>(s.size()));
    utf16(s);
    u16(0);
  }
  void open(const std::string& n, bool attrs, bool dep = true) {
    u8(attrs ? 0x41 : 0x01);
    if (dep) u16(0xffff);
    u32(0);
    name(n);
    if (attrs) u32(0);
  }
  void attr(const std::string& n) {
    u8(0x06);
    name(n);
  }
  void text(const std::string& s) {
    u8(0x05);
    u8(kValString);
    u16(static_cast<uint16_t>(s.size()));
    utf16(s);
  }
  void subst(uint16_t index, uint8_t type, bool optional = false) {
    u8(optional ? 0x0e : 0x0d);
    u16(index);
    u8(type);
  }
  // One record holding a template instance whose definition is inline; `body` writes the
  // template's elements, `values` the substitution values (type, bytes). Returns the chunk
  // offset of the template definition (for instance()).
  size_t record(uint64_t id, const std::function<void(ChunkBuilder&)>& body,
                const std::vector<std::pair<uint8_t, std::vector<uint8_t>>>& values,
                std::vector<size_t>* value_offsets = nullptr) {
    size_t start = begin_instance(id);
    u32(static_cast<uint32_t>(pos_ + 4));
    size_t def = pos_;
    u32(0);
    put("0123456789abcdef", 16);
    u32(0);
    size_t body_start = pos_;
    put("\x0f\x01\x01\x00", 4);
    body(*this);
    u8(0x00);
    uint32_t body_size = static_cast<uint32_t>(pos_ - body_start);
    std::memcpy(c_.data() + def + 20, &body_size, 4);
    finish_record(start, values, value_offsets);
    return def;
  }
  // One record holding an instance of the template defined at chunk offset `def` (by an earlier
  // record()).
  void instance(uint64_t id, size_t def,
                const std::vector<std::pair<uint8_t, std::vector<uint8_t>>>& values) {
    size_t start = begin_instance(id);
    u32(static_cast<uint32_t>(def));
    finish_record(start, values, nullptr);
  }
  // A record header and a template-instance token up to its definition offset; returns where
  // the record starts.
  size_t begin_instance(uint64_t id) {
    size_t start = pos_;
    u32(kRecordMagic);
    u32(0);
    u64(id);
    u64(0);
    put("\x0f\x01\x01\x00", 4);
    u8(0x0c);
    u8(1);
    u32(0x1234);
    return start;
  }
  // The value table, the values, the end token and the record's trailer.
  void finish_record(size_t start,
                     const std::vector<std::pair<uint8_t, std::vector<uint8_t>>>& values,
                     std::vector<size_t>* value_offsets) {
    u32(static_cast<uint32_t>(values.size()));
    for (const auto& v : values) {
      u16(static_cast<uint16_t>(v.second.size()));
      u8(v.first);
      u8(0);
    }
    for (const auto& v : values) {
      if (value_offsets) value_offsets->push_back(pos_);
      put(v.second.data(), v.second.size());
    }
    u8(0x00);
    while ((pos_ + 4) % 8) u8(0);
    uint32_t size = static_cast<uint32_t>(pos_ + 4 - start);
    u32(size);
    std::memcpy(c_.data() + start + 4, &size, 4);
  }
  // A file: header block + this chunk, with all checksums right.
  std::vector<uint8_t> file() {
    uint32_t free_off = static_cast<uint32_t>(pos_);
    std::memcpy(c_.data() + kChFreeSpaceOffset, &free_off, 4);
    uint32_t data_crc = static_cast<uint32_t>(::crc32(0, c_.data() + 512, free_off - 512));
    std::memcpy(c_.data() + kChDataChecksum, &data_crc, 4);
    uint32_t hcrc = static_cast<uint32_t>(::crc32(::crc32(0, c_.data(), 120), c_.data() + 128, 384));
    std::memcpy(c_.data() + kChHeaderChecksum, &hcrc, 4);
    std::vector<uint8_t> f(kFileHeaderBlock, 0);
    std::memcpy(f.data(), kFileMagic.data(), 8);
    uint32_t header_size = 128;
    std::memcpy(f.data() + kFhHeaderSize, &header_size, 4);
    uint16_t minor = 1, major = 3, chunks = 1;
    std::memcpy(f.data() + kFhMinorVersion, &minor, 2);
    std::memcpy(f.data() + kFhMajorVersion, &major, 2);
    std::memcpy(f.data() + kFhChunkCount, &chunks, 2);
    uint32_t fcrc = static_cast<uint32_t>(::crc32(0, f.data(), 120));
    std::memcpy(f.data() + kFhChecksum, &fcrc, 4);
    f.insert(f.end(), c_.begin(), c_.end());
    return f;
  }

 private:
  std::vector<uint8_t> c_;
  size_t pos_ = kChunkHeaderSize;
};

inline std::vector<uint8_t> le(uint64_t v, size_t n) {
  std::vector<uint8_t> out(n);
  std::memcpy(out.data(), &v, n);
  return out;
}
inline std::vector<uint8_t> wide(const std::string& s, bool nul = true) {
  std::vector<uint8_t> out;
  for (char ch : s) {
    out.push_back(static_cast<uint8_t>(ch));
    out.push_back(0);
  }
  if (nul) out.insert(out.end(), {0, 0});
  return out;
}

}  // namespace vigil::evtx::testing
