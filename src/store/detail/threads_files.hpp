#pragma once
// What the message statements of sql_store.cpp share with threads_files.cpp.

#include "store/store.hpp"

#include <string>
#include <vector>

namespace soci {
class session;
}

namespace chat::store::detail {

/// Attaches `file_ids` (duplicates once, in the order given) to a room or
/// thread message of `room_id`, inside the caller's write transaction. Throws
/// not_found naming the first file `user_id` may not read.
void attach_files(soci::session& sql, attachment_owner owner, const std::string& owner_id,
                  const std::string& room_id, const std::string& user_id,
                  const std::vector<std::string>& file_ids);

}  // namespace chat::store::detail
