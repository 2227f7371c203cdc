#include "config/json_location.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "config/json_node.h"
#include "config/json_scan.h"
#include "base/input_error.h"
#include "platform/file.h"
#include "platform/path.h"

namespace assetfetch::config_detail {

namespace {

// nlohmann prints control characters of a token as "<U+000A>"; the raw token
// is shorter by 7 bytes for each.
std::size_t raw_token_length(const std::string& printed) {
  std::size_t length = printed.size();
  for (std::size_t i = 0; i + 8 <= printed.size(); ++i) {
    if (printed.compare(i, 3, "<U+") == 0 && printed[i + 7] == '>' &&
        std::all_of(printed.begin() + static_cast<std::ptrdiff_t>(i) + 3,
                    printed.begin() + static_cast<std::ptrdiff_t>(i) + 7,
                    [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
      length -= 7;
      i += 7;
    }
  }
  return length;
}

bool is_structural(char c) { return std::string_view("{}[],:").find(c) != std::string_view::npos; }

// A SAX consumer that only records what the parser last read when it gave up.
struct ErrorLocator : nlohmann::json_sax<nlohmann::json> {
  std::string last_token;
  std::string message;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string& token,
                   const nlohmann::detail::exception& e) override {
    last_token = token;
    message = e.what();
    return false;
  }
};

// nlohmann reports the byte after the offending token (`byte`, 1-based, is
// the last byte read). Point at the token's first byte instead: a string
// token is exactly the reported last token; a broken literal (tru, nul) is
// the run of literal characters before the byte that broke it.
std::size_t token_start(const std::string& text, std::size_t byte, const std::string& last_token) {
  if (byte == 0) return 0;
  const std::size_t idx = byte - 1;
  if (idx >= text.size()) return text.size();
  const char c = text[idx];
  const bool control = static_cast<unsigned char>(c) < 0x20;
  // A control character inside a string: the token is the open string alone.
  const bool open_string = control && last_token.find('"', 1) == std::string::npos;
  if (!last_token.empty() && last_token.front() == '"' && (c == '"' || open_string)) {
    const std::size_t raw = raw_token_length(last_token);
    return byte >= raw ? byte - raw : 0;
  }
  if (is_structural(c)) return idx;
  std::size_t start = is_json_space(c) ? idx : idx + 1;
  while (start > 0 && !is_json_space(text[start - 1]) && !is_structural(text[start - 1]) &&
         text[start - 1] != '"')
    --start;
  return start == idx + 1 || (is_json_space(c) && start == idx) ? idx : start;
}

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line
// 3, column 5: syntax error ..."; keep only the part after the position.
// The "; last read: '...'" tail is dropped: nlohmann accumulates it across
// tokens, so it misleads more than the column does.
std::string strip_nlohmann_prefix(const std::string& what) {
  const std::size_t start = what.find("parse error");
  if (start == std::string::npos) return what;
  const std::size_t colon = what.find(": ", start);
  std::string message = colon == std::string::npos ? what.substr(start) : what.substr(colon + 2);
  const std::size_t tail = message.find("; last read: ");
  if (tail != std::string::npos) message.erase(tail);
  return message;
}

}  // namespace

namespace {

[[noreturn]] void fail_at(const std::filesystem::path& file, const TextPosition& at,
                          const std::string& message, std::vector<Diagnostic> also = {}) {
  also.push_back({"", message, "", false, at.line, at.column});
  std::stable_sort(also.begin(), also.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
  throw ValidationError(platform::utf8_of(file), std::move(also));
}

std::string too_large(std::uintmax_t bytes) {
  return "is " + std::to_string(bytes) + " bytes; a manifest or config may be at most " +
         std::to_string(kMaxDocumentBytes >> 20) + " MiB (is this the right file?)";
}

}  // namespace

JsonDocument parse_document(std::string text, const std::filesystem::path& file) {
  if (text.size() > kMaxDocumentBytes)
    throw InputError(platform::utf8_of(file) + ": " + too_large(text.size()));
  // nlohmann stops at a NUL as if the text ended there, which would accept
  // whatever follows; JSON text never holds a raw NUL.
  if (const std::size_t nul = text.find('\0'); nul != std::string::npos)
    fail_at(file, position_of_index(text, nul),
            "a NUL byte (byte " + std::to_string(nul) +
                "); JSON text never contains one: is this a binary file, or was something "
                "appended to it?");
  // Before the DOM parser: it would build every level of a deep nesting.
  JsonScan scan = scan_json(text);
  if (scan.too_deep) throw ValidationError(platform::utf8_of(file), std::move(scan.problems));
  JsonDocument doc;
  try {
    doc.root = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    ErrorLocator locator;
    locator.message = e.what();
    nlohmann::json::sax_parse(text, &locator);
    fail_at(file, position_of_index(text, token_start(text, e.byte, locator.last_token)),
            strip_nlohmann_prefix(locator.message) + " (fix the JSON syntax there)",
            std::move(scan.problems));
  } catch (const nlohmann::json::exception& e) {
    // A number too large for a double: the scan has found and placed it.
    if (!scan.problems.empty()) throw ValidationError(platform::utf8_of(file), std::move(scan.problems));
    throw InputError(platform::utf8_of(file) + ": cannot read the JSON: " + e.what());
  }
  doc.file = file;
  doc.text = std::move(text);
  doc.problems = std::move(scan.problems);
  return doc;
}

std::string read_text_file(const std::filesystem::path& file, const std::string& what) {
  const std::string cannot = platform::utf8_of(file) + ": cannot read " + what + ": ";
  // A user's file: links are followed. A FIFO, a device or a socket is
  // refused without waiting for a writer.
  platform::Result<platform::File> in =
      platform::open_regular(platform::utf8_of(file), {.write = false, .create = false, .follow_links = true});
  if (!in) {
    const platform::PlatformError& e = in.error();
    if (e.code == platform::Errc::is_directory) throw InputError(cannot + "it is a directory (name a file)");
    if (e.code == platform::Errc::not_regular)
      throw InputError(cannot + "it is not a regular file (a device, pipe or socket); give the "
                                "path of a JSON file");
    throw InputError(cannot + (e.native != 0 ? platform::native_error_text(e.native) : e.message()) +
                     " (check the path)");
  }
  platform::Result<platform::FileIdentity> id = platform::identity(in.value());
  if (!id) throw InputError(cannot + id.error().message());
  if (id->size > kMaxDocumentBytes) throw InputError(platform::utf8_of(file) + ": " + too_large(id->size));
  std::string text;
  char buf[65536];
  // Bounded even if the file grows while it is read.
  while (text.size() <= kMaxDocumentBytes) {
    platform::Result<std::size_t> n = platform::read_some(in.value(), buf, sizeof buf);
    if (!n)
      throw InputError(platform::utf8_of(file) + ": error while reading " + what + ": " +
                       platform::native_error_text(n.error().native));
    if (n.value() == 0) return text;
    text.append(buf, n.value());
  }
  throw InputError(platform::utf8_of(file) + ": " + too_large(text.size()));
}

JsonDocument read_document(const std::filesystem::path& file, const std::string& what) {
  return parse_document(read_text_file(file, what), file);
}

}  // namespace assetfetch::config_detail
