#include "api/error.hpp"

namespace chat::api {

api_error validation_failed(boost::json::object fields) {
    return {http::status::bad_request, "validation_failed", "request has invalid fields",
            std::move(fields)};
}
api_error bad_request(std::string message) {
    return {http::status::bad_request, "bad_request", std::move(message)};
}
api_error unauthorized(std::string message) {
    return {http::status::unauthorized, "unauthorized", std::move(message)};
}
api_error forbidden(std::string message) {
    return {http::status::forbidden, "forbidden", std::move(message)};
}
api_error not_found(std::string what) {
    return {http::status::not_found, "not_found", what + " not found"};
}
api_error conflict(std::string code, std::string message) {
    return {http::status::conflict, std::move(code), std::move(message)};
}

}  // namespace chat::api
