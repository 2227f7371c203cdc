#include "platform/windows/win_util.h"

#include "platform/path.h"

namespace assetfetch::platform::win {

Result<std::wstring> command_line(const std::vector<std::string>& argv) {
  std::wstring cmd;
  for (const std::string& a : argv) {
    Result<std::u16string> w = utf8_to_utf16(a);
    if (!w) return w.error();
    if (!cmd.empty()) cmd += L' ';
    append_quoted(cmd, std::wstring(w.value().begin(), w.value().end()));
  }
  return cmd;
}

Result<ProcessCommand> process_command(const std::vector<std::string>& argv) {
  if (argv.empty()) return PlatformError{Errc::invalid_argument, 0, "start", "", "no program given"};
  Result<std::wstring> line = command_line(argv);
  if (!line) return line.error();
  Result<std::u16string> app = utf8_to_utf16(argv[0]);
  if (!app) return app.error();
  return ProcessCommand{std::wstring(app.value().begin(), app.value().end()), std::move(line.value())};
}

Result<std::wstring> api_path(std::string_view utf8) {
  Result<std::u16string> wide = utf8_to_utf16(utf8);
  if (!wide) {
    PlatformError e = wide.error();
    e.path = std::string(utf8);
    return e;
  }
  std::wstring w(wide.value().begin(), wide.value().end());
  if (w.rfind(L"\\\\?\\", 0) == 0) return w;
  const DWORD need = ::GetFullPathNameW(w.c_str(), 0, nullptr, nullptr);
  if (need == 0) return error("resolve", utf8);
  std::wstring full(need, L'\0');
  const DWORD got = ::GetFullPathNameW(w.c_str(), need, full.data(), nullptr);
  if (got == 0 || got >= need) return error("resolve", utf8);
  full.resize(got);
  Result<std::u16string> ext = extended_length_path(std::u16string(full.begin(), full.end()));
  if (!ext) return ext.error();
  return std::wstring(ext.value().begin(), ext.value().end());
}

std::string utf8_of_api_path(std::wstring_view wide) {
  std::u16string s(wide.begin(), wide.end());
  if (s.rfind(u"\\\\?\\UNC\\", 0) == 0) s = u"\\\\" + s.substr(8);
  else if (s.rfind(u"\\\\?\\", 0) == 0) s = s.substr(4);
  return utf16_to_utf8(s);
}

PlatformError error(std::string op, std::string_view path) { return last_error(std::move(op), std::string(path)); }

// One argument as the C runtime's parser reads it back (CommandLineToArgvW
// rules): quoted when it has a space, a tab or a quote; backslashes doubled
// only before a quote.
void append_quoted(std::wstring& cmd, const std::wstring& arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    cmd += arg;
    return;
  }
  cmd += L'"';
  std::size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    if (c == L'"') cmd.append(backslashes * 2 + 1, L'\\');
    else cmd.append(backslashes, L'\\');
    backslashes = 0;
    cmd += c;
  }
  cmd.append(backslashes * 2, L'\\');
  cmd += L'"';
}

}  // namespace assetfetch::platform::win
