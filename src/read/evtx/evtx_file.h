// EvtxFile: a Windows XML Event Log (.evtx) opened for reading (memory-mapped), decoded chunk by
// chunk into Events in the evtx_dump layout (or into XML text). The file is immutable after open:
// decode_chunk() may run on several threads at once, each with its own EvtxDecoder.
// Damage (bad chunk, bad checksum, broken record) is reported to the sink and the scan goes on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "read/evtx/binxml_decoder.h"
#include "read/evtx/event_render.h"
#include "read/evtx/record_tree.h"
#include "read/evtx/render_plan.h"
#include "read/sink.h"
#include "read/source.h"

namespace vigil::evtx {

// Receives records rendered as Windows event XML instead of Events.
class XmlSink {
 public:
  virtual ~XmlSink() = default;
  // Returns false to stop the reader early (no error).
  virtual bool on_xml(std::string_view xml, const RecordRef& ref) = 0;
  virtual void on_issue(const ReadIssue& issue) = 0;
};

// Per-thread decoding state: template caches, render plans (render_plan.h: kept across chunks and
// files, so reuse one decoder), the record tree, the batch of Events, scratch text.
// Reused across chunks and files; allocates nothing once warm.
class EvtxDecoder {
 public:
  EvtxDecoder() = default;
  EvtxDecoder(const EvtxDecoder&) = delete;
  EvtxDecoder& operator=(const EvtxDecoder&) = delete;

  // How many records were rendered from plans and how many the slow way (tests, statistics).
  const RenderPlanner::Stats& plan_stats() const { return planner_.stats(); }
  // Plans on (the default) or off (every record the slow way: for differential tests).
  void set_plans(bool enabled) { plans_ = enabled; }

 private:
  friend class EvtxFile;
  BinXmlDecoder binxml_;
  RecordTree tree_;
  EventRenderer renderer_;
  RenderPlanner planner_;  // Events only: records of a known template and value shape
  bool plans_ = true;
  std::string xml_;
  // Records rendered but not yet handed to the sink (see EventDelivery in evtx_file.cc).
  std::vector<Event> batch_;
  std::vector<RecordRef> batch_refs_;
};

struct ChunkStats {
  uint32_t records = 0;  // record slots found (each takes one index, decoded or not)
  uint32_t decoded = 0;  // records delivered to the sink
  uint32_t issues = 0;   // issues reported
  bool stopped = false;  // the sink asked to stop
};

class EvtxFile {
 public:
  // Maps the file. Fails (kNotFound, kIo) when it cannot be read and (kCorrupt) when the file
  // header is not an EVTX header.
  static Result<EvtxFile> open(const std::string& path);
  // The same, but a file of at most kReadLimit bytes is read into `buffer` (the caller's, reused
  // from file to file; it must outlive the EvtxFile and stay untouched meanwhile) instead of
  // mapped: for threads that each open many small files, since mapping and unmapping a file
  // takes the process-wide memory-map lock and makes every other thread flush its TLB.
  static constexpr size_t kReadLimit = 4u << 20;
  static Result<EvtxFile> open(const std::string& path, std::vector<uint8_t>& buffer);
  // Reads bytes owned by the caller (not copied; they must outlive the EvtxFile).
  static Result<EvtxFile> from_memory(std::string source, const uint8_t* data, size_t size);

  EvtxFile(EvtxFile&& other) noexcept;
  EvtxFile& operator=(EvtxFile&& other) noexcept;
  EvtxFile(const EvtxFile&) = delete;
  EvtxFile& operator=(const EvtxFile&) = delete;
  ~EvtxFile();

  const std::string& source() const { return source_; }
  size_t size() const { return size_; }
  // 64 KiB chunk slots in the file (the last may be partial). Slots past the header's chunk
  // count are decoded too when they hold a chunk signature; empty ones yield nothing.
  size_t chunk_count() const { return chunk_slots_; }
  uint16_t header_chunk_count() const { return header_chunks_; }
  bool dirty() const { return flags_ & 0x1; }
  bool full() const { return flags_ & 0x2; }
  // Remarks about the file header that did not stop the open (e.g. checksum mismatch).
  const std::vector<std::string>& header_notes() const { return header_notes_; }

  // Number of record slots of a chunk, walking record headers only (no decoding). Equals
  // ChunkStats::records of decode_chunk, so callers can compute each chunk's first index.
  uint32_t count_records(size_t chunk) const;

  // Decodes one chunk into `sink`; records get indices first_index, first_index + 1, ...
  // Errors are only for bad arguments; damage goes to sink.on_issue().
  Status decode_chunk(size_t chunk, EventSink& sink, EvtxDecoder& decoder, uint64_t first_index,
                      ChunkStats* stats = nullptr) const;
  Status decode_chunk_xml(size_t chunk, XmlSink& sink, EvtxDecoder& decoder,
                          uint64_t first_index, ChunkStats* stats = nullptr) const;

  // Every chunk in file order on the calling thread; header notes are reported as issues first.
  Status read_all(EventSink& sink) const;
  Status read_all_xml(XmlSink& sink) const;

  // Reads an EVTX file from a stream (standard input, a pipe, a decompressor): the header block,
  // then one 64 KiB chunk at a time, so memory stays flat whatever the input's size. The same
  // records (indices, offsets, chunks) and issues as open() + read_all() over the same bytes,
  // except that "the header counts more chunks than the file holds" comes last, once known.
  // Adds the bytes consumed to `*bytes_read`. Fails (kCorrupt...) when there is no EVTX header,
  // and with the stream's own error when it breaks, after the records read before the break.
  // `decoder` (optional) is a warm one to reuse; otherwise one is made for the call.
  static Status read_stream(std::string source, ByteSource& bytes, EventSink& sink, uint64_t* bytes_read,
                            EvtxDecoder* decoder = nullptr);
  static Status read_stream_xml(std::string source, ByteSource& bytes, XmlSink& sink, uint64_t* bytes_read,
                                EvtxDecoder* decoder = nullptr);

 private:
  EvtxFile() = default;
  static Result<EvtxFile> open_impl(const std::string& path, std::vector<uint8_t>* buffer);
  Status parse_header();
  Status parse_header_block();  // magic, version, counts, flags, checksum
  void note_missing_chunks();
  template <typename Deliver>
  static Status stream_impl(std::string source, ByteSource& bytes, Deliver& deliver, uint64_t* bytes_read,
                            EvtxDecoder* decoder);
  template <typename Deliver>
  Status decode_chunk_impl(size_t chunk, Deliver& deliver, EvtxDecoder& decoder,
                           uint64_t first_index, ChunkStats* stats) const;

  std::string source_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  size_t chunk_slots_ = 0;
  // Streams only: file bytes between the header block and the chunk data_ holds after it.
  size_t window_ = 0;
  uint16_t header_chunks_ = 0;
  uint32_t flags_ = 0;
  std::vector<std::string> header_notes_;
};

}  // namespace vigil::evtx
