// What one client connection remembers, whatever the transport: the negotiated version and
// client capabilities, the log level, resource subscriptions, requests in flight (so
// notifications/cancelled can reach them) and the server-to-client requests awaiting an
// answer. Everything runs on one executor, so nothing here locks.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/result.hpp"
#include "mcp/protocol.hpp"

namespace gatehouse::sdk {

namespace asio = boost::asio;
namespace json = boost::json;

// Where messages that belong to one exchange go (a request's SSE stream, stdout, the
// legacy SSE stream). send() queues and never blocks.
class Outbound {
 public:
  virtual ~Outbound() = default;
  virtual void send(const json::object& message) = 0;
  // SEP-1699 polling: end the HTTP stream now; the client reconnects with Last-Event-ID.
  virtual void close_stream() {}
};

// A request being served: its cancellation flag.
struct InFlight {
  bool cancelled = false;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::any_io_executor ex, mcp::Era era) : ex_(std::move(ex)), era_(era) {}

  const std::string& id() const { return id_; }
  void set_id(std::string id) { id_ = std::move(id); }
  mcp::Era era() const { return era_; }
  asio::any_io_executor executor() const { return ex_; }

  std::string protocol_version;
  json::object client_capabilities;
  json::object client_info;
  bool initialized = false;
  std::optional<int> log_threshold;  // index into the level list; none: send everything
  std::set<std::string> subscriptions;
  // For notifications not tied to a request (resources/updated, list_changed).
  std::shared_ptr<Outbound> general;

  // Requests in flight, keyed by their serialized id.
  std::shared_ptr<InFlight> begin_request(const json::value& id);
  void end_request(const json::value& id);
  void cancel(const json::value& id);

  // Sends a request to the client through `out` and waits for its answer (or `timeout`).
  asio::awaitable<Result<json::value>> request(Outbound& out, std::string_view method, json::object params,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // A response or error from the client; false when no request waits for that id.
  bool resolve(const json::value& id, Result<json::value> answer);

  // Closes: pending server-to-client requests fail, in-flight requests are cancelled.
  void close();
  bool closed() const { return closed_; }

 private:
  struct Pending {
    explicit Pending(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer;
    std::optional<Result<json::value>> answer;
  };

  asio::any_io_executor ex_;
  mcp::Era era_;
  std::string id_;
  bool closed_ = false;
  std::int64_t next_id_ = 0;
  std::map<std::string, std::shared_ptr<Pending>> pending_;
  std::map<std::string, std::shared_ptr<InFlight>> in_flight_;
};

// "debug" .. "emergency" as an index (RFC 5424 order), or nullopt.
std::optional<int> log_level_index(std::string_view level);

}  // namespace gatehouse::sdk
