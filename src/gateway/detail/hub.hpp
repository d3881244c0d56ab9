#pragma once
// Channels ("r:<roomId>", "p:<userId>", "a") and their member sessions; the
// local half of the broker seam. Relay events are parsed once, encoded once
// into a shared frame and sent to every member.
//
// The sends of one event are split into shards, one per core, each run as
// one task on its own strand of the I/O context: a 10,000-socket room is
// written by every I/O thread at once rather than by the thread that
// received the event (the bus subscriber, or the POST's thread), which
// returns at once. A session always falls in the same shard, so the events
// of a channel reach each of its sockets in the order they were delivered.
//
// Thread safety: all members are thread safe. Membership is snapshotted
// under the mutex; frames are sent outside it.

#include "core/metrics.hpp"
#include "gateway/detail/frame.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

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
    /// `io` runs the fan-out tasks; `shards` of them per event at most
    /// (0: one per core).
    hub(core::registry& metrics, boost::asio::io_context& io, std::size_t shards = 0);

    /// False when the session is closed or already is in `limit` channels.
    bool join(const std::string& channel, const std::shared_ptr<session>& s,
              const std::string& user_id, std::size_t limit);
    void leave_all(const session* s);
    /// Removes every socket of `user_id` from `channel` (a participant left).
    void remove_user(const std::string& channel, const std::string& user_id);

    /// Forwards one encoded relay event (SPEC §3) to its channel's sockets:
    /// snapshots them and posts the sends to the I/O threads.
    void deliver(const std::shared_ptr<const std::string>& payload);

private:
    struct member {
        std::weak_ptr<session> s;
        std::string user_id;
    };
    std::size_t shard_of(const session* s) const noexcept;

    std::vector<boost::asio::strand<boost::asio::io_context::executor_type>> shards_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::unordered_map<const session*, member>> channels_;
    std::unordered_map<const session*, std::vector<std::string>> joined_;

    core::counter& events_;
    core::counter& invalid_events_;
    core::counter& deliveries_;
};

}  // namespace chat::gateway::detail
