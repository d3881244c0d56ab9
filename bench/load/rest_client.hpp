#pragma once
// A blocking HTTP/1.1 client on one keep-alive connection (Beast), for the
// load generator's set-up calls and its message poster.
//
// Thread safety: one object per thread. Throws boost::system::system_error
// on I/O errors and std::runtime_error on an unexpected status.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <string>
#include <string_view>

namespace chat::bench {

struct rest_response {
    unsigned status = 0;
    std::string body;
};

class rest_client {
public:
    explicit rest_client(boost::asio::ip::tcp::endpoint server);

    /// One request with a JSON body (empty: none) and, when `token` is not
    /// empty, `Authorization: Bearer <token>`. Reconnects once if the server
    /// closed the keep-alive connection.
    rest_response request(std::string_view method, std::string_view target,
                          std::string_view json_body, std::string_view token);

    /// request() that throws std::runtime_error unless the status is `expected`.
    std::string expect(unsigned expected, std::string_view method, std::string_view target,
                       std::string_view json_body, std::string_view token);

private:
    void connect();

    boost::asio::ip::tcp::endpoint server_;
    boost::asio::io_context io_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    bool connected_ = false;
};

}  // namespace chat::bench
