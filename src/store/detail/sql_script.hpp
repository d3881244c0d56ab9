#pragma once
// Splitting a migration script into statements: database drivers prepare one
// statement at a time (SQLite silently ignores the rest of the text).

#include <string>
#include <string_view>
#include <vector>

namespace chat::store::detail {

/// The statements of `script`, split at top-level ';', trimmed, empty ones
/// dropped. Semicolons inside '...' literals, "..." identifiers, -- and /* */
/// comments do not split. Comments are kept inside the statements they touch.
std::vector<std::string> split_sql_script(std::string_view script);

}  // namespace chat::store::detail
