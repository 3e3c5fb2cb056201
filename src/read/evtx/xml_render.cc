#include "read/evtx/xml_render.h"

#include <string_view>

#include "core/text.h"
#include "read/evtx/format.h"
#include "read/evtx/utf16.h"
#include "read/evtx/value_text.h"

namespace vigil::evtx {
namespace {

void part_xml(const Part& p, bool attribute, std::string& scratch, std::string& out) {
  {
    switch (p.kind) {
      case PartKind::kText:
        xml_escape(p.str(), attribute, out);
        break;
      case PartKind::kCData:
        out += "<![CDATA[";
        out += p.str();
        out += "]]>";
        break;
      case PartKind::kValue:
        scratch.clear();
        if (p.vtype == kValString) {
          utf16_append(p.data, p.len / 2, scratch);
        } else if (p.vtype == kValAnsiString) {
          append_ansi(p.data, p.len, scratch);
        } else {
          append_value_text(p.vtype, p.data, p.len, true, scratch);
        }
        xml_escape(scratch, attribute, out);
        break;
      case PartKind::kCharRef:
        out += "&#";
        out += std::to_string(p.charref);
        out += ';';
        break;
      case PartKind::kEntity:
        out += '&';
        out += p.str();
        out += ';';
        break;
      case PartKind::kPITarget:
        out += "<?";
        out += p.str();
        break;
      case PartKind::kPIData:
        out += ' ';
        out += p.str();
        out += "?>";
        break;
      case PartKind::kElement:
        break;
    }
  }
}

void parts_xml(const RecordTree& t, uint32_t first, bool attribute, std::string& scratch,
               std::string& out) {
  for (uint32_t i = first; i; i = t.part(i).next) part_xml(t.part(i), attribute, scratch, out);
}

void element_xml(const RecordTree& t, uint32_t elem, int depth, std::string& scratch,
                 std::string& out) {
  if (depth > static_cast<int>(kMaxElementDepth) * kMaxNestingDepth) return;
  const Elem& e = t.elem(elem);
  out.append(2 * static_cast<size_t>(depth), ' ');
  out += '<';
  out += e.name;
  for (uint32_t a = e.first_attr; a; a = t.attr(a).next) {
    if (t.attr(a).first == 0) continue;  // an attribute whose value is empty is left out
    out += ' ';
    out += t.attr(a).name;
    out += "=\"";
    parts_xml(t, t.attr(a).first, true, scratch, out);
    out += '"';
  }
  if (e.first_child == 0) {
    out += "/>\n";
    return;
  }
  out += '>';
  if (!e.has_elem_child) {
    parts_xml(t, e.first_child, false, scratch, out);
  } else {
    out += '\n';
    for (uint32_t p = e.first_child; p; p = t.part(p).next) {
      if (t.part(p).kind == PartKind::kElement) {
        element_xml(t, t.part(p).elem, depth + 1, scratch, out);
      } else {
        // Text between elements (mixed content): a line of its own.
        out.append(2 * static_cast<size_t>(depth + 1), ' ');
        part_xml(t.part(p), false, scratch, out);
        out += '\n';
      }
    }
    out.append(2 * static_cast<size_t>(depth), ' ');
  }
  out += "</";
  out += e.name;
  out += ">\n";
}

}  // namespace

void render_xml(const RecordTree& tree, std::string& out) {
  if (tree.root == 0) return;
  std::string scratch;
  element_xml(tree, tree.root, 0, scratch, out);
}

}  // namespace vigil::evtx
