// A single-executor queue of upstream messages for one request (or one server stream):
// the producer never waits (a slow client cannot stall the upstream reader), the consumer
// awaits the next message. Not thread-safe by design: both sides run on one io_context.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <deque>
#include <optional>

#include "core/result.hpp"

namespace gatehouse::gateway {

namespace asio = boost::asio;

class MessageQueue {
 public:
  explicit MessageQueue(asio::any_io_executor ex) : wake_(ex) {
    wake_.expires_at(asio::steady_timer::time_point::max());
  }

  void push(boost::json::object message);
  // Ends the stream: after the queued messages, next() yields nullopt (ok) or the error.
  void close(Status status = {});
  bool closed() const { return closed_; }

  // The next message; nullopt when closed and drained; an error if closed with one;
  // Errc::timeout when `deadline` passes first.
  asio::awaitable<Result<std::optional<boost::json::object>>> next(
      asio::steady_timer::time_point deadline = asio::steady_timer::time_point::max());

 private:
  asio::steady_timer wake_;
  std::deque<boost::json::object> items_;
  Status end_;
  bool closed_ = false;
};

}  // namespace gatehouse::gateway
