#include "help_text.h"

#include <map>

namespace assetfetch::cli {
namespace {

const char* kFetchExitCodes =
    "Exit codes:\n"
    "  0  success\n"
    "  1  anything else (internal or local I/O error)\n"
    "  2  bad input: usage, manifest, config, ranges, hash syntax, range past the end of the file\n"
    "  3  hash mismatch on every candidate that delivered bytes\n"
    "  4  not found or unreachable on every candidate\n"
    "  5  offline (or origin blocked) and not available locally\n"
    "  130  interrupted (Ctrl-C, SIGTERM): run the same command again to resume\n";

const char* kLocalExitCodes =
    "Exit codes:\n"
    "  0  success\n"
    "  1  anything else (internal or local I/O error)\n"
    "  2  bad input: usage, or a file that cannot be read or is invalid\n";

struct Help {
  const char* examples;
  const char* exit_codes;
};

const std::map<std::string, Help>& pages() {
  static const std::map<std::string, Help> p = {
      {"fetch",
       {"  assetfetch fetch https://zlib.net/zlib-1.3.1.tar.gz --sha256 <64 hex> -o third_party/zlib.tar.gz\n"
        "  assetfetch fetch https://origin.example/big.bin https://mirror.example/big.bin \\\n"
        "      --sha256 <64 hex> --range 0:4096 --range 1048576:EOF -o head-and-tail.bin\n"
        "  assetfetch fetch https://example.org/new.tar.gz --no-verify -o new.tar.gz   # prints its sha256\n",
        kFetchExitCodes}},
      {"sync",
       {"  assetfetch sync assets.json --dest third_party -j 8\n"
        "  assetfetch sync assets.json --dest third_party --config mirrors.json --offline\n"
        "  assetfetch sync assets.json --dest out --list-outputs   # the destinations, nothing fetched\n",
        kFetchExitCodes}},
      {"hash",
       {"  assetfetch hash https://zlib.net/zlib-1.3.1.tar.gz\n"
        "  assetfetch hash https://origin.example/sdk.tar.xz https://mirror.example/sdk.tar.xz --name sdk --json\n"
        "The bytes stay in the cache under the printed hash: the first fetch or sync with it is a cache hit.\n",
        kFetchExitCodes}},
      {"mirror",
       {"  assetfetch mirror assets.json --to /media/usb/mirror\n"
        "  then, offline: a config source {\"url\": \"file:///media/usb/mirror/sha256/{sha256}\"}\n",
        kFetchExitCodes}},
      {"x-script",
       {"  assetfetch x-script https://zlib.net/zlib-1.3.1.tar.gz <128 hex> downloads/zlib.tar.gz.part\n"
        "  export X_VCPKG_ASSET_SOURCES=\"x-script,assetfetch x-script {url} {sha512} {dst}\"   # for vcpkg\n",
        kFetchExitCodes}},
      {"check",
       {"  assetfetch check assets.json\n"
        "  assetfetch check mirrors.json --kind config\n",
        "Exit codes:\n"
        "  0  the file is valid (warnings may be printed)\n"
        "  1  internal error\n"
        "  2  the file is invalid or cannot be read (every error is printed with its place)\n"}},
      {"cache",
       {"  assetfetch cache path\n"
        "  assetfetch cache prune --max-size 10G\n",
        kLocalExitCodes}},
      {"job",
       {"  assetfetch job list\n"
        "  assetfetch job resume assets   # continue a sync that was killed\n",
        kFetchExitCodes}},
  };
  return p;
}

}  // namespace

std::string help_footer(const std::string& command) {
  auto it = pages().find(command);
  if (it == pages().end()) return kFetchExitCodes;
  return std::string("Examples:\n") + it->second.examples + "\n" + it->second.exit_codes;
}

std::string main_help_footer() {
  return std::string(
             "Examples:\n"
             "  assetfetch hash https://zlib.net/zlib-1.3.1.tar.gz          # learn a new asset's sha256\n"
             "  assetfetch fetch https://zlib.net/zlib-1.3.1.tar.gz --sha256 <hex> -o zlib.tar.gz\n"
             "  assetfetch sync assets.json --dest third_party\n"
             "  assetfetch <command> --help                                  # more examples\n\n") +
         kFetchExitCodes;
}

}  // namespace assetfetch::cli
