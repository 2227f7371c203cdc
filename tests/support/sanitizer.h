// Whether this build runs under ThreadSanitizer.
//
// Under -DASSETFETCH_SANITIZE=thread the engine, the CLI and the in-process
// test servers run several times slower. Tests that move hundreds of MiB or
// repeat a long loop do less of it then (fewer cycles, a smaller file); what
// they assert stays the same.
#pragma once

namespace af_test {

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif
#else
inline constexpr bool kThreadSanitizer = false;
#endif

}  // namespace af_test
