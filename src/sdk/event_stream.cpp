#include "sdk/event_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

namespace gatehouse::sdk {

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kKeepAlive{15};
}  // namespace

std::string format_sse(const SseEvent& e) {
  std::string out;
  if (!e.id.empty()) out += "id: " + e.id + "\n";
  out += "event: message\ndata: " + e.data + "\n\n";
  return out;
}

EventStream::EventStream(asio::any_io_executor ex, std::string id, bool with_ids, std::size_t max_events)
    : id_(std::move(id)), with_ids_(with_ids), max_events_(max_events), signal_(ex) {}

void EventStream::push(std::string data) {
  SseEvent e;
  if (with_ids_) e.id = id_ + "_" + std::to_string(++seq_);
  e.data = std::move(data);
  events_.push_back(std::move(e));
  while (events_.size() > max_events_) {
    events_.pop_front();
    ++base_;
  }
  signal_.cancel();
}

void EventStream::send(const json::object& message) {
  if (done_) return;
  push(json::serialize(message));
}

void EventStream::prime() { push(std::string()); }

void EventStream::close_stream() {
  close_requested_ = true;
  signal_.cancel();
}

void EventStream::finish(const json::object& last) {
  if (done_) return;
  push(json::serialize(last));
  done_ = true;
}

void EventStream::finish() {
  done_ = true;
  signal_.cancel();
}

std::optional<std::size_t> EventStream::position_after(std::string_view event_id) const {
  std::string_view prefix = id_;
  if (event_id.size() <= prefix.size() + 1 || event_id.substr(0, prefix.size()) != prefix ||
      event_id[prefix.size()] != '_') {
    return std::nullopt;
  }
  std::string_view num = event_id.substr(prefix.size() + 1);
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
  if (ec != std::errc() || p != num.data() + num.size() || n == 0 || n > seq_) return std::nullopt;
  // Event n is at index n-1 (ids are dense); resume after it.
  if (n < base_) return std::nullopt;  // dropped: cannot replay faithfully
  return n;
}

const SseEvent* EventStream::at(std::size_t index) const {
  if (index < base_ || index >= base_ + events_.size()) return nullptr;
  return &events_[index - base_];
}

asio::awaitable<void> EventStream::wait(std::size_t index, std::chrono::milliseconds timeout) {
  if (index < size() || done_ || close_requested_) co_return;
  signal_.expires_after(timeout);
  co_await signal_.async_wait(kTuple);
}

asio::awaitable<void> EventStream::pump(net::Exchange& ex, std::size_t index, int retry_ms) {
  using namespace asio::experimental::awaitable_operators;
  attached = true;
  if (retry_ms > 0) {
    if (!co_await ex.write_chunk("retry: " + std::to_string(retry_ms) + "\n\n")) {
      attached = false;
      co_return;
    }
  }
  auto writer = [&]() -> asio::awaitable<void> {
    for (;;) {
      if (index < base_) index = base_;
      while (index < size()) {
        const SseEvent* e = at(index++);
        if (!co_await ex.write_chunk(format_sse(*e))) co_return;
      }
      if (done_ || take_close_request()) co_return;
      co_await wait(index, kKeepAlive);
      if (index >= size() && !done_ && !close_requested_) {
        if (!co_await ex.write_chunk(": keep-alive\n\n")) co_return;
      }
    }
  };
  co_await (writer() || ex.wait_peer_closed());
  attached = false;
  if (!ex.peer_closed()) co_await ex.end_stream();
}

}  // namespace gatehouse::sdk
