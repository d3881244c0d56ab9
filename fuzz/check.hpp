#pragma once
// Invariant checks for the fuzz targets. assert() is compiled out of the
// RelWithDebInfo fuzz build, and a failed invariant must abort so libFuzzer
// saves the input as a crash.

#include <cstdio>
#include <cstdlib>

namespace chat::fuzz {

[[noreturn]] inline void invariant_failed(const char* condition, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, condition);
    std::abort();
}

}  // namespace chat::fuzz

// A macro for the file and line: clang 14 cannot compile libstdc++'s
// std::source_location.
#define FUZZ_CHECK(condition)           \
    ((condition) ? static_cast<void>(0) \
                 : ::chat::fuzz::invariant_failed(#condition, __FILE__, __LINE__))
