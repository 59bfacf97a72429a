// One SSE stream's events, kept so a client can resume with Last-Event-ID (bounded), and
// the loop that writes them to an HTTP exchange as they come. A stream outlives the HTTP
// response that carried it: when the client drops the connection, the request keeps
// running and its events wait here for a GET with Last-Event-ID.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>

#include "net/http_server.hpp"
#include "sdk/session.hpp"

namespace gatehouse::sdk {

struct SseEvent {
  std::string id;    // empty: no id line
  std::string data;  // one JSON-RPC message, or empty for the priming event
};

class EventStream : public Outbound {
 public:
  // `id` prefixes event ids ("<id>_<n>"); with_ids false: events carry no id.
  EventStream(asio::any_io_executor ex, std::string id, bool with_ids, std::size_t max_events = 1000);

  const std::string& id() const { return id_; }
  // Outbound: queue one message as an event.
  void send(const json::object& message) override;
  void close_stream() override;
  // An event with an id and no data, so a client can resume before the first message.
  void prime();
  // The final message went in: the stream ends once it is written.
  void finish(const json::object& last);
  void finish();
  bool done() const { return done_; }

  // The index of the event after `event_id`; nullopt if unknown (or already dropped).
  std::optional<std::size_t> position_after(std::string_view event_id) const;
  std::size_t size() const { return base_ + events_.size(); }
  const SseEvent* at(std::size_t index) const;

  bool attached = false;  // an HTTP response is writing this stream now

  // Waits until an event arrives after `index`, the stream finishes, or `timeout`.
  asio::awaitable<void> wait(std::size_t index, std::chrono::milliseconds timeout);

  // Writes events from `index` on to `ex` (whose stream has begun) until the stream is
  // done, closed by the server, or the client leaves. `retry_ms` > 0: sent first.
  asio::awaitable<void> pump(net::Exchange& ex, std::size_t index, int retry_ms = 0);

  bool take_close_request() {
    bool r = close_requested_;
    close_requested_ = false;
    return r;
  }

 private:
  void push(std::string data);

  std::string id_;
  bool with_ids_;
  std::size_t max_events_;
  std::size_t base_ = 0;  // index of events_.front()
  std::size_t seq_ = 0;
  std::deque<SseEvent> events_;
  bool done_ = false;
  bool close_requested_ = false;
  asio::steady_timer signal_;
};

// "id: ..\nevent: message\ndata: ..\n\n".
std::string format_sse(const SseEvent& e);

}  // namespace gatehouse::sdk
