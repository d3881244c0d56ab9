#pragma once
// Wall-clock helpers. Times are stored and passed as milliseconds since the
// Unix epoch (UTC) so that every store dialect keeps them as a plain integer.

#include <cstdint>
#include <string>

namespace chat::core {

/// Milliseconds since the Unix epoch, UTC.
std::int64_t now_ms();

/// ISO-8601 UTC with milliseconds, e.g. 2026-11-29T13:40:00.123Z (SPEC §3).
std::string iso8601_ms(std::int64_t epoch_ms);

}  // namespace chat::core
