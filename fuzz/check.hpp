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

#include <boost/json/value.hpp>

#include <cmath>

namespace chat::fuzz {

/// Equal JSON values, doubles within a relative 1e-15: Boost.JSON 1.81 reads
/// long decimal numbers imprecisely, so serialise → parse may move a double
/// by an ulp.
inline bool near_equal(const boost::json::value& a, const boost::json::value& b) {
    if (a.is_double() && b.is_double()) {
        const double x = a.get_double();
        const double y = b.get_double();
        return x == y || std::fabs(x - y) <= 1e-15 * std::fmax(std::fabs(x), std::fabs(y));
    }
    if (a.kind() != b.kind()) return false;
    if (a.is_array()) {
        const auto& p = a.get_array();
        const auto& q = b.get_array();
        if (p.size() != q.size()) return false;
        for (std::size_t i = 0; i < p.size(); ++i) {
            if (!near_equal(p[i], q[i])) return false;
        }
        return true;
    }
    if (a.is_object()) {
        const auto& p = a.get_object();
        const auto& q = b.get_object();
        if (p.size() != q.size()) return false;
        for (const auto& field : p) {
            const auto* other = q.if_contains(field.key());
            if (other == nullptr || !near_equal(field.value(), *other)) return false;
        }
        return true;
    }
    return a == b;
}

}  // namespace chat::fuzz
