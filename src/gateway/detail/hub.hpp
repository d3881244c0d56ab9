#pragma once
// Channels ("r:<roomId>", "p:<userId>", "a") and their member sessions; the
// local half of the broker seam. Relay events are parsed once, encoded once
// into a shared frame and queued on every member.
//
// Thread safety: all members are thread safe. Membership is snapshotted
// under the mutex; frames are queued outside it.

#include "core/metrics.hpp"
#include "gateway/detail/frame.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace chat::gateway::detail {

class session;

std::string room_channel(std::string_view room_id);
std::string person_channel(std::string_view user_id);
inline const std::string all_channel = "a";

class hub {
public:
    explicit hub(core::registry& metrics);

    /// False when the session is closed or already is in `limit` channels.
    bool join(const std::string& channel, const std::shared_ptr<session>& s,
              const std::string& user_id, std::size_t limit);
    void leave_all(const session* s);
    /// Removes every socket of `user_id` from `channel` (a participant left).
    void remove_user(const std::string& channel, const std::string& user_id);

    /// Forwards one encoded relay event (SPEC §3) to its channel's sockets.
    void deliver(const std::shared_ptr<const std::string>& payload);

private:
    struct member {
        std::weak_ptr<session> s;
        std::string user_id;
    };
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::unordered_map<const session*, member>> channels_;
    std::unordered_map<const session*, std::vector<std::string>> joined_;

    core::counter& events_;
    core::counter& invalid_events_;
    core::counter& deliveries_;
};

}  // namespace chat::gateway::detail
