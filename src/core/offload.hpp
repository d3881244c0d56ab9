#pragma once
// Runs blocking work (database, password hashing) on a thread pool and
// resumes the calling coroutine on its own executor, so an I/O thread never
// waits on the database. Exceptions thrown by `f` propagate to the caller.

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <type_traits>

namespace chat::core {

namespace detail {

// Not a coroutine lambda on purpose: g++ 12 mis-destroys the captures of a
// capturing lambda coroutine handed to co_spawn. A plain initiation is also
// cheaper: two posts, no extra coroutine frame.
template <class R, class F>
struct offload_initiation {
    boost::asio::thread_pool& pool;

    template <class Handler>
    void operator()(Handler handler, F f) const {
        boost::asio::post(pool, [handler = std::move(handler), f = std::move(f)]() mutable {
            std::exception_ptr failure;
            if constexpr (std::is_void_v<R>) {
                try {
                    f();
                } catch (...) {
                    failure = std::current_exception();
                }
                auto ex = boost::asio::get_associated_executor(handler);
                boost::asio::post(ex, [handler = std::move(handler), failure]() mutable {
                    std::move(handler)(failure);
                });
            } else {
                R result{};
                try {
                    result = f();
                } catch (...) {
                    failure = std::current_exception();
                }
                auto ex = boost::asio::get_associated_executor(handler);
                boost::asio::post(ex, [handler = std::move(handler), failure,
                                       result = std::move(result)]() mutable {
                    std::move(handler)(failure, std::move(result));
                });
            }
        });
    }
};

template <class R>
struct offload_signature {
    using type = void(std::exception_ptr, R);
};
template <>
struct offload_signature<void> {
    using type = void(std::exception_ptr);
};

}  // namespace detail

template <class F>
auto offload(boost::asio::thread_pool& pool, F f)
    -> boost::asio::awaitable<std::invoke_result_t<F&>> {
    using result = std::invoke_result_t<F&>;
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>,
                                       typename detail::offload_signature<result>::type>(
        detail::offload_initiation<result, F>{pool}, boost::asio::use_awaitable, std::move(f));
}

}  // namespace chat::core
