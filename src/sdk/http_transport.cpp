#include "sdk/http_transport.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/rand.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

#include "core/log.hpp"
#include "sdk/event_stream.hpp"
#include "sdk/http_util.hpp"

namespace gatehouse::sdk {

namespace http = net::http;
using httpu::header;
using httpu::rpc_error;

std::string random_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // no entropy: cannot mint safe ids
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

namespace {

constexpr std::int64_t kServerError = -32000;
constexpr std::int64_t kSessionNotFound = -32001;
constexpr int kRetryMs = 1000;
constexpr std::size_t kMaxStreamsPerSession = 64;
constexpr std::chrono::milliseconds kJsonGrace{50};
constexpr std::chrono::seconds kMinIdleToEvict{60};

// A 2025-era session over HTTP: the protocol state plus its SSE streams (one per POSTed
// request, and the standalone GET stream), kept for Last-Event-ID resumption. The session
// runs on the thread that initialized it (its executor); requests reach it from any HTTP
// thread, so the stream table has its own lock.
struct HttpSession {
  using Clock = std::chrono::steady_clock;

  std::shared_ptr<Session> session;
  std::shared_ptr<EventStream> standalone;
  std::atomic<Clock::rep> last_used{Clock::now().time_since_epoch().count()};
  std::mutex mu;
  std::map<std::string, std::shared_ptr<EventStream>> streams;
  std::deque<std::string> order;  // stream ids, oldest first, to bound the log
  std::size_t next_stream = 0;

  std::shared_ptr<EventStream> new_stream(std::size_t max_events) {
    std::lock_guard lock(mu);
    auto s = std::make_shared<EventStream>(std::to_string(++next_stream), true, max_events);
    streams[s->id()] = s;
    order.push_back(s->id());
    // Drop the oldest finished streams; a live request's stream is kept (moved to the back).
    for (std::size_t budget = order.size(); order.size() > kMaxStreamsPerSession && budget > 0; --budget) {
      std::string oldest = std::move(order.front());
      order.pop_front();
      auto it = streams.find(oldest);
      if (it == streams.end()) continue;
      if (!it->second->done()) {
        order.push_back(std::move(oldest));
        continue;
      }
      streams.erase(it);
    }
    return s;
  }

  void touch() { last_used.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed); }
  Clock::duration idle(Clock::time_point now) const {
    return now - Clock::time_point(Clock::duration(last_used.load(std::memory_order_relaxed)));
  }
  // A request still running or a stream being read: the client is there.
  bool busy() {
    if (standalone->attached()) return true;
    std::lock_guard lock(mu);
    for (auto& [id, s] : streams) {
      if (!s->done() || s->attached()) return true;
    }
    return false;
  }

  // A stream answered as plain JSON has nothing to resume.
  void drop(const std::string& stream_id) {
    std::lock_guard lock(mu);
    streams.erase(stream_id);  // its id leaves `order` when it reaches the front
  }

  // The stream holding event `event_id` and the index after it.
  std::pair<std::shared_ptr<EventStream>, std::size_t> find_event(std::string_view event_id) {
    std::lock_guard lock(mu);
    for (auto& [id, s] : streams) {
      if (auto pos = s->position_after(event_id)) return {s, *pos};
    }
    if (auto pos = standalone->position_after(event_id)) return {standalone, *pos};
    return {nullptr, 0};
  }

  // On the session's executor.
  void close() {
    session->close();
    std::lock_guard lock(mu);
    for (auto& [id, s] : streams) s->finish();
    standalone->finish();
  }
};

class StreamableHttp {
 public:
  StreamableHttp(Server& server, HttpOptions options) : server_(server), options_(std::move(options)) {}

  asio::awaitable<void> serve(net::Exchange& ex) {
    const auto& req = ex.request();
    std::string_view target = req.target();
    if (target.substr(0, target.find('?')) != options_.path) {
      co_await ex.respond(rpc_error(req, 404, kServerError, "Not Found"));
      co_return;
    }
    if (auto host = header(req, "host"); !host || !mcp::host_allowed(options_.origins, *host)) {
      co_await ex.respond(rpc_error(req, 403, kServerError, "Forbidden: Host not allowed"));
      co_return;
    }
    if (auto origin = header(req, "origin"); origin && !mcp::origin_allowed(options_.origins, *origin)) {
      co_await ex.respond(rpc_error(req, 403, kServerError, "Forbidden origin"));
      co_return;
    }
    switch (req.method()) {
      case http::verb::post: co_await post(ex); break;
      case http::verb::get: co_await get(ex); break;
      case http::verb::delete_: co_await del(ex); break;
      default: {
        auto res = rpc_error(req, 405, kServerError, "Method Not Allowed");
        res.set(http::field::allow, "GET, POST, DELETE");
        co_await ex.respond(std::move(res));
      }
    }
  }

