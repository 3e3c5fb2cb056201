// Assets: the console's files (web/*), embedded into the binary at build time by
// embed_assets.cmake, so `vigil serve` needs nothing beside itself at run time.
// Immutable static data: thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace vigil::serve {

struct Asset {
  std::string_view path;          // "/index.html", "/app.js"...
  std::string_view content_type;
  std::string_view bytes;
};

std::span<const Asset> embedded_assets();

// The asset served at `path`, or nullptr. "/" is the console's index.html.
inline const Asset* find_asset(std::string_view path) {
  if (path == "/") path = "/index.html";
  for (const Asset& asset : embedded_assets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

}  // namespace vigil::serve
