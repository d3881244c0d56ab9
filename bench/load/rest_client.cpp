#include "rest_client.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <stdexcept>

namespace chat::bench {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::asio::ip::tcp;

rest_client::rest_client(tcp::endpoint server) : server_(server), stream_(io_) {}

void rest_client::connect() {
    stream_.connect(server_);
    stream_.socket().set_option(tcp::no_delay(true));
    buffer_.clear();
    connected_ = true;
}

rest_response rest_client::request(std::string_view method, std::string_view target,
                                   std::string_view json_body, std::string_view token) {
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, server_.address().to_string());
    req.keep_alive(true);
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + std::string(token));
    if (!json_body.empty()) {
        req.set(bhttp::field::content_type, "application/json");
        req.body() = json_body;
    }
    req.prepare_payload();
    for (int attempt = 0;; ++attempt) {
        if (!connected_) connect();
        boost::system::error_code ec;
        bhttp::write(stream_, req, ec);
        bhttp::response<bhttp::string_body> res;
        if (!ec) bhttp::read(stream_, buffer_, res, ec);
        if (!ec) {
            if (!res.keep_alive()) {
                stream_.socket().close(ec);
                connected_ = false;
            }
            return {res.result_int(), std::move(res.body())};
        }
        stream_.socket().close();
        connected_ = false;
        if (attempt == 1) throw boost::system::system_error(ec, "rest request");
    }
}

std::string rest_client::expect(unsigned expected, std::string_view method, std::string_view target,
                                std::string_view json_body, std::string_view token) {
    auto res = request(method, target, json_body, token);
    if (res.status != expected) {
        throw std::runtime_error(std::string(method) + " " + std::string(target) + ": HTTP " +
                                 std::to_string(res.status) + " " + res.body);
    }
    return std::move(res.body);
}

}  // namespace chat::bench