 private:
  // Finds the session named by Mcp-Session-Id: 400 when absent, 404 when unknown.
  std::shared_ptr<HttpSession> find_session(const net::Request& req, net::Response& error) {
    auto sid = header(req, "mcp-session-id");
    if (!sid) {
      error = rpc_error(req, 400, kServerError, "Bad Request: Mcp-Session-Id header is required");
      return nullptr;
    }
    std::lock_guard lock(mu_);
    auto it = sessions_.find(*sid);
    if (it == sessions_.end()) {
      error = rpc_error(req, 404, kSessionNotFound, "Session not found");
      return nullptr;
    }
    it->second->touch();
    return it->second;
  }

  // Sessions a client abandoned without DELETE: closed once idle for the configured time
  // (looked at, at most every tenth of it, when a session opens); at the cap, the least
  // recently used one idle for a minute makes room. Busy sessions are never closed.
  // Returns false when the cap is reached and nothing can go.
  bool make_room() {
    const auto now = HttpSession::Clock::now();
    std::vector<std::shared_ptr<HttpSession>> closed;
    bool room = true;
    {
      std::lock_guard lock(mu_);
      const auto idle_limit = options_.session_idle_timeout;
      if (now - last_sweep_ >= idle_limit / 10 || sessions_.size() >= options_.max_sessions) {
        last_sweep_ = now;
        std::erase_if(sessions_, [&](const auto& kv) {
          if (kv.second->idle(now) < idle_limit || kv.second->busy()) return false;
          closed.push_back(kv.second);
          return true;
        });
      }
      if (sessions_.size() >= options_.max_sessions) {
        std::shared_ptr<HttpSession> lru;
        for (auto& [id, hs] : sessions_) {
          if (hs->idle(now) < kMinIdleToEvict || hs->busy()) continue;
          if (!lru || hs->idle(now) > lru->idle(now)) lru = hs;
        }
        if (lru) {
          sessions_.erase(lru->session->id());
          closed.push_back(lru);
        } else {
          room = false;
        }
      }
    }
    for (auto& hs : closed) {
      log::info("sdk.session_expired", {{"session", hs->session->id()}});
      asio::post(hs->session->executor(), [hs] { hs->close(); });
    }
    return room;
  }

  asio::awaitable<void> post(net::Exchange& ex) {
    const auto& req = ex.request();
    if (httpu::media_type(header(req, "content-type").value_or("")) != "application/json") {
      co_await ex.respond(rpc_error(req, 415, kServerError, "Unsupported Media Type: Content-Type must be application/json"));
      co_return;
    }
    auto accept = header(req, "accept").value_or("");
    if (!httpu::accepts(accept, "application/json") || !httpu::accepts(accept, "text/event-stream")) {
      co_await ex.respond(rpc_error(req, 406, kServerError,
                                    "Not Acceptable: Accept must list application/json and text/event-stream"));
      co_return;
    }
    boost::system::error_code ec;
    json::value body = json::parse(req.body(), ec);
    if (ec) {
      co_await ex.respond(rpc_error(req, 400, jsonrpc::kParseError, "Parse error: invalid JSON"));
      co_return;
    }
    auto msg = jsonrpc::from_value(body);
    if (!msg.ok()) {
      co_await ex.respond(rpc_error(req, 400, jsonrpc::kInvalidRequest, msg.error().message, jsonrpc::id_of(body)));
      co_return;
    }
    mcp::RequestHeaders h{header(req, "mcp-protocol-version"), header(req, "mcp-method"), header(req, "mcp-name")};
    if (mcp::classify(h, body) == mcp::Era::modern) {
      co_await post_modern(ex, h, std::move(msg).value());
    } else {
      co_await post_session(ex, h, std::move(msg).value());
    }
  }

  // --- 2025 session era ---------------------------------------------------------------

