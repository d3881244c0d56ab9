#pragma once
// The broker seam between the API (publisher) and the gateways (subscribers).
// The in-process bus serves `serve`; a Redis bus serves the scale-out roles.

#include <functional>
#include <memory>
#include <string>

namespace chat::core {
class counter;
}  // namespace chat::core

namespace chat::relay {

/// Receives each published payload (an encoded relay event) once. Called on
/// the bus's own thread; must not block — hand the work to an executor.
using subscriber = std::function<void(std::shared_ptr<const std::string> payload)>;

class bus {
public:
    virtual ~bus() = default;
    /// Publishes one encoded event. Never blocks on the network; failures are
    /// logged and counted by the implementation, not thrown.
    virtual void publish(std::string payload) = 0;
    /// Registers a subscriber for every later publish. Thread safe.
    virtual void subscribe(subscriber s) = 0;
};

/// Delivers each publish to every subscriber synchronously on the caller's
/// thread, after the publisher's commit (the API publishes only then). All
/// subscribers share one payload object. Thread safe: publish and subscribe may
/// run concurrently; a subscriber added during a publish sees the next one.
/// An exception from a subscriber is caught, so the others still get the
/// event, and counted in `delivery_failures` when given (it must outlive the bus).
std::unique_ptr<bus> make_in_process_bus(core::counter* delivery_failures = nullptr);

}  // namespace chat::relay
