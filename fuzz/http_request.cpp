// HTTP requests as the server reads them: Beast's parser with the server's
// header and body limits (http::server_config defaults), keep-alive requests
// one after the other, then what http::server dispatches on: the target
// parsed as origin-form, its percent-decoded path matched against the real
// route table (REST API, actuator and the gateway's mount, built as in
// app/runtime.cpp), the query parameters the handlers read, and the bearer
// token the API verifies.
//
// Invariants: a match names a handler and yields non-empty, '/'-free path
// parameters; 405 lists allowed methods, never the request's own; query
// integers are within their bounds or refused with a 400; a token made up by
// the fuzzer never verifies.

#include "api/api.hpp"
#include "api/error.hpp"
#include "api/validation.hpp"
#include "auth/jwt.hpp"
#include "check.hpp"
#include "core/metrics.hpp"
#include "core/random.hpp"
#include "gateway/gateway.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/types.hpp"
#include "relay/bus.hpp"
#include "store/store.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/url/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace http = chat::http;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;

// A throw-away directory for the SQLite file the API needs to exist (no
// handler runs, so nothing is written to it); removed at exit.
struct scratch_dir {
    fs::path path;
    scratch_dir() {
        std::string tmpl = (fs::temp_directory_path() / "simple-chat-fuzz-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) std::abort();
        path = tmpl;
    }
    ~scratch_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// The production route table, built once.
struct routes {
    scratch_dir dir;
    chat::core::registry metrics;
    std::unique_ptr<chat::store::store> store =
        chat::store::open("sqlite:" + (dir.path / "chat.db").string(), 1);
    std::unique_ptr<chat::relay::bus> bus = chat::relay::make_in_process_bus();
    chat::auth::jwt_codec jwt{chat::core::base64url_encode(chat::core::random_bytes(48))};
    boost::asio::thread_pool blocking{1};
    boost::asio::io_context io;
    chat::api::rest_api rest{{*store, *bus, jwt, blocking, metrics, {}, "fuzz"}};
    chat::gateway::gateway gateway{{}, {io, jwt, *store, blocking, metrics}};
    http::router table{metrics};

    routes() {
        rest.register_actuator_routes(table);
        gateway.register_routes(table);
        rest.register_api_routes(table);
    }
};

const routes& production_routes() {
    static const routes r;
    return r;
}

// The query parameters the handlers read, with the bounds they read
// integers with (src/api/rooms.cpp, messages.cpp; the gateway's are strings).
struct integer_param {
    std::string_view name;
    std::int64_t min;
    std::int64_t max;
};
constexpr integer_param integer_params[] = {{"limit", 1, 100},
                                            {"limit", 1, 200},
                                            {"before", 1, std::int64_t{1} << 53},
                                            {"after", 0, std::int64_t{1} << 53}};
constexpr std::string_view string_params[] = {"cursor", "EIO", "transport", "sid", "t"};

void check_query(const http::request_context& ctx, std::size_t target_size) {
    for (const auto name : string_params) {
        if (const auto value = ctx.query(name)) FUZZ_CHECK(value->size() <= target_size);
    }
    for (const auto& p : integer_params) {
        try {
            if (const auto n = chat::api::query_integer(ctx, p.name, p.min, p.max)) {
                FUZZ_CHECK(*n >= p.min && *n <= p.max);
            }
        } catch (const chat::api::api_error& e) {
            FUZZ_CHECK(e.status() == http::status::bad_request && e.fields().contains(p.name));
        }
    }
}

void check_route(const routes& r, http::request& req) {
    // As http::server::state::dispatch resolves a request.
    const auto parsed = boost::urls::parse_origin_form(req.target());
    if (!parsed) return;  // 400
    http::request_context ctx{req, *parsed, {}, "trace", {}};
    const std::string path = parsed->path();
    FUZZ_CHECK(!path.empty() && path.front() == '/');
    const auto m = r.table.match(req.method(), path, ctx.path_params);
    switch (m.result) {
        case http::router::outcome::matched:
            FUZZ_CHECK(m.target != nullptr && m.metrics != nullptr);
            for (const auto& [name, value] : ctx.path_params) {
                FUZZ_CHECK(!name.empty() && !value.empty());
                FUZZ_CHECK(value.find('/') == std::string::npos && value.size() < path.size());
                FUZZ_CHECK(ctx.param(name).data() != nullptr);
            }
            break;
        case http::router::outcome::method_not_allowed:
            FUZZ_CHECK(!m.allow.empty());
            FUZZ_CHECK(m.allow.find(std::string(bhttp::to_string(req.method()))) ==
                           std::string::npos ||
                       req.method() == http::verb::unknown);
            break;
        case http::router::outcome::not_found:
            FUZZ_CHECK(m.target == nullptr && m.allow.empty());
            break;
    }
    check_query(ctx, req.target().size());

    // The API's authentication: the bearer token is read and verified; one
    // the fuzzer wrote cannot carry a valid HS256 signature.
    if (const auto token = chat::auth::bearer_token(ctx.header("Authorization"))) {
        FUZZ_CHECK(token->size() <= ctx.header("Authorization").size());
        FUZZ_CHECK(!r.jwt.verify(*token, 1'700'000'000));
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    chat::core::init_crypto();
    production_routes();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& r = production_routes();
    const http::server_config limits;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    // One request after another on a keep-alive connection.
    while (!input.empty()) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.body_limit(limits.body_limit);
        parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
        parser.eager(true);
        boost::system::error_code ec;
        std::size_t used = 0;
        while (used < input.size() && !parser.is_done()) {
            const auto n =
                parser.put(boost::asio::buffer(input.data() + used, input.size() - used), ec);
            used += n;
            if (ec || n == 0) break;
        }
        FUZZ_CHECK(used <= input.size());
        if (ec && ec != bhttp::error::need_more) return 0;  // 400 or 413, connection closed
        if (!parser.is_header_done()) return 0;             // waits for the rest, then times out
        http::request req = parser.release();
        check_route(r, req);
        if (!parser.is_done() || !req.keep_alive()) return 0;
        input.remove_prefix(used);
    }
    return 0;
}