  asio::awaitable<void> post_session(net::Exchange& ex, const mcp::RequestHeaders& h, jsonrpc::Message m) {
    const auto& req = ex.request();
    if (h.protocol_version && !mcp::is_session_version(*h.protocol_version)) {
      co_await ex.respond(rpc_error(req, 400, kServerError,
                                    "Bad Request: Unsupported protocol version: " + *h.protocol_version, m.id));
      co_return;
    }
    if (m.is_request() && m.method == "initialize") {
      if (header(req, "mcp-session-id")) {
        co_await ex.respond(rpc_error(req, 400, jsonrpc::kInvalidRequest, "Bad Request: session already initialized", m.id));
        co_return;
      }
      co_await initialize(ex, std::move(m));
      co_return;
    }
    net::Response error;
    auto hs = find_session(req, error);
    if (!hs) {
      co_await ex.respond(std::move(error));
      co_return;
    }
    // Everything touching the session runs on its executor (posted in arrival order).
    auto session_ex = hs->session->executor();
    if (!m.is_request()) {
      asio::co_spawn(
          session_ex,
          [&server = server_, session = hs->session, out = hs->standalone, m = std::move(m)]() mutable
          -> asio::awaitable<void> { co_await server.handle(session, std::move(m), out); },
          asio::detached);
      co_await ex.respond(httpu::empty_response(req, 202));
      co_return;
    }
    auto stream = hs->new_stream(options_.max_events_per_stream);
    bool resumable = hs->session->protocol_version >= "2025-11-25";
    if (resumable) stream->prime();
    asio::co_spawn(
        session_ex,
        [&server = server_, session = hs->session, stream, m = std::move(m)]() mutable -> asio::awaitable<void> {
          auto reply = co_await server.handle(session, std::move(m), stream);
          if (reply) stream->finish(*reply);
          else stream->finish();
        },
        asio::detached);
    // Let the handler run first: a request answered at once with nothing before its result
    // (most tool calls) goes back as plain JSON, which the spec allows and costs less than
    // a stream. Anything slower or chattier streams as SSE (with the priming event).
    co_await asio::post(ex.executor(), asio::use_awaitable);
    if (session_ex != ex.executor() && !stream->done()) {
      // The session lives on another thread: its turn may not have come yet. Give it a
      // moment (bounded, so a slow request still starts its stream promptly).
      co_await stream->wait(resumable ? 1 : 0, kJsonGrace);
    }
    if (auto sole = stream->sole_message(resumable ? 1 : 0)) {
      hs->drop(stream->id());
      auto res = httpu::json_text_response(req, 200, std::move(*sole));
      res.set("mcp-session-id", hs->session->id());
      co_await ex.respond(std::move(res));
      co_return;
    }
    stream->try_attach();  // a fresh stream: nobody else writes it
    auto head = httpu::sse_head(req);
    head.set("mcp-session-id", hs->session->id());
    if (!co_await ex.begin_stream(std::move(head))) {
      stream->detach();
      co_return;
    }
    co_await stream->pump(ex, 0, resumable ? kRetryMs : 0);
  }

  asio::awaitable<void> initialize(net::Exchange& ex, jsonrpc::Message m) {
    const auto& req = ex.request();
    if (!make_room()) {
      co_await ex.respond(rpc_error(req, 503, kServerError, "Too many sessions", m.id));
      co_return;
    }
    auto hs = std::make_shared<HttpSession>();
    hs->session = std::make_shared<Session>(ex.executor(), mcp::Era::session);
    hs->session->set_id(random_id());
    hs->standalone = std::make_shared<EventStream>("0", true, options_.max_events_per_stream);
    hs->session->general = hs->standalone;
    auto reply = co_await server_.handle(hs->session, std::move(m), hs->standalone);
    if (!reply) co_return;  // cannot happen for a request
    bool ok = reply->contains("result");
    if (ok) {
      {
        std::lock_guard lock(mu_);
        sessions_[hs->session->id()] = hs;
      }
      server_.track(hs->session);
      log::info("sdk.session_open", {{"session", hs->session->id()}, {"version", hs->session->protocol_version}});
    }
    auto res = httpu::json_response(req, 200, *reply);
    if (ok) res.set("mcp-session-id", hs->session->id());
    co_await ex.respond(std::move(res));
  }

