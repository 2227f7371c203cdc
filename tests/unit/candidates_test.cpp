// The candidate list of one asset: order, block_origin, template skipping,
// rewrites, write-back targets.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/config.h"
#include "config_test_support.h"
#include "base/digest.h"

using af_config_test::error_of;
using namespace assetfetch;

namespace {

const std::string kSha256(64, 'a');
const std::string kSha512(128, 'b');

AssetIdentity both_hashes() {
  return {"zlib", parse_digest(HashAlgorithm::sha256, kSha256, "t"),
          parse_digest(HashAlgorithm::sha512, kSha512, "t")};
}

Config team_config() {
  return parse_config(R"J({
    "sources": [{"url": "https://cache.example/{sha256}", "access": "readwrite",
                 "headers": {"Authorization": "Bearer t"}},
                {"url": "file:///srv/mirror/{sha512}"}],
    "rewrites": [{"match": "^https://github\\.com/(.*)$", "replace": "https://gh.example/$1",
                  "headers": {"X-Mirror": "gh"}}],
    "fallback_mirrors": [{"match": "^https?://[^/]+/(.*)$", "replace": "https://archive.example/$1"}]
  })J", "cfg.json");
}

const std::vector<std::string> kDeclared = {"https://github.com/madler/zlib/z.tgz",
                                            "https://zlib.example/z.tgz"};

std::vector<std::string> urls(const std::vector<Candidate>& list) {
  std::vector<std::string> out;
  for (const auto& c : list) out.push_back(c.url);
  return out;
}

}  // namespace

TEST(Candidates, OrderIsSourcesRewritesDeclaredFallback) {
  const auto list = build_candidates(team_config(), both_hashes(), kDeclared);
  EXPECT_EQ(urls(list), (std::vector<std::string>{
                            "https://cache.example/" + kSha256,
                            "file:///srv/mirror/" + kSha512,
                            "https://gh.example/madler/zlib/z.tgz",
                            "https://github.com/madler/zlib/z.tgz",
                            "https://zlib.example/z.tgz",
                            "https://archive.example/madler/zlib/z.tgz",
                            "https://archive.example/z.tgz",
                        }));
  ASSERT_EQ(list.size(), 7u);
  EXPECT_EQ(list[0].kind, CandidateKind::source);
  EXPECT_EQ(list[0].headers, (HeaderList{{"Authorization", "Bearer t"}}));
  EXPECT_EQ(list[2].kind, CandidateKind::rewrite);
  EXPECT_EQ(list[2].headers, (HeaderList{{"X-Mirror", "gh"}}));
  EXPECT_EQ(list[3].kind, CandidateKind::origin);
  EXPECT_TRUE(list[3].headers.empty());
  EXPECT_EQ(list[5].kind, CandidateKind::fallback_mirror);
}

TEST(Candidates, BlockOriginKeepsSourcesAndRewrites) {
  Config c = team_config();
  c.block_origin = true;
  EXPECT_EQ(urls(build_candidates(c, both_hashes(), kDeclared)),
            (std::vector<std::string>{"https://cache.example/" + kSha256,
                                      "file:///srv/mirror/" + kSha512,
                                      "https://gh.example/madler/zlib/z.tgz"}));
}

TEST(Candidates, BlockOriginDropsARewriteOntoADeclaredUrl) {
  Config c = parse_config(R"J({"block_origin": true,
      "rewrites": [{"match": "^(https://zlib\\.example/.*)$", "replace": "$1"}]})J", "cfg.json");
  EXPECT_TRUE(build_candidates(c, both_hashes(), kDeclared).empty());
}

TEST(Candidates, TemplatesNamingAMissingDigestAreSkipped) {
  const Config c = team_config();
  AssetIdentity sha512_only{"zlib", std::nullopt, parse_digest(HashAlgorithm::sha512, kSha512, "t")};
  auto list = urls(build_candidates(c, sha512_only, {"https://zlib.example/z.tgz"}));
  EXPECT_EQ(list.front(), "file:///srv/mirror/" + kSha512);
  EXPECT_EQ(list.size(), 3u);  // mirror, origin, fallback
  AssetIdentity sha256_only{"zlib", parse_digest(HashAlgorithm::sha256, kSha256, "t"), std::nullopt};
  list = urls(build_candidates(c, sha256_only, {"https://zlib.example/z.tgz"}));
  EXPECT_EQ(list.front(), "https://cache.example/" + kSha256);
  EXPECT_EQ(list.size(), 3u);
}

TEST(Candidates, NameIsExpandedAndPercentEncoded) {
  Config c;
  c.sources.push_back({"https://c.example/{name}/{sha256}", SourceAccess::read, {}, {}});
  AssetIdentity id = both_hashes();
  id.name = "my lib/1";
  EXPECT_EQ(build_candidates(c, id, {}).at(0).url, "https://c.example/my%20lib%2F1/" + kSha256);
}

