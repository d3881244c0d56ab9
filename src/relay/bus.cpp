#include "relay/bus.hpp"

#include "core/metrics.hpp"

#include <mutex>
#include <utility>
#include <vector>

namespace chat::relay {
namespace {

class in_process_bus final : public bus {
public:
    explicit in_process_bus(core::counter* delivery_failures)
        : delivery_failures_(delivery_failures) {}

    void publish(std::string payload) override {
        // Encode once, fan out shared bytes (STYLE: Beast shared_state::send).
        const auto shared = std::make_shared<const std::string>(std::move(payload));
        subscriber_list snapshot;
        {
            std::lock_guard lock(mutex_);
            snapshot = subscribers_;
        }
        // Called outside the lock: a subscriber may publish or subscribe itself.
        for (const auto& s : *snapshot) {
            try {
                s(shared);
            } catch (...) {
                // The API publishes after its commit; one broken subscriber must
                // neither fail that request nor starve the others.
                if (delivery_failures_ != nullptr) delivery_failures_->inc();
            }
        }
    }

    void subscribe(subscriber s) override {
        std::lock_guard lock(mutex_);
        // Copy-on-write, so publish snapshots with one refcount bump instead of
        // copying every std::function.
        auto next = std::make_shared<std::vector<subscriber>>(*subscribers_);
        next->push_back(std::move(s));
        subscribers_ = std::move(next);
    }

private:
    using subscriber_list = std::shared_ptr<const std::vector<subscriber>>;

    core::counter* delivery_failures_;
    std::mutex mutex_;
    subscriber_list subscribers_ = std::make_shared<const std::vector<subscriber>>();
};

}  // namespace

std::unique_ptr<bus> make_in_process_bus(core::counter* delivery_failures) {
    return std::make_unique<in_process_bus>(delivery_failures);
}

}  // namespace chat::relay