  asio::awaitable<void> get(net::Exchange& ex) {
    const auto& req = ex.request();
    if (!httpu::accepts(header(req, "accept").value_or(""), "text/event-stream")) {
      co_await ex.respond(rpc_error(req, 406, kServerError, "Not Acceptable: Accept must list text/event-stream"));
      co_return;
    }
    net::Response error;
    auto hs = find_session(req, error);
    if (!hs) {
      co_await ex.respond(std::move(error));
      co_return;
    }
    std::shared_ptr<EventStream> stream = hs->standalone;
    std::size_t from = stream->size();
    if (auto last = header(req, "last-event-id")) {
      std::tie(stream, from) = hs->find_event(*last);
      if (!stream) {
        co_await ex.respond(rpc_error(req, 404, kServerError, "Unknown Last-Event-ID"));
        co_return;
      }
    }
    if (!stream->try_attach()) {
      co_await ex.respond(rpc_error(req, 409, kServerError, "Conflict: this stream is already being read"));
      co_return;
    }
    auto head = httpu::sse_head(req);
    head.set("mcp-session-id", hs->session->id());
    if (!co_await ex.begin_stream(std::move(head))) {
      stream->detach();
      co_return;
    }
    co_await stream->pump(ex, from);
  }

  asio::awaitable<void> del(net::Exchange& ex) {
    const auto& req = ex.request();
    net::Response error;
    auto hs = find_session(req, error);
    if (!hs) {
      co_await ex.respond(std::move(error));
      co_return;
    }
    {
      std::lock_guard lock(mu_);
      sessions_.erase(hs->session->id());
    }
    asio::post(hs->session->executor(), [hs] { hs->close(); });
    log::info("sdk.session_closed", {{"session", hs->session->id()}});
    co_await ex.respond(httpu::empty_response(req, 200));
  }

  // --- 2026-07-28 stateless era ---------------------------------------------------------

  asio::awaitable<void> post_modern(net::Exchange& ex, const mcp::RequestHeaders& h, jsonrpc::Message m) {
    const auto& req = ex.request();
    if (!m.is_request()) {
      // Notifications and responses have no state to reach in a stateless era.
      co_await ex.respond(httpu::empty_response(req, 202));
      co_return;
    }
    if (auto rejected = mcp::check_modern_request(h, m)) {
      co_await ex.respond(rpc_error(req, static_cast<unsigned>(rejected->http_status), rejected->code,
                                    rejected->message, m.id, rejected->data));
      co_return;
    }
    auto session = std::make_shared<Session>(ex.executor(), mcp::Era::modern);
    const auto& meta = m.params_object().at("_meta").as_object();
    if (const auto* caps = meta.if_contains(mcp::kMetaClientCapabilities); caps && caps->is_object()) {
      session->client_capabilities = caps->get_object();
    }
    session->protocol_version = std::string(mcp::kModernVersion);
    auto stream = std::make_shared<EventStream>("m", false);
    asio::co_spawn(
        ex.executor(),
        [&server = server_, session, stream, m = std::move(m)]() mutable -> asio::awaitable<void> {
          auto reply = co_await server.handle(session, std::move(m), stream);
          if (reply) stream->finish(*reply);
          else stream->finish();
        },
        asio::detached);
    // Answer with plain JSON unless something comes before the result (then SSE). Most
    // handlers finish on their first run: give it that turn before arming a wait.
    co_await asio::post(ex.executor(), asio::use_awaitable);
    while (stream->size() == 0 && !stream->done()) co_await stream->wait(0, std::chrono::hours(1));
    if (auto sole = stream->sole_message(0)) {
      unsigned status = 200;
      if (sole->find("\"error\"") != std::string::npos) {
        json::object reply = json::parse(*sole).as_object();
        if (const auto* e = reply.if_contains("error")) {
          if (e->as_object().at("code").to_number<std::int64_t>() == jsonrpc::kMethodNotFound) status = 404;
        }
      }
      co_await ex.respond(httpu::json_text_response(req, status, std::move(*sole)));
      co_return;
    }
    stream->try_attach();
    if (!co_await ex.begin_stream(httpu::sse_head(req))) {
      session->close();
      co_return;
    }
    co_await stream->pump(ex, 0);
    // 2026-07-28: closing the response stream cancels the request.
    if (!stream->done()) session->close();
  }

