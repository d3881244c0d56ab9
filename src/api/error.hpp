#pragma once
// The API layer's error type. Handlers throw it; one boundary (api::guard)
// maps it — and the store's exceptions — to a status and the JSON error body.

#include "http/types.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

namespace chat::api {

class api_error : public std::runtime_error {
public:
    api_error(http::status s, std::string code, std::string message,
              boost::json::object fields = {})
        : std::runtime_error(message),
          status_(s),
          code_(std::move(code)),
          fields_(std::move(fields)) {}

    http::status status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }
    const boost::json::object& fields() const noexcept { return fields_; }

private:
    http::status status_;
    std::string code_;
    boost::json::object fields_;
};

/// 429 from a rate limit; answered with Retry-After in whole seconds.
class too_many_requests : public api_error {
public:
    too_many_requests(std::string message, std::chrono::milliseconds retry_after)
        : api_error(http::status::too_many_requests, "rate_limited", std::move(message)),
          retry_after_(retry_after) {}

    /// Rounded up, at least one second.
    std::chrono::seconds retry_after() const noexcept {
        return std::max(std::chrono::seconds(1),
                        std::chrono::ceil<std::chrono::seconds>(retry_after_));
    }

private:
    std::chrono::milliseconds retry_after_;
};

/// 400 with a message per bad field.
api_error validation_failed(boost::json::object fields);
api_error bad_request(std::string message);
api_error unauthorized(std::string message = "authentication required");
api_error forbidden(std::string message);
/// Also what a non-participant gets for a room's data: existence is not revealed.
api_error not_found(std::string what);
api_error conflict(std::string code, std::string message);

}  // namespace chat::api
