#pragma once
// The HTTP vocabulary shared by the server, the router and the handlers.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/url/url_view.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chat::http {

namespace beast = boost::beast;
namespace asio = boost::asio;
using request = beast::http::request<beast::http::string_body>;
using response = beast::http::response<beast::http::string_body>;
using status = beast::http::status;
using verb = beast::http::verb;

/// Everything a handler learns about one request. Lives for the request.
struct request_context {
    request& req;
    boost::urls::url_view url;  // parsed target (path and query)
    std::vector<std::pair<std::string, std::string>> path_params;
    std::string trace_id;  // X-Request-Id, accepted or generated
    /// The client's address: the TCP peer, or the address a trusted proxy
    /// forwarded (http/client_address.hpp). Key per-address limits on this.
    asio::ip::address remote;
    asio::ip::address peer;  // the TCP peer (a proxy, when one is in between)

    /// The value of `{name}` in the matched route pattern; empty if absent.
    std::string_view param(std::string_view name) const noexcept;
    /// The first query parameter `name`, percent-decoded.
    std::optional<std::string> query(std::string_view name) const;
    /// A request header, empty when absent.
    std::string_view header(std::string_view name) const;
};

/// A route handler. Runs on the connection's strand; must offload blocking work.
using handler = std::function<asio::awaitable<response>(request_context&)>;

/// Takes over a connection whose request asked for a WebSocket upgrade on a
/// mounted path: it moves the stream (and the request) out of the references
/// and owns them from then on. (References, not values: g++ 12 destroys
/// by-value temporaries of a co_await full-expression twice, GCC PR 99576.)
using upgrade_handler = std::function<asio::awaitable<void>(beast::tcp_stream& stream, request& req,
                                                            request_context& ctx)>;

}  // namespace chat::http
