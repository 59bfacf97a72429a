// One SSE stream's events, kept so a client can resume with Last-Event-ID (bounded), and
// the loop that writes them to an HTTP exchange as they come. A stream outlives the HTTP
// response that carried it: when the client drops the connection, the request keeps
// running and its events wait here for a GET with Last-Event-ID. Thread-safe: with several
// HTTP threads the request runs on its session's thread while another thread writes the
// response, so the events sit behind a mutex and a waiter is woken on its own executor.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/http_server.hpp"
#include "sdk/session.hpp"

namespace gatehouse::sdk {

struct SseEvent {
  std::string id{};    // empty: no id line
  std::string data{};  // one JSON-RPC message, or empty for the priming event
};

class EventStream : public Outbound {
 public:
  // `id` prefixes event ids ("<id>_<n>"); with_ids false: events carry no id.
  EventStream(std::string id, bool with_ids, std::size_t max_events = 1000);

  const std::string& id() const { return id_; }
  // Outbound: queue one message as an event.
  void send(const json::object& message) override;
  void close_stream() override;
  // An event with an id and no data, so a client can resume before the first message.
  void prime();
  // The final message went in: the stream ends once it is written.
  void finish(const json::object& last);
  void finish();
  bool done() const;

  // The index of the event after `event_id`; nullopt if unknown (or already dropped).
  std::optional<std::size_t> position_after(std::string_view event_id) const;
  std::size_t size() const;
  // When the stream is done and holds exactly `skip` priming events then one message:
  // that message (the request's whole answer, which can go back as plain JSON).
  std::optional<std::string> sole_message(std::size_t skip) const;

  // One HTTP response at a time writes a stream: false when another one already does.
  bool try_attach();
  void detach();
  bool attached() const;

  // Waits (on the caller's executor) until an event arrives after `index`, the stream
  // finishes or is closed by the server, or `timeout`.
  asio::awaitable<void> wait(std::size_t index, std::chrono::milliseconds timeout);

  // Writes events from `index` on to `ex` (whose stream has begun) until the stream is
  // done, closed by the server, or the client leaves. `retry_ms` > 0: sent first.
  // The caller attached the stream (try_attach); pump detaches it.
  asio::awaitable<void> pump(net::Exchange& ex, std::size_t index, int retry_ms = 0);

 private:
  struct Waiter {
    explicit Waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}
    asio::steady_timer timer;
    std::thread::id thread = std::this_thread::get_id();
  };
  // What the writer takes in one go: formatted events and whether to stop after them.
  struct Batch {
    std::string text;
    bool stop = false;
  };

  void push_locked(std::string data);
  void wake_locked();
  Batch take(std::size_t& index);
  // Nothing after `index`, and the stream neither done nor asked to close.
  bool idle(std::size_t index) const;

  const std::string id_;
  const bool with_ids_;
  const std::size_t max_events_;
  mutable std::mutex mu_;
  std::size_t base_ = 0;  // index of events_.front()
  std::size_t seq_ = 0;
  std::deque<SseEvent> events_;
  bool done_ = false;
  bool close_requested_ = false;
  bool attached_ = false;
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

// "id: ..\nevent: message\ndata: ..\n\n".
std::string format_sse(const SseEvent& e);

}  // namespace gatehouse::sdk
