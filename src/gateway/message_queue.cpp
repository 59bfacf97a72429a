#include "gateway/message_queue.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gatehouse::gateway {

void MessageQueue::push(boost::json::object message) {
  if (closed_) return;
  items_.push_back(std::move(message));
  wake_.cancel();
}

void MessageQueue::close(Status status) {
  if (closed_) return;
  closed_ = true;
  end_ = std::move(status);
  wake_.cancel();
}

asio::awaitable<Result<std::optional<boost::json::object>>> MessageQueue::next(
    asio::steady_timer::time_point deadline) {
  for (;;) {
    if (!items_.empty()) {
      auto m = std::move(items_.front());
      items_.pop_front();
      co_return std::optional<boost::json::object>(std::move(m));
    }
    if (closed_) {
      if (!end_.ok()) co_return end_.propagate();
      co_return std::optional<boost::json::object>();
    }
    if (asio::steady_timer::clock_type::now() >= deadline)
      co_return fail(Errc::timeout, "the target did not answer in time", "upstream.timeout");
    wake_.expires_at(deadline);
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    // A wake-up is either push/close (loop again) or the awaiting operation being cancelled
    // (e.g. the downstream stream closed): then stop waiting.
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none)
      co_return fail(Errc::unavailable, "cancelled", "stream.cancelled");
  }
}

}  // namespace gatehouse::gateway
