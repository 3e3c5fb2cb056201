// `vigil dump FILE... [--format jsonl|xml] [-o FILE]`: decodes EVTX files (plain, .gz, .zst,
// `-` for standard input, or a pipe) and writes every record,
// as one evtx_dump-layout JSON object per line or as Windows event XML. Damage is reported on
// stderr (file, chunk, offset) and reading goes on. Exit: 0 files read, 1 a file unreadable, 2 usage.
#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/event.h"
#include "read/evtx/evtx_file.h"
#include "read/sink.h"
#include "read/source.h"

namespace vigil::cli {
namespace {

class Output {
 public:
  explicit Output(FILE* f) : f_(f) {}
  void write(std::string_view s) {
    buf_ += s;
    if (buf_.size() >= (1u << 20)) flush();
  }
  void flush() {
    if (!buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), f_);
    buf_.clear();
  }
  bool failed() const { return std::ferror(f_) != 0; }

 private:
  FILE* f_;
  std::string buf_;
};

void print_issue(const ReadIssue& issue) {
  std::fprintf(stderr, "vigil dump: %s\n", issue.describe().c_str());
}

class JsonlSink : public EventSink {
 public:
  explicit JsonlSink(Output& out) : out_(out) {}
  bool on_event(const Event& event, const RecordRef&) override {
    line_.clear();
    write_json(event, line_);
    line_ += '\n';
    out_.write(line_);
    return true;
  }
  void on_issue(const ReadIssue& issue) override { print_issue(issue); }

 private:
  Output& out_;
  std::string line_;
};

class XmlOut : public evtx::XmlSink {
 public:
  explicit XmlOut(Output& out) : out_(out) {}
  bool on_xml(std::string_view xml, const RecordRef&) override {
    out_.write(xml);
    return true;
  }
  void on_issue(const ReadIssue& issue) override { print_issue(issue); }

 private:
  Output& out_;
};

int run_dump(int argc, char** argv) {
  CLI::App app{"Decode EVTX files and write every record"};
  app.name("vigil dump");
  std::vector<std::string> files;
  std::string format = "jsonl";
  std::string output;
  app.add_option("files", files, "EVTX files (- for standard input)")->required();
  app.add_option("--format", format, "jsonl (evtx_dump layout, one object per line) or xml")
      ->check(CLI::IsMember({"jsonl", "xml"}));
  app.add_option("-o,--output", output, "write here instead of stdout");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  FILE* f = stdout;
  if (!output.empty()) {
    f = std::fopen(output.c_str(), "wb");
    if (!f) {
      std::fprintf(stderr, "vigil dump: cannot write %s\n", output.c_str());
      return 1;
    }
  }
  Output out(f);
  bool xml = format == "xml";
  if (xml) out.write("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n");
  int rc = 0;
  for (const auto& path : files) {
    // A plain file is mapped and read in place; standard input, a pipe or a compressed file
    // (.evtx.gz, .evtx.zst) is decoded as it streams, one chunk at a time.
    struct stat info;
    bool regular = path != "-" && ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
    auto raw = path == "-" ? stdin_source() : open_file_source(path);
    auto decoded = raw.ok() ? decode_source(std::move(raw).value()) : std::move(raw);
    if (!decoded.ok()) {
      std::fprintf(stderr, "vigil dump: %s\n", decoded.status().message().c_str());
      rc = 1;
      continue;
    }
    std::unique_ptr<ByteSource> bytes = std::move(decoded).value();
    if (regular && bytes->compression() == Compression::kNone) bytes.reset();  // mapped instead
    Status st;
    uint64_t consumed = 0;
    if (bytes) {
      if (xml) {
        XmlOut sink(out);
        st = evtx::EvtxFile::read_stream_xml(path, *bytes, sink, &consumed);
      } else {
        JsonlSink sink(out);
        st = evtx::EvtxFile::read_stream(path, *bytes, sink, &consumed);
      }
    } else {
      auto file = evtx::EvtxFile::open(path);
      if (!file.ok()) {
        std::fprintf(stderr, "vigil dump: %s\n", file.status().message().c_str());
        rc = 1;
        continue;
      }
      if (xml) {
        XmlOut sink(out);
        st = file->read_all_xml(sink);
      } else {
        JsonlSink sink(out);
        st = file->read_all(sink);
      }
    }
    if (!st.ok()) {
      std::fprintf(stderr, "vigil dump: %s: %s\n", path.c_str(), st.message().c_str());
      rc = 1;
    }
  }
  if (xml) out.write("</Events>\n");
  out.flush();
  if (out.failed()) {
    std::fprintf(stderr, "vigil dump: write error\n");
    rc = 1;
  }
  if (f != stdout) std::fclose(f);
  return rc;
}

}  // namespace

VIGIL_COMMAND(dump, "dump", "decode EVTX files to JSON lines or XML", run_dump);

}  // namespace vigil::cli
