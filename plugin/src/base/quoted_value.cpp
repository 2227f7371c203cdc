#include "base/quoted_value.h"

#include <nlohmann/json.hpp>

namespace assetfetch {

std::string quoted_value(const std::string& value, std::size_t max) {
  // Cut at a character boundary so the JSON stays valid UTF-8.
  std::size_t cut = value.size();
  if (cut > max) {
    cut = max;
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  }
  std::string out = nlohmann::json(value.substr(0, cut))
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (cut < value.size()) out.insert(out.size() - 1, "...");
  return out;
}

}  // namespace assetfetch
