#include "read/read_path.h"

#include "read/csv_reader.h"
#include "read/json_reader.h"
#include "read/window.h"

namespace vigil {

Status read_source(std::unique_ptr<ByteSource> raw, const std::string& name, EventSink& sink,
                   const ReadOptions& opts, ReadStats* stats) {
  ReadStats local;
  ReadStats& st = stats ? *stats : local;
  if (opts.on_wait) raw->on_wait(opts.on_wait);
  auto decoded = decode_source(std::move(raw));
  if (!decoded.ok()) return decoded.status();
  std::unique_ptr<ByteSource> bytes = std::move(decoded.value());
  st.compression = bytes->compression();

  Window window(*bytes, opts.block_size);
  window.fill();
  // A live source gives what one read brings; the format is told from its first line whole (a
  // CSV header) and at least the 8 bytes of the EVTX magic, or 4 KiB, or all there is.
  while (bytes->live() && !window.at_end() && window.size() < 4096 &&
         (window.size() < 8 || window.view().find('\n') == std::string_view::npos)) {
    window.fill();
  }
  Format format = opts.format;
  if (format == Format::kUnknown) format = sniff_format(window.view(), name);
  st.format = format;
  switch (format) {
    case Format::kJson:
      return read_json(window, name, sink, opts, st);
    case Format::kCsv:
      return read_csv(window, name, sink, opts, st);
    case Format::kEvtx: {
      if (!opts.evtx) return Unsupported("EVTX input needs the EVTX decoder, which is not linked");
      if (!window.fault().ok() && window.size() == 0) return window.fault();
      // Hand the decoder the whole stream: the bytes already in the window, then the rest.
      auto replay = prefix_source(std::string(window.view()), std::move(bytes));
      return opts.evtx(name, *replay, sink, st);
    }
    case Format::kUnknown:
      break;
  }
  if (!window.fault().ok()) return window.fault();
  if (window.size() == 0) return Status::Ok();  // empty input: nothing to read, nothing wrong
  return Unsupported("unknown input format (not EVTX, JSON or CSV by content or extension)");
}

Status read_path(const std::string& path, EventSink& sink, const ReadOptions& opts,
                 ReadStats* stats) {
  auto raw = path == "-" ? stdin_source() : open_file_source(path);
  if (!raw.ok()) return raw.status().with_context(path);
  Status st = read_source(std::move(raw.value()), path, sink, opts, stats);
  return st.with_context(path);
}

}  // namespace vigil
