#pragma once
// Statement helpers shared by the store's translation units.

#include <soci/soci.h>

#include <optional>
#include <string>
#include <utility>

namespace chat::store::detail {

/// Prepares `query` on `st`, whose elements are exchanged already, for one
/// execution. SOCI's default, a repeatable statement, costs PostgreSQL a
/// PREPARE and a DEALLOCATE round trip besides the execution.
inline void prepare_once(soci::statement& st, const std::string& query) {
    st.alloc();
    st.prepare(query, soci::details::st_one_time_query);
    st.define_and_bind();
}

/// Runs a statement with the given soci::use elements once; returns the
/// number of rows it changed (matched, on MariaDB too: SOCI connects with
/// CLIENT_FOUND_ROWS).
template <class... Uses>
long long changed_rows(soci::session& sql, const std::string& query, Uses&&... uses) {
    soci::statement st(sql);
    (st.exchange(std::forward<Uses>(uses)), ...);
    prepare_once(st, query);
    st.execute(true);
    return st.get_affected_rows();
}

inline std::optional<std::int64_t> opt(std::int64_t value, soci::indicator ind) {
    if (ind == soci::i_null) return std::nullopt;
    return value;
}

}  // namespace chat::store::detail
