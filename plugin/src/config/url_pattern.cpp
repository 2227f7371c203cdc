#include "config/url_pattern.h"

#include <re2/re2.h>

namespace assetfetch::config_detail {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RE2's error, explained for the constructs ECMAScript users reach for.
std::string pattern_problem(const re2::RE2& re) {
  const std::string& arg = re.error_arg();
  if (re.error_code() == re2::RE2::ErrorBadEscape && arg.size() == 2 && is_digit(arg[1]))
    return "backreferences such as " + arg +
           " are not supported: patterns are RE2 syntax, matched in linear time (match the text "
           "again instead)";
  if (re.error_code() == re2::RE2::ErrorBadPerlOp && (arg == "(?=" || arg == "(?!"))
    return "lookahead " + arg +
           "...) is not supported: patterns are RE2 syntax, matched in linear time";
  if (re.error_code() == re2::RE2::ErrorBadPerlOp && arg == "(?<")
    return "lookbehind (?<=...) and (?<!...) are not supported: patterns are RE2 syntax, matched "
           "in linear time (a named group is written (?P<name>...))";
  return "not a valid RE2 regular expression (" + re.error() +
         "); escape literal characters such as . ( [ with \\\\";
}

}  // namespace

UrlPattern::~UrlPattern() = default;

std::shared_ptr<const UrlPattern> UrlPattern::compile(const std::string& match, const std::string& replace,
                                                      PatternProblem* problem) {
  for (const bool in_replace : {false, true}) {
    const std::size_t length = (in_replace ? replace : match).size();
    if (length > kMaxPatternLength) {
      *problem = {in_replace, "is " + std::to_string(length) + " characters long; at most " +
                                  std::to_string(kMaxPatternLength) + " are allowed"};
      return nullptr;
    }
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  std::shared_ptr<UrlPattern> out(new UrlPattern);
  out->re_ = std::make_unique<re2::RE2>(match, options);
  if (!out->re_->ok()) {
    *problem = {false, pattern_problem(*out->re_)};
    return nullptr;
  }
  const int groups = out->re_->NumberOfCapturingGroups();
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) out->replacement_.push_back({std::move(literal), -1});
    literal.clear();
  };
  for (std::size_t i = 0; i < replace.size(); ++i) {
    const char next = i + 1 < replace.size() ? replace[i + 1] : '\0';
    if (replace[i] != '$' || (next != '$' && next != '&' && !is_digit(next))) {
      literal += replace[i];
      continue;
    }
    ++i;
    if (next == '$') {
      literal += '$';
      continue;
    }
    flush();
    if (next == '&') {
      out->replacement_.push_back({"", 0});
      continue;
    }
    // ECMAScript: two digits when they name an existing group, else one.
    int n = next - '0';
    if (i + 1 < replace.size() && is_digit(replace[i + 1]) && n * 10 + (replace[i + 1] - '0') <= groups) {
      n = n * 10 + (replace[i + 1] - '0');
      ++i;
    }
    if (n == 0) {
      *problem = {true, "uses $0; write $& for the whole URL (or $$ for a dollar sign)"};
      return nullptr;
    }
    if (n > groups) {
      *problem = {true, "uses $" + std::to_string(n) + " but \"match\" has " +
                            std::to_string(groups) + " group" + (groups == 1 ? "" : "s") +
                            " ( ... ); write $$ for a literal dollar sign"};
      return nullptr;
    }
    out->replacement_.push_back({"", n});
  }
  flush();
  return out;
}

std::optional<std::string> UrlPattern::apply(std::string_view url) const {
  const int groups = re_->NumberOfCapturingGroups();
  std::vector<re2::StringPiece> found(static_cast<std::size_t>(groups) + 1);
  if (!re_->Match(re2::StringPiece(url.data(), url.size()), 0, url.size(), re2::RE2::ANCHOR_BOTH,
                  found.data(), groups + 1))
    return std::nullopt;
  std::string out;
  for (const auto& piece : replacement_) {
    if (piece.group < 0)
      out += piece.text;
    else
      out.append(found[static_cast<std::size_t>(piece.group)].data(),
                 found[static_cast<std::size_t>(piece.group)].size());
  }
  return out;
}

}  // namespace assetfetch::config_detail
