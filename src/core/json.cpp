#include "core/json.hpp"

#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include <cmath>

namespace chat::core {
namespace {

// Recursion is bounded by the parser's max_depth.
bool all_finite(const boost::json::value& v) noexcept {
    switch (v.kind()) {
        case boost::json::kind::double_:
            return std::isfinite(v.get_double());
        case boost::json::kind::array:
            for (const auto& item : v.get_array()) {
                if (!all_finite(item)) return false;
            }
            return true;
        case boost::json::kind::object:
            for (const auto& field : v.get_object()) {
                if (!all_finite(field.value())) return false;
            }
            return true;
        default:
            return true;
    }
}

}  // namespace

boost::json::value parse_finite_json(std::string_view text, std::size_t max_depth,
                                     boost::system::error_code& ec) {
    boost::json::parse_options options;
    options.max_depth = max_depth;
    boost::json::value v =
        boost::json::parse(boost::json::string_view(text.data(), text.size()), ec, {}, options);
    if (ec) return nullptr;
    if (!all_finite(v)) {
        ec = boost::json::error::exponent_overflow;
        return nullptr;
    }
    return v;
}

}  // namespace chat::core