TEST(Candidates, DuplicatesKeepTheirFirstPlace) {
  Config c;
  c.sources.push_back({"https://zlib.example/{sha256}", SourceAccess::read, {}, {}});
  AssetIdentity id = both_hashes();
  const std::string same = "https://zlib.example/" + kSha256;
  const auto list = build_candidates(c, id, {same, "https://b.example/z", same});
  EXPECT_EQ(urls(list), (std::vector<std::string>{same, "https://b.example/z"}));
  EXPECT_EQ(list[0].kind, CandidateKind::source);
}

TEST(Candidates, RewritesNeedAFullMatchAndGoRuleByRule) {
  Config c = parse_config(R"J({"rewrites": [
      {"match": "https://a\\.example/(.*)", "replace": "https://m1.example/$1"},
      {"match": "https://(.*)", "replace": "https://m2.example/$1"},
      {"match": "example", "replace": "never"}]})J", "cfg.json");
  const auto list = build_candidates(c, both_hashes(), {"https://a.example/x", "https://b.example/y"});
  EXPECT_EQ(urls(list), (std::vector<std::string>{
                            "https://m1.example/x", "https://m2.example/a.example/x",
                            "https://m2.example/b.example/y", "https://a.example/x",
                            "https://b.example/y"}));
}

TEST(Candidates, RewriteResultsMustBeSupportedUrls) {
  Config c = parse_config(R"J({"rewrites": [{"match": "https://(.*)", "replace": "ftp://$1"}]})J",
                          "cfg.json");
  EXPECT_EQ(urls(build_candidates(c, both_hashes(), {"https://a.example/x"})),
            (std::vector<std::string>{"https://a.example/x"}));
}

TEST(Candidates, WriteBackTargetsAreTheWritableSources) {
  Config c = team_config();
  c.sources.push_back({"file:///srv/upload/{sha256}", SourceAccess::write, {}, {}});
  const auto list = build_candidates(c, both_hashes(), {});
  EXPECT_EQ(urls(list), (std::vector<std::string>{"https://cache.example/" + kSha256,
                                                  "file:///srv/mirror/" + kSha512}));
  const auto targets = write_back_targets(c, both_hashes());
  EXPECT_EQ(urls(targets), (std::vector<std::string>{"https://cache.example/" + kSha256,
                                                     "file:///srv/upload/" + kSha256}));
  EXPECT_EQ(targets[0].headers, (HeaderList{{"Authorization", "Bearer t"}}));
  AssetIdentity sha512_only{"zlib", std::nullopt, parse_digest(HashAlgorithm::sha512, kSha512, "t")};
  EXPECT_TRUE(write_back_targets(c, sha512_only).empty());
}

TEST(Candidates, ABadRegexBuiltInCodeIsAnInputError) {
  Config c;
  c.rewrites.push_back({"(", "x", {}, nullptr});
  EXPECT_NE(error_of([&] { build_candidates(c, both_hashes(), {"https://a.example/"}); })
                .find("rewrite rule \"(\": not a valid RE2 regular expression"),
            std::string::npos);
  // A rule made in code (not by the loader) is compiled on use.
  c.rewrites[0] = {"https://(.*)", "https://m.example/$1", {}, nullptr};
  EXPECT_EQ(urls(build_candidates(c, both_hashes(), {"https://a.example/x"}))[0], "https://m.example/a.example/x");
}

// The ECMAScript replacement syntax survives the move to RE2.
TEST(Candidates, ReplacementSyntax) {
  Config c = parse_config(R"J({"rewrites": [
      {"match": "https://([a-z]+)\\.example/(x)?(.*)", "replace": "https://m.example/$1/$2/$3?p=$$1&all=$&"},
      {"match": "(h)(t)(t)(p)(s)(:)(/)(/)(a)(\\.)(e)(.*)", "replace": "https://n.example/$12-$1$10"}]})J",
                          "cfg.json");
  const auto list = build_candidates(c, both_hashes(), {"https://a.example/yz"});
  EXPECT_EQ(urls(list), (std::vector<std::string>{
                            // $2 did not take part in the match: empty, as in ECMAScript.
                            "https://m.example/a//yz?p=$1&all=https://a.example/yz",
                            // Two digits when that group exists: $12 is group 12, $10 group 10.
                            "https://n.example/xample/yz-h.", "https://a.example/yz"}));
}

// A pattern that backtracks exponentially under std::regex is linear in RE2:
// this finishes (ctest's timeout would catch a hang), and matches nothing.
TEST(Candidates, CatastrophicPatternsRunInLinearTime) {
  Config c = parse_config(R"J({"rewrites": [{"match": "(a*)*b", "replace": "https://m.example/$1"},
                                             {"match": "(a|aa)+$", "replace": "https://n.example/"}]})J",
                          "cfg.json");
  const std::string url = "https://h.example/" + std::string(2100, 'a') + "c";
  EXPECT_EQ(urls(build_candidates(c, both_hashes(), {url})), (std::vector<std::string>{url}));
}
