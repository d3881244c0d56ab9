#include "redis_publisher.hpp"

#include <hiredis/hiredis.h>

#include <stdexcept>

namespace chat::bench {

void redis_publisher::context_deleter::operator()(redisContext* c) const noexcept {
    redisFree(c);
}

redis_publisher::redis_publisher(const std::string& host, int port, std::string channel)
    : context_(redisConnect(host.c_str(), port)), channel_(std::move(channel)) {
    if (!context_) throw std::runtime_error("redis: out of memory");
    if (context_->err) throw std::runtime_error("redis " + host + ": " + context_->errstr);
}

redis_publisher::~redis_publisher() = default;

long long redis_publisher::publish(std::string_view message) {
    auto* reply =
        static_cast<redisReply*>(redisCommand(context_.get(), "PUBLISH %b %b", channel_.data(),
                                              channel_.size(), message.data(), message.size()));
    if (reply == nullptr) throw std::runtime_error(std::string("redis: ") + context_->errstr);
    const bool ok = reply->type == REDIS_REPLY_INTEGER;
    const long long receivers = ok ? reply->integer : 0;
    freeReplyObject(reply);
    if (!ok) throw std::runtime_error("redis: unexpected reply to PUBLISH");
    return receivers;
}

}  // namespace chat::bench
