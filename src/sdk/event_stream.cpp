#include "sdk/event_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>

namespace gatehouse::sdk {

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kKeepAlive{15};
}  // namespace

std::string format_sse(const SseEvent& e) {
  std::string out;
  out.reserve(e.id.size() + e.data.size() + 32);
  if (!e.id.empty()) out.append("id: ").append(e.id).append("\n");
  out.append("event: message\ndata: ").append(e.data).append("\n\n");
  return out;
}

EventStream::EventStream(std::string id, bool with_ids, std::size_t max_events)
    : id_(std::move(id)), with_ids_(with_ids), max_events_(max_events) {}

void EventStream::push_locked(std::string data) {
  SseEvent e;
  if (with_ids_) e.id = id_ + "_" + std::to_string(++seq_);
  e.data = std::move(data);
  events_.push_back(std::move(e));
  while (events_.size() > max_events_) {
    events_.pop_front();
    ++base_;
  }
  wake_locked();
}

// Each event loop runs on one thread, so a waiter of this thread is not running now. A
// waiter registered under the lock and then suspended in async_wait without yielding in
// between, so a cancel run on its own executor always finds it waiting (or already woken).
void EventStream::wake_locked() {
  for (auto& w : waiters_) {
    if (w->thread == std::this_thread::get_id()) {
      w->timer.cancel();
    } else {
      asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
    }
  }
  waiters_.clear();
}

void EventStream::send(const json::object& message) {
  std::string data = json::serialize(message);
  std::lock_guard lock(mu_);
  if (done_) return;
  push_locked(std::move(data));
}

void EventStream::prime() {
  std::lock_guard lock(mu_);
  push_locked(std::string());
}

void EventStream::close_stream() {
  std::lock_guard lock(mu_);
  close_requested_ = true;
  wake_locked();
}

void EventStream::finish(const json::object& last) {
  std::string data = json::serialize(last);
  std::lock_guard lock(mu_);
  if (done_) return;
  push_locked(std::move(data));
  done_ = true;
}

void EventStream::finish() {
  std::lock_guard lock(mu_);
  done_ = true;
  wake_locked();
}

bool EventStream::done() const {
  std::lock_guard lock(mu_);
  return done_;
}

std::size_t EventStream::size() const {
  std::lock_guard lock(mu_);
  return base_ + events_.size();
}

std::optional<std::string> EventStream::sole_message(std::size_t skip) const {
  std::lock_guard lock(mu_);
  if (!done_ || base_ != 0 || events_.size() != skip + 1) return std::nullopt;
  for (std::size_t i = 0; i < skip; ++i) {
    if (!events_[i].data.empty()) return std::nullopt;
  }
  return events_.back().data;
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
  if (ec != std::errc() || p != num.data() + num.size() || n == 0) return std::nullopt;
  std::lock_guard lock(mu_);
  if (n > seq_) return std::nullopt;
  // Event n is at index n-1 (ids are dense); resume after it.
  if (n < base_) return std::nullopt;  // dropped: cannot replay faithfully
  return n;
}

bool EventStream::idle(std::size_t index) const {
  std::lock_guard lock(mu_);
  return index >= base_ + events_.size() && !done_ && !close_requested_;
}

bool EventStream::try_attach() {
  std::lock_guard lock(mu_);
  if (attached_) return false;
  attached_ = true;
  return true;
}

bool EventStream::attached() const {
  std::lock_guard lock(mu_);
  return attached_;
}

void EventStream::detach() {
  std::lock_guard lock(mu_);
  attached_ = false;
}

EventStream::Batch EventStream::take(std::size_t& index) {
  std::lock_guard lock(mu_);
  Batch b;
  if (index < base_) index = base_;
  for (; index < base_ + events_.size(); ++index) b.text += format_sse(events_[index - base_]);
  if (done_) b.stop = true;
  if (close_requested_) {
    close_requested_ = false;
    b.stop = true;
  }
  return b;
}

asio::awaitable<void> EventStream::wait(std::size_t index, std::chrono::milliseconds timeout) {
  auto w = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  {
    std::lock_guard lock(mu_);
    if (index < base_ + events_.size() || done_ || close_requested_) co_return;
    w->timer.expires_after(timeout);
    waiters_.push_back(w);
  }
  co_await w->timer.async_wait(kTuple);
  std::lock_guard lock(mu_);
  std::erase(waiters_, w);
}

asio::awaitable<void> EventStream::pump(net::Exchange& ex, std::size_t index, int retry_ms) {
  using namespace asio::experimental::awaitable_operators;
  auto writer = [&]() -> asio::awaitable<void> {
    if (retry_ms > 0) {
      if (!co_await ex.write_chunk("retry: " + std::to_string(retry_ms) + "\n\n")) co_return;
    }
    for (;;) {
      Batch b = take(index);
      // Everything ready goes out as one chunk: one write per wake-up, not per event.
      if (!b.text.empty() && !co_await ex.write_chunk(b.text)) co_return;
      if (b.stop) co_return;
      const std::size_t before = index;
      co_await wait(index, kKeepAlive);
      if (idle(before)) {
        if (!co_await ex.write_chunk(": keep-alive\n\n")) co_return;
      }
    }
  };
  co_await (writer() || ex.wait_peer_closed());
  detach();
  if (!ex.peer_closed()) co_await ex.end_stream();
}

}  // namespace gatehouse::sdk
