// The `match` pattern of a rewrite or fallback mirror rule and its
// `replace` template. Patterns are RE2 syntax, matched in time linear in the
// URL's length, so no pattern can hang a sync; the replacement keeps the
// ECMAScript "$1" style.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace assetfetch::config_detail {

// Neither a pattern nor a replacement is longer than a URL may be.
inline constexpr std::size_t kMaxPatternLength = 2200;

struct PatternProblem {
  bool in_replace = false;  // the problem is `replace`'s, else `match`'s
  std::string message;      // what is wrong and the fix
};

class UrlPattern {
 public:
  // Compiles `match` and parses `replace` ($1..$99 for groups, $& for the
  // whole URL, $$ for a dollar sign). Returns nullptr and fills *problem
  // when either is unusable: bad syntax, a construct RE2 lacks
  // (backreferences, lookaround), a group `replace` names that `match` lacks.
  static std::shared_ptr<const UrlPattern> compile(const std::string& match, const std::string& replace,
                                                   PatternProblem* problem);
  ~UrlPattern();

  // The replacement when the pattern matches the whole of `url`.
  std::optional<std::string> apply(std::string_view url) const;

 private:
  struct Piece {
    std::string text;  // literal text, when group < 0
    int group = -1;
  };
  UrlPattern() = default;

  std::unique_ptr<re2::RE2> re_;
  std::vector<Piece> replacement_;
};

}  // namespace assetfetch::config_detail
