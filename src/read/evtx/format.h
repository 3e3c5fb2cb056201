// EVTX on-disk layout: the constants, offsets and token codes of the Windows XML Event Log format,
// and bounds-checked little-endian loads. Plain data and pure functions; no ownership, no state,
// thread-safe. Every other file of read/evtx names layout facts through this header only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace vigil::evtx {

// --- file header (first 4 KiB of the file; 128 bytes are defined) ---
inline constexpr std::string_view kFileMagic{"ElfFile\0", 8};
inline constexpr size_t kFileHeaderBlock = 4096;
inline constexpr size_t kFileHeaderUsed = 128;
inline constexpr size_t kFileHeaderChecksummed = 120;  // CRC32 covers bytes [0, 120)
inline constexpr size_t kFhHeaderSize = 32;            // u32, 128
inline constexpr size_t kFhMinorVersion = 36;          // u16
inline constexpr size_t kFhMajorVersion = 38;          // u16, 3
inline constexpr size_t kFhChunkCount = 42;            // u16
inline constexpr size_t kFhFlags = 120;                // u32
inline constexpr size_t kFhChecksum = 124;             // u32
inline constexpr uint32_t kFileFlagDirty = 0x1;
inline constexpr uint32_t kFileFlagFull = 0x2;

// --- chunk (64 KiB; a 512-byte header, then event records) ---
inline constexpr std::string_view kChunkMagic{"ElfChnk\0", 8};
inline constexpr size_t kChunkSize = 65536;
inline constexpr size_t kChunkHeaderSize = 512;
inline constexpr size_t kChFirstRecordId = 24;     // u64
inline constexpr size_t kChLastRecordId = 32;      // u64
inline constexpr size_t kChFreeSpaceOffset = 48;   // u32, end of the last record
inline constexpr size_t kChDataChecksum = 52;      // u32, CRC32 of [512, free space)
inline constexpr size_t kChHeaderChecksum = 124;   // u32, CRC32 of [0,120) + [128,512)

// --- event record: "**\0\0", size, id, written time, BinXML, size copy ---
inline constexpr uint32_t kRecordMagic = 0x00002a2a;
inline constexpr size_t kRecordHeaderSize = 24;
inline constexpr size_t kRecordMinSize = 28;  // header + trailing size copy

// --- binary XML tokens (low nibble; 0x40 = "more data" flag) ---
enum Token : uint8_t {
  kTokEndOfStream = 0x00,
  kTokOpenStartElement = 0x01,
  kTokCloseStartElement = 0x02,
  kTokCloseEmptyElement = 0x03,
  kTokEndElement = 0x04,
  kTokValue = 0x05,
  kTokAttribute = 0x06,
  kTokCData = 0x07,
  kTokCharRef = 0x08,
  kTokEntityRef = 0x09,
  kTokPITarget = 0x0a,
  kTokPIData = 0x0b,
  kTokTemplateInstance = 0x0c,
  kTokNormalSubstitution = 0x0d,
  kTokOptionalSubstitution = 0x0e,
  kTokFragmentHeader = 0x0f,
};
inline constexpr uint8_t kTokMoreFlag = 0x40;

// --- substitution value types (0x80 bit = array of the base type) ---
enum ValueType : uint8_t {
  kValNull = 0x00,
  kValString = 0x01,  // UTF-16LE
  kValAnsiString = 0x02,
  kValInt8 = 0x03,
  kValUInt8 = 0x04,
  kValInt16 = 0x05,
  kValUInt16 = 0x06,
  kValInt32 = 0x07,
  kValUInt32 = 0x08,
  kValInt64 = 0x09,
  kValUInt64 = 0x0a,
  kValReal32 = 0x0b,
  kValReal64 = 0x0c,
  kValBool = 0x0d,
  kValBinary = 0x0e,
  kValGuid = 0x0f,
  kValSizeT = 0x10,
  kValFileTime = 0x11,
  kValSystemTime = 0x12,
  kValSid = 0x13,
  kValHexInt32 = 0x14,
  kValHexInt64 = 0x15,
  kValEvtHandle = 0x20,
  kValBinXml = 0x21,
  kValEvtXml = 0x23,
};
inline constexpr uint8_t kValArrayFlag = 0x80;

// Name structure in a chunk: next offset (u32), hash (u16), char count (u16), UTF-16, NUL.
inline constexpr size_t kNameHeaderSize = 8;
// Template definition: next offset (u32), GUID (16), data size (u32), then the BinXML body.
inline constexpr size_t kTemplateHeaderSize = 24;

// Hard limits that keep hostile input bounded (depth, fan-out, output size).
inline constexpr int kMaxNestingDepth = 32;          // nested BinXML values inside one record
inline constexpr size_t kMaxElementDepth = 256;      // open elements at once
inline constexpr size_t kMaxRecordParts = 1u << 18;  // IR parts per record (array expansion)
// Bytes of names, text and values one record may expand to (a template can substitute one value
// thousands of times; real records hold well under one chunk, 64 KiB, of text).
inline constexpr size_t kMaxRecordTextBytes = 8u << 20;

inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t load_u64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Bounded byte cursor over [begin, end): every read checks the remaining length first, so a
// reader built on it cannot run past its buffer whatever the bytes say.
class Cursor {
 public:
  Cursor(const uint8_t* begin, const uint8_t* end) : p_(begin), end_(end) {}
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  const uint8_t* pos() const { return p_; }
  bool skip(size_t n) {
    if (remaining() < n) return false;
    p_ += n;
    return true;
  }
  bool u8(uint8_t* v) {
    if (remaining() < 1) return false;
    *v = *p_++;
    return true;
  }
  bool u16(uint16_t* v) {
    if (remaining() < 2) return false;
    *v = load_u16(p_);
    p_ += 2;
    return true;
  }
  bool u32(uint32_t* v) {
    if (remaining() < 4) return false;
    *v = load_u32(p_);
    p_ += 4;
    return true;
  }
  bool peek(uint8_t* v) const {
    if (p_ >= end_) return false;
    *v = *p_;
    return true;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace vigil::evtx
