#include "transfer/redact.h"

namespace assetfetch {

std::string redact_secrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.size() < 4) continue;  // too short to be a credential; replacing would mangle text
    for (auto p = text.find(s); p != std::string::npos; p = text.find(s, p + 8))
      text.replace(p, s.size(), "REDACTED");
  }
  return text;
}

}  // namespace assetfetch
