#include "gateway/sse_upstream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <map>

#include "core/log.hpp"
#include "gateway/gateway_config.hpp"
#include "gateway/message_queue.hpp"
#include "gateway/sse_parser.hpp"
#include "jsonrpc/json_writer.hpp"

namespace gatehouse::gateway {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kConnectTimeout = std::chrono::seconds(10);

struct Url {
  std::string host, port, target, host_header;
};

std::optional<Url> parse_url(std::string_view text) {
  auto u = boost::urls::parse_uri(text);
  if (!u || u->scheme() != "http") return std::nullopt;
  Url out;
  out.host = u->host_address();
  if (out.host.size() > 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  out.port = u->has_port() ? std::string(u->port()) : "80";
  out.target = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  if (u->has_query()) out.target += "?" + std::string(u->encoded_query());
  out.host_header = std::string(u->encoded_host_and_port());
  return out;
}

class RequestStream final : public MessageStream {
 public:
  RequestStream(std::function<void()> forget, std::shared_ptr<MessageQueue> q, Clock::time_point deadline)
      : forget_(std::move(forget)), queue_(std::move(q)), deadline_(deadline) {}
  ~RequestStream() override { forget_(); }
  asio::awaitable<Result<std::optional<json::object>>> next() override { co_return co_await queue_->next(deadline_); }

 private:
  std::function<void()> forget_;
  std::shared_ptr<MessageQueue> queue_;
  Clock::time_point deadline_;
};

class SseUpstream final : public Upstream, public std::enable_shared_from_this<SseUpstream> {
 public:
  SseUpstream(asio::any_io_executor ex, std::string target, HttpTarget spec, Url url)
      : ex_(ex), target_(std::move(target)), spec_(std::move(spec)), url_(std::move(url)) {}

  asio::awaitable<Result<std::unique_ptr<MessageStream>>> request(UpstreamCall call, json::object message) override {
    const auto deadline = Clock::now() + call.timeout;
    if (!co_await ensure_ready(deadline)) co_return fail(unavailable());
    if (auto* m = message.if_contains("method"); m && m->is_string() && m->get_string() == "initialize") {
      // The connection is initialized once, by the gateway: every session gets that answer.
      auto q = std::make_shared<MessageQueue>(ex_);
      json::value id = message.contains("id") ? message.at("id") : json::value(nullptr);
      q->push(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", *init_result_}});
      q->close();
      co_return std::unique_ptr<MessageStream>(new RequestStream([] {}, q, deadline));
    }
    auto [id, queue] = register_request(message);
    if (auto st = co_await post(message, call); !st.ok()) {
      pending_.erase(id);
      co_return fail(st.error());
    }
    auto self = shared_from_this();
    co_return std::unique_ptr<MessageStream>(
        new RequestStream([self, id = id] { self->pending_.erase(id); }, queue, deadline));
  }

  asio::awaitable<Status> send(UpstreamCall call, json::object message) override {
    if (!co_await ensure_ready(Clock::now() + call.timeout)) co_return fail(unavailable());
    // Initialization is the gateway's own (once per connection): a client's is not repeated.
    if (auto* m = message.if_contains("method"); m && m->is_string() && m->get_string() == "notifications/initialized")
      co_return Status{};
    co_return co_await post(message, call);
  }

  // A session's server stream (GET): what the target sends outside any request in flight.
  // The target's one SSE connection is shared by every session, so notifications go to every
  // listener and a request to the first one (someone must answer it).
  asio::awaitable<Result<std::unique_ptr<MessageStream>>> open_stream(UpstreamCall call) override {
    if (!co_await ensure_ready(Clock::now() + call.timeout)) co_return fail(unavailable());
    auto q = std::make_shared<MessageQueue>(ex_);
    std::erase_if(listeners_, [](const auto& w) { return w.expired(); });
    listeners_.push_back(q);
    co_return std::unique_ptr<MessageStream>(new RequestStream([] {}, q, Clock::time_point::max()));
  }

  asio::awaitable<Status> close_session(UpstreamCall) override { co_return Status{}; }

  std::optional<CachedInitialize> cached_initialize() const override {
    if (state_ != State::ready || !init_result_) return std::nullopt;
    return CachedInitialize{*init_result_};
  }

  void shutdown() override {
    stopping_ = true;
    if (stream_) stream_->close();
  }

 private:
  enum class State { down, connecting, ready };

  Error unavailable() const {
    return Error(Errc::unavailable, "target " + target_ + " is not connected", "upstream.down");
  }

  asio::awaitable<bool> ensure_ready(Clock::time_point deadline) {
    if (state_ == State::ready) co_return true;
    if (state_ == State::down && !stopping_) {
      state_ = State::connecting;
      asio::co_spawn(ex_, run(shared_from_this()), asio::detached);
    }
    asio::steady_timer t(ex_);
    while (state_ == State::connecting && Clock::now() < deadline) {
      t.expires_after(std::chrono::milliseconds(10));
      co_await t.async_wait(kTuple);
    }
    co_return state_ == State::ready;
  }

  // The GET stream for the connection's whole life: its first event names the endpoint,
  // then every message arrives here.
  static asio::awaitable<void> run(std::shared_ptr<SseUpstream> self) {
    auto status = co_await self->read_stream();
    self->state_ = State::down;
    self->init_result_.reset();
    self->endpoint_.clear();
    self->stream_.reset();
    if (!self->stopping_)
      log::warn("upstream.sse.disconnected", {{"target", self->target_}, {"detail", status.ok() ? "stream ended" : status.error().message}});
    self->fail_all(Error(Errc::unavailable, "target " + self->target_ + " disconnected", "upstream.down"));
  }

  asio::awaitable<Status> read_stream() {
    stream_ = std::make_shared<beast::tcp_stream>(ex_);
    auto stream = stream_;
    tcp::resolver resolver(ex_);
    auto [rec, results] = co_await resolver.async_resolve(url_.host, url_.port, kTuple);
    if (rec) co_return fail(Errc::unavailable, "cannot resolve: " + rec.message(), "upstream.io");
    stream->expires_after(spec_.connect_timeout);
    auto [cec, ep] = co_await stream->async_connect(results, kTuple);
    stream->expires_after(kConnectTimeout);  // the stream's answer head
    if (cec) co_return fail(Errc::unavailable, "unreachable: " + cec.message(), "upstream.io");
    http::request<http::empty_body> req{http::verb::get, url_.target, 11};
    req.set(http::field::host, url_.host_header);
    req.set(http::field::accept, "text/event-stream");
    req.set(http::field::user_agent, "gatehouse");
    for (const auto& [k, v] : spec_.headers) req.set(k, v);
    auto [wec, wn] = co_await http::async_write(*stream, req, kTuple);
    if (wec) co_return fail(Errc::unavailable, "write failed: " + wec.message(), "upstream.io");
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    auto [hec, hn] = co_await http::async_read_header(*stream, buffer, parser, kTuple);
    if (hec) co_return fail(Errc::unavailable, "read failed: " + hec.message(), "upstream.io");
    if (parser.get().result_int() != 200)
      co_return fail(Errc::unavailable, "GET answered " + std::to_string(parser.get().result_int()), "upstream.refused");
    stream->expires_never();
    SseParser sse;
    std::array<char, 16 * 1024> buf;
    for (;;) {
      auto& body = parser.get().body();
      body.data = buf.data();
      body.size = buf.size();
      auto [ec, n] = co_await http::async_read_some(*stream, buffer, parser, kTuple);
      if (ec == http::error::need_buffer) ec = {};
      const std::size_t got = buf.size() - body.size;
      std::vector<SseEvent> events;
      if (got > 0 && !sse.feed(std::string_view(buf.data(), got), events))
        co_return fail(Errc::unavailable, "oversized event", "upstream.too_large");
      for (auto& e : events) on_event(std::move(e));
      if (ec) co_return ec == http::error::end_of_stream ? Status{} : fail(Errc::unavailable, ec.message(), "upstream.io");
      if (parser.is_done()) co_return Status{};
    }
  }

  void on_event(SseEvent e) {
    if (e.event == "endpoint") {
      // A path (or a URL on the same origin) to POST messages to.
      std::string_view d = e.data;
      if (d.starts_with("http://")) {
        auto u = parse_url(d);
        if (!u || u->host_header != url_.host_header) {
          log::warn("upstream.sse.bad_endpoint", {{"target", target_}, {"endpoint", std::string(d)}});
          return;
        }
        endpoint_ = u->target;
      } else {
        endpoint_ = d.starts_with('/') ? std::string(d) : url_.target.substr(0, url_.target.rfind('/') + 1) + std::string(d);
      }
      asio::co_spawn(ex_, handshake(shared_from_this()), asio::detached);
      return;
    }
    if (e.event != "message" || e.data.empty()) return;
    boost::system::error_code ec;
    auto v = json::parse(e.data, ec);
    if (ec || !v.is_object()) {
      log::warn("upstream.bad_json", {{"target", target_}});
      return;
    }
    dispatch(std::move(v.get_object()));
  }

  // Built outside the coroutine: g++ 12 mishandles initializer lists in coroutine frames.
  static json::object initialize_message() {
    return json::object{{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"},
                        {"params", json::object{{"protocolVersion", "2024-11-05"},
                                                {"capabilities", json::object{}},
                                                {"clientInfo", json::object{{"name", "gatehouse"}, {"version", "0.1.0"}}}}}};
  }
  static json::object initialized_message() {
    return json::object{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}};
  }

  static asio::awaitable<void> handshake(std::shared_ptr<SseUpstream> self) {
    json::object init = initialize_message();
    auto registered = self->register_request(init);
    const std::int64_t id = registered.first;
    std::shared_ptr<MessageQueue> queue = registered.second;
    UpstreamCall call;
    Status st = co_await self->post(init, call);
    std::optional<json::object> answer;
    if (st.ok()) {
      auto r = co_await queue->next(Clock::now() + kConnectTimeout);
      if (r.ok() && r->has_value()) answer = std::move(**r);
    }
    self->pending_.erase(id);
    const json::object* result = nullptr;
    if (answer)
      if (auto* res = answer->if_contains("result"); res && res->is_object()) result = &res->get_object();
    if (!result) {
      log::error("upstream.sse.initialize_failed", {{"target", self->target_}});
      if (self->stream_) self->stream_->close();  // run() then marks the target down
      co_return;
    }
    self->init_result_ = *result;
    json::object initialized = initialized_message();
    (void)co_await self->post(initialized, call);
    self->state_ = State::ready;
    log::info("upstream.sse.connected", {{"target", self->target_}});
  }

  // One POST per message on its own connection (the answer arrives on the stream).
  asio::awaitable<Status> post(const json::object& message, const UpstreamCall& call) {
    if (endpoint_.empty()) co_return fail(unavailable());
    beast::tcp_stream s(ex_);
    tcp::resolver resolver(ex_);
    auto [rec, results] = co_await resolver.async_resolve(url_.host, url_.port, kTuple);
    if (rec) co_return fail(Errc::unavailable, "target " + target_ + " cannot be resolved", "upstream.io");
    s.expires_after(std::min(spec_.connect_timeout, call.timeout));
    auto [cec, ep] = co_await s.async_connect(results, kTuple);
    if (cec) co_return fail(Errc::unavailable, "target " + target_ + " is unreachable", "upstream.io");
    s.expires_after(call.timeout);
    http::request<http::string_body> req{http::verb::post, endpoint_, 11};
    req.set(http::field::host, url_.host_header);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::user_agent, "gatehouse");
    for (const auto& [k, v] : call.headers) req.set(k, v);
    for (const auto& [k, v] : spec_.headers) req.set(k, v);
    req.body() = jsonrpc::to_json(message);
    req.prepare_payload();
    auto [wec, wn] = co_await http::async_write(s, req, kTuple);
    if (wec) co_return fail(Errc::unavailable, "target " + target_ + " write failed", "upstream.io");
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    auto [hec, hn] = co_await http::async_read(s, buffer, res, kTuple);
    if (hec) co_return fail(Errc::unavailable, "target " + target_ + " read failed", "upstream.io");
    if (res.result_int() >= 300)
      co_return fail(Errc::unavailable, "target " + target_ + " refused the message: " + std::to_string(res.result_int()),
                     "upstream.refused");
    co_return Status{};
  }

  std::pair<std::int64_t, std::shared_ptr<MessageQueue>> register_request(json::object& message) {
    const std::int64_t id = next_id_++;
    Pending p;
    if (auto* d = message.if_contains("id")) p.downstream_id = *d;
    message["id"] = id;
    if (auto* params = message.if_contains("params"); params && params->is_object())
      if (auto* meta = params->as_object().if_contains("_meta"); meta && meta->is_object())
        if (auto* tok = meta->as_object().if_contains("progressToken")) {
          p.progress_token = *tok;
          *tok = id;
        }
    p.queue = std::make_shared<MessageQueue>(ex_);
    auto q = p.queue;
    pending_.emplace(id, std::move(p));
    return {id, q};
  }

  void dispatch(json::object message) {
    auto* method = message.if_contains("method");
    auto* id = message.if_contains("id");
    if (!method) {
      if (!id || !id->is_int64()) return;
      auto it = pending_.find(id->as_int64());
      if (it == pending_.end()) return;
      message["id"] = it->second.downstream_id;
      auto q = it->second.queue;
      pending_.erase(it);
      q->push(std::move(message));
      q->close();
      return;
    }
    if (!id && method->is_string() && method->get_string() == "notifications/progress") {
      if (auto* params = message.if_contains("params"); params && params->is_object())
        if (auto* tok = params->as_object().if_contains("progressToken"); tok && tok->is_int64()) {
          auto it = pending_.find(tok->as_int64());
          if (it != pending_.end()) {
            *tok = it->second.progress_token;
            it->second.queue->push(std::move(message));
          }
        }
      return;
    }
    deliver_unsolicited(std::move(message));
  }

  // A server request or notification. The transport does not say which request it belongs
  // to; as for stdio, the oldest request in flight is the best guess (exact when one is in
  // flight, the common case for sampling, elicitation or logging inside a tool call). List
  // changes and resource updates concern every session: they go to every server stream.
  void deliver_unsolicited(json::object message) {
    const auto* method = message.if_contains("method");
    const std::string name = method && method->is_string() ? std::string(method->get_string()) : "";
    const bool is_request = message.contains("id");
    const bool for_everyone = !is_request && (name.ends_with("/list_changed") || name == "notifications/resources/updated");
    if (!for_everyone && state_ == State::ready && !pending_.empty()) {
      pending_.begin()->second.queue->push(std::move(message));
      return;
    }
    std::erase_if(listeners_, [](const auto& w) { return w.expired(); });
    std::size_t delivered = 0;
    for (auto& w : listeners_) {
      auto q = w.lock();
      if (!q || q->closed()) continue;
      q->push(message);
      ++delivered;
      if (is_request) break;
    }
    if (delivered > 0) return;
    log::debug("upstream.sse.unrelayed", {{"target", target_}, {"method", name}});
    // A request nobody can answer gets an error, so the target does not wait for ever.
    if (is_request) {
      json::object error{{"code", -32603}, {"message", "no client connected to answer"}};
      json::object answer{{"jsonrpc", "2.0"}, {"id", message.at("id")}, {"error", std::move(error)}};
      asio::co_spawn(ex_, post_detached(shared_from_this(), std::move(answer)), asio::detached);
    }
  }

  static asio::awaitable<void> post_detached(std::shared_ptr<SseUpstream> self, json::object message) {
    UpstreamCall call;
    (void)co_await self->post(message, call);
  }

  void fail_all(const Error& e) {
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [id, p] : pending) p.queue->close(fail(e));
    // Server streams end too: their clients reconnect once the target is back.
    for (auto& w : listeners_)
      if (auto q = w.lock()) q->close(fail(e));
    listeners_.clear();
  }

  struct Pending {
    json::value downstream_id;
    json::value progress_token;
    std::shared_ptr<MessageQueue> queue;
  };

  asio::any_io_executor ex_;
  std::string target_;
  HttpTarget spec_;
  Url url_;
  State state_ = State::down;
  bool stopping_ = false;
  std::shared_ptr<beast::tcp_stream> stream_;
  std::string endpoint_;
  std::optional<json::object> init_result_;
  std::int64_t next_id_ = 1;
  std::map<std::int64_t, Pending> pending_;
  std::vector<std::weak_ptr<MessageQueue>> listeners_;  // sessions' server streams
};

}  // namespace

std::shared_ptr<Upstream> make_sse_upstream(asio::any_io_executor ex, std::string target, const HttpTarget& spec) {
  auto url = parse_url(spec.url);
  if (!url) {
    log::error("upstream.bad_url", {{"target", target}, {"url", spec.url}});
    return nullptr;
  }
  return std::make_shared<SseUpstream>(ex, std::move(target), spec, std::move(*url));
}

}  // namespace gatehouse::gateway