  Server& server_;
  HttpOptions options_;
  std::mutex mu_;  // sessions_: every HTTP thread looks sessions up
  std::map<std::string, std::shared_ptr<HttpSession>> sessions_;
  HttpSession::Clock::time_point last_sweep_ = HttpSession::Clock::now();
};

// --- legacy HTTP+SSE (2024-11-05) ------------------------------------------------------

class LegacySse {
 public:
  LegacySse(Server& server, HttpOptions options) : server_(server), options_(std::move(options)) {}

  asio::awaitable<void> serve(net::Exchange& ex) {
    const auto& req = ex.request();
    std::string_view target = req.target();
    std::string_view path = target.substr(0, target.find('?'));
    if (auto host = header(req, "host"); !host || !mcp::host_allowed(options_.origins, *host)) {
      co_await ex.respond(rpc_error(req, 403, kServerError, "Forbidden: Host not allowed"));
      co_return;
    }
    if (auto origin = header(req, "origin"); origin && !mcp::origin_allowed(options_.origins, *origin)) {
      co_await ex.respond(rpc_error(req, 403, kServerError, "Forbidden origin"));
      co_return;
    }
    if (req.method() == http::verb::get && path == "/sse") co_await open(ex);
    else if (req.method() == http::verb::post && path == "/messages") co_await message(ex, target);
    else co_await ex.respond(rpc_error(req, 404, kServerError, "Not Found"));
  }

 private:
  asio::awaitable<void> open(net::Exchange& ex) {
    const auto& req = ex.request();
    auto session = std::make_shared<Session>(ex.executor(), mcp::Era::session);
    session->set_id(random_id());
    auto stream = std::make_shared<EventStream>("0", false, options_.max_events_per_stream);
    session->general = stream;
    {
      std::lock_guard lock(mu_);
      if (sessions_.size() >= options_.max_sessions) {
        session = nullptr;
      } else {
        sessions_[session->id()] = {session, stream};
      }
    }
    if (!session) {
      co_await ex.respond(rpc_error(req, 503, kServerError, "Too many sessions"));
      co_return;
    }
    server_.track(session);
    stream->try_attach();
    if (co_await ex.begin_stream(httpu::sse_head(req)) &&
        co_await ex.write_chunk("event: endpoint\ndata: /messages?sessionId=" + session->id() + "\n\n")) {
      co_await stream->pump(ex, 0);
    }
    {
      std::lock_guard lock(mu_);
      sessions_.erase(session->id());
    }
    session->close();
  }

  asio::awaitable<void> message(net::Exchange& ex, std::string_view target) {
    const auto& req = ex.request();
    std::string sid;
    if (auto q = target.find("sessionId="); q != std::string_view::npos) {
      sid = std::string(target.substr(q + 10, target.find('&', q) - (q + 10)));
    }
    std::shared_ptr<Session> session;
    std::shared_ptr<EventStream> stream;
    {
      std::lock_guard lock(mu_);
      if (auto it = sessions_.find(sid); it != sessions_.end()) std::tie(session, stream) = it->second;
    }
    if (!session) {
      co_await ex.respond(rpc_error(req, 404, kSessionNotFound, "Session not found"));
      co_return;
    }
    auto msg = jsonrpc::parse(req.body());
    if (!msg.ok()) {
      co_await ex.respond(rpc_error(req, 400, jsonrpc_code(msg.error().code), msg.error().message));
      co_return;
    }
    asio::co_spawn(
        session->executor(),
        [&server = server_, session, stream, m = std::move(msg).value()]() mutable -> asio::awaitable<void> {
          auto reply = co_await server.handle(session, std::move(m), stream);
          if (reply) stream->send(*reply);
        },
        asio::detached);
    auto res = httpu::empty_response(req, 202);
    res.body() = "Accepted";
    co_await ex.respond(std::move(res));
  }

  Server& server_;
  HttpOptions options_;
  std::mutex mu_;
  std::map<std::string, std::pair<std::shared_ptr<Session>, std::shared_ptr<EventStream>>> sessions_;
};

}  // namespace

net::Handler streamable_http_handler(Server& server, HttpOptions options) {
  auto impl = std::make_shared<StreamableHttp>(server, std::move(options));
  return [impl](net::Exchange& ex) { return impl->serve(ex); };
}

net::Handler legacy_sse_handler(Server& server, HttpOptions options) {
  auto impl = std::make_shared<LegacySse>(server, std::move(options));
  return [impl](net::Exchange& ex) { return impl->serve(ex); };
}

}  // namespace gatehouse::sdk
