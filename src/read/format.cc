#include "read/format.h"

#include "core/text.h"

namespace vigil {

std::string_view format_name(Format f) {
  switch (f) {
    case Format::kEvtx: return "evtx";
    case Format::kJson: return "json";
    case Format::kCsv: return "csv";
    case Format::kUnknown: break;
  }
  return "unknown";
}

Format format_from_name(std::string_view name) {
  if (iequals(name, "json") || iequals(name, "jsonl") || iequals(name, "ndjson")) {
    return Format::kJson;
  }
  if (iequals(name, "csv") || iequals(name, "tsv")) return Format::kCsv;
  if (iequals(name, "evtx")) return Format::kEvtx;
  return Format::kUnknown;
}

Format format_from_extension(std::string_view path) {
  for (std::string_view z : {".gz", ".gzip", ".zst", ".zstd"}) {
    if (iends_with(path, z)) {
      path.remove_suffix(z.size());
      break;
    }
  }
  size_t dot = path.find_last_of("./");
  if (dot == std::string_view::npos || path[dot] != '.') return Format::kUnknown;
  return format_from_name(path.substr(dot + 1));
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A first line that reads as delimited text: no control bytes but tab/CR, and a delimiter in it.
bool looks_like_csv_header(std::string_view head) {
  std::string_view line = head.substr(0, head.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return false;
  bool has_delimiter = false;
  for (char c : line) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t') return false;
    if (c == ',' || c == ';' || c == '\t') has_delimiter = true;
  }
  return has_delimiter;
}

}  // namespace

Format sniff_format(std::string_view head, std::string_view path_hint) {
  if (head.size() >= 8 && head.substr(0, 8) == std::string_view("ElfFile\0", 8)) {
    return Format::kEvtx;
  }
  std::string_view text = head.substr(bom_length(head));
  size_t first = 0;
  while (first < text.size() && is_blank(text[first])) ++first;
  if (first < text.size()) {
    char c = text[first];
    if (c == '{' || c == '[') return Format::kJson;
    if (looks_like_csv_header(text.substr(first))) return Format::kCsv;
  }
  // The content does not decide (empty, blank, a single undelimited line, binary): the name does.
  return format_from_extension(path_hint);
}

}  // namespace vigil
