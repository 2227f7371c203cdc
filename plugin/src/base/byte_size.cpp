#include "base/byte_size.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "base/input_error.h"

namespace assetfetch {

std::uint64_t parse_byte_size(const std::string& text, const std::string& what) {
  auto bad = [&]() -> InputError {
    return InputError(what + " '" + text +
                      "': expected a size in bytes, or a number with a K, M, G or T suffix (powers of 1024), "
                      "e.g. 500M or 2G");
  };
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  std::string number = text.substr(0, i);
  std::string suffix = text.substr(i);
  if (number.empty() || number == "." || std::count(number.begin(), number.end(), '.') > 1) throw bad();
  for (char& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (suffix.size() > 1 && (suffix.ends_with("IB") || suffix.ends_with("B")) && suffix != "B")
    suffix = suffix.substr(0, 1);  // "MiB", "MB" → "M"
  int shift = 0;
  if (suffix.empty() || suffix == "B") shift = 0;
  else if (suffix == "K") shift = 10;
  else if (suffix == "M") shift = 20;
  else if (suffix == "G") shift = 30;
  else if (suffix == "T") shift = 40;
  else throw bad();
  long double value = std::stold(number) * std::ldexp(1.0L, shift);
  if (value > 1.8e19L) throw bad();
  if (shift == 0 && number.find('.') != std::string::npos) throw bad();
  return static_cast<std::uint64_t>(value);
}

}  // namespace assetfetch
