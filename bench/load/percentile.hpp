#pragma once
// The nearest-rank percentile of latency samples, shared by the load generators.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace chat::bench {

/// The nearest-rank `p` percentile (0 < p <= 1) of nanosecond samples, in
/// milliseconds; 0 for no samples. Reorders `v` (nth_element).
inline double percentile_ms(std::vector<std::int64_t>& v, double p) {
    if (v.empty()) return 0;
    const auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
    const auto at = v.begin() + static_cast<std::ptrdiff_t>(std::min(k, v.size() - 1));
    std::nth_element(v.begin(), at, v.end());
    return static_cast<double>(*at) / 1e6;
}

}  // namespace chat::bench
