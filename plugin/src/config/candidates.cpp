// The ordered candidate list of one asset (DESIGN.md "Sources, in order"),
// local cache excluded: sources → rewrites → declared URLs → fallback mirrors.
#include <algorithm>
#include <set>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/url_pattern.h"
#include "base/url.h"
#include "config/url_template.h"
#include "base/input_error.h"

namespace assetfetch {

namespace {

class CandidateList {
 public:
  void add(std::string url, CandidateKind kind, const HeaderList& headers, const StoreAccess& store = {}) {
    if (!seen_.insert(url).second) return;  // first place wins
    list_.push_back(Candidate{std::move(url), kind, headers, store});
  }
  std::vector<Candidate> take() { return std::move(list_); }

 private:
  std::set<std::string> seen_;
  std::vector<Candidate> list_;
};

const config_detail::UrlPattern& compiled(const RewriteRule& rule,
                                          std::shared_ptr<const config_detail::UrlPattern>& scratch) {
  if (rule.compiled) return *rule.compiled;
  config_detail::PatternProblem problem;
  scratch = config_detail::UrlPattern::compile(rule.match, rule.replace, &problem);
  if (!scratch)
    throw InputError("rewrite rule " + quoted_value(rule.match) + ": " +
                     (problem.in_replace ? "\"replace\" " : "") + problem.message);
  return *scratch;
}

// The rule applies only when it matches the whole URL; the result must still
// be an acceptable URL.
std::optional<std::string> rewrite(const config_detail::UrlPattern& pattern, const std::string& url) {
  std::optional<std::string> out = pattern.apply(url);
  if (!out || url_problem(*out)) return std::nullopt;
  return out;
}

// Rule-major: every declared URL through the first rule, then the second
// rule..., so the config's order of mirrors is the order of preference.
void add_rewrites(CandidateList& list, const std::vector<RewriteRule>& rules, CandidateKind kind,
                  const std::vector<std::string>& declared, bool skip_declared) {
  for (const auto& rule : rules) {
    std::shared_ptr<const config_detail::UrlPattern> scratch;
    const config_detail::UrlPattern& pattern = compiled(rule, scratch);
    for (const auto& url : declared) {
      auto out = rewrite(pattern, url);
      if (!out) continue;
      // A rewrite onto a declared URL would contact the origin after all.
      if (skip_declared && std::find(declared.begin(), declared.end(), *out) != declared.end())
        continue;
      list.add(std::move(*out), kind, rule.headers);
    }
  }
}

bool readable(SourceAccess a) { return a != SourceAccess::write; }
bool writable(SourceAccess a) { return a != SourceAccess::read; }

}  // namespace

std::vector<Candidate> build_candidates(const Config& config, const AssetIdentity& asset,
                                        const std::vector<std::string>& declared_urls) {
  CandidateList list;
  for (const auto& source : config.sources) {
    if (!readable(source.access)) continue;
    if (auto url = config_detail::expand_template(source.url_template, asset))
      list.add(std::move(*url), CandidateKind::source, source.headers, source.store);
  }
  add_rewrites(list, config.rewrites, CandidateKind::rewrite, declared_urls, config.block_origin);
  if (!config.block_origin) {
    for (const auto& url : declared_urls) list.add(url, CandidateKind::origin, {});
    add_rewrites(list, config.fallback_mirrors, CandidateKind::fallback_mirror, declared_urls,
                 false);
  }
  return list.take();
}

std::vector<Candidate> write_back_targets(const Config& config, const AssetIdentity& asset) {
  CandidateList list;
  for (const auto& source : config.sources) {
    if (!writable(source.access)) continue;
    if (auto url = config_detail::expand_template(source.url_template, asset))
      list.add(std::move(*url), CandidateKind::source, source.headers, source.store);
  }
  return list.take();
}

}  // namespace assetfetch
