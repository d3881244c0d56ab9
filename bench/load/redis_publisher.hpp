#pragma once
// A blocking Redis PUBLISH client (hiredis) for the load generator: relay
// events go straight onto the bus, so a gateway's fan-out can be driven at
// rates no REST poster reaches, and the same events reach any gateway
// (ours or the Node peer) that subscribes to the channel.
//
// Thread safety: one object per thread. Throws std::runtime_error on a
// connection or protocol error.

#include <memory>
#include <string>
#include <string_view>

struct redisContext;

namespace chat::bench {

class redis_publisher {
public:
    /// `host` and `port` of the Redis server; `channel` is the relay channel.
    redis_publisher(const std::string& host, int port, std::string channel);
    ~redis_publisher();
    redis_publisher(const redis_publisher&) = delete;
    redis_publisher& operator=(const redis_publisher&) = delete;

    /// PUBLISH one message; returns how many subscribers received it.
    long long publish(std::string_view message);

private:
    struct context_deleter {
        void operator()(redisContext* c) const noexcept;
    };
    std::unique_ptr<redisContext, context_deleter> context_;
    std::string channel_;
};

}  // namespace chat::bench
