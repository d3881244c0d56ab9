#include "core/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace chat::core {

namespace {

std::string escape_label(const std::string& v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// Rendered label set without braces, e.g. route="/rooms",method="GET".
std::string render_labels(const labels& l) {
    std::string out;
    for (const auto& [k, v] : l) {
        if (!out.empty()) out.push_back(',');
        out += k + "=\"" + escape_label(v) + "\"";
    }
    return out;
}

std::string with_extra(const std::string& base, const std::string& extra) {
    if (base.empty()) return "{" + extra + "}";
    return "{" + base + "," + extra + "}";
}

std::string format_double(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    std::ostringstream os;
    os << v;
    return os.str();
}

}  // namespace

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size())) {
    std::sort(bounds_.begin(), bounds_.end());
}

void histogram::observe(double v) noexcept {
    const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
    if (it != bounds_.end()) {
        buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(
            1, std::memory_order_relaxed);
    }
    count_.fetch_add(1, std::memory_order_relaxed);
    if (v > 0) {
        sum_micro_.fetch_add(static_cast<std::uint64_t>(v * 1e6), std::memory_order_relaxed);
    }
}

double histogram::sum() const noexcept {
    return static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
}

std::vector<double> latency_buckets() {
    return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

registry::family& registry::family_for(const std::string& name, const std::string& help,
                                       kind type) {
    auto [it, inserted] = families_.try_emplace(name);
    if (inserted) {
        it->second.help = help;
        it->second.type = type;
    } else if (it->second.type != type) {
        throw std::logic_error("metric " + name + " registered with two types");
    }
    return it->second;
}

counter& registry::get_counter(const std::string& name, const std::string& help, const labels& l) {
    std::lock_guard lock(mutex_);
    auto& slot = family_for(name, help, kind::counter).counters[render_labels(l)];
    if (!slot) slot = std::make_unique<counter>();
    return *slot;
}

gauge& registry::get_gauge(const std::string& name, const std::string& help, const labels& l) {
    std::lock_guard lock(mutex_);
    auto& slot = family_for(name, help, kind::gauge).gauges[render_labels(l)];
    if (!slot) slot = std::make_unique<gauge>();
    return *slot;
}

histogram& registry::get_histogram(const std::string& name, const std::string& help,
                                   const labels& l, std::vector<double> bounds) {
    std::lock_guard lock(mutex_);
    auto& slot = family_for(name, help, kind::histogram).histograms[render_labels(l)];
    if (!slot) slot = std::make_unique<histogram>(std::move(bounds));
    return *slot;
}

std::string registry::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [name, f] : families_) {
        out += "# HELP " + name + " " + f.help + "\n";
        switch (f.type) {
            case kind::counter:
                out += "# TYPE " + name + " counter\n";
                for (const auto& [l, c] : f.counters) {
                    out += name + (l.empty() ? "" : "{" + l + "}") + " " +
                           std::to_string(c->value()) + "\n";
                }
                break;
            case kind::gauge:
                out += "# TYPE " + name + " gauge\n";
                for (const auto& [l, g] : f.gauges) {
                    out += name + (l.empty() ? "" : "{" + l + "}") + " " +
                           std::to_string(g->value()) + "\n";
                }
                break;
            case kind::histogram:
                out += "# TYPE " + name + " histogram\n";
                for (const auto& [l, h] : f.histograms) {
                    std::uint64_t cumulative = 0;
                    for (std::size_t i = 0; i < h->bounds().size(); ++i) {
                        cumulative += h->bucket(i);
                        out += name + "_bucket" +
                               with_extra(l, "le=\"" + format_double(h->bounds()[i]) + "\"") + " " +
                               std::to_string(cumulative) + "\n";
                    }
                    const std::string braces = l.empty() ? "" : "{" + l + "}";
                    out += name + "_bucket" + with_extra(l, "le=\"+Inf\"") + " " +
                           std::to_string(h->count()) + "\n";
                    out += name + "_sum" + braces + " " + format_double(h->sum()) + "\n";
                    out += name + "_count" + braces + " " + std::to_string(h->count()) + "\n";
                }
                break;
        }
    }
    return out;
}

}  // namespace chat::core
