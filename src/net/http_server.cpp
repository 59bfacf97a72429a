// HttpServer: listeners (one acceptor per io_context, SO_REUSEPORT when several), the
// accept loops, and the lifecycle (run, start, drain, stop). Connections: connection.cpp.
#include "net/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "core/log.hpp"
#include "net/connection.hpp"

namespace gatehouse::net {
namespace {

using boost::system::error_code;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

Result<asio::ip::address> parse_address(const std::string& text) {
  // Literal addresses only (no resolver on the listen path); "localhost" as a convenience.
  if (text == "localhost") return asio::ip::address(asio::ip::address_v4::loopback());
  error_code ec;
  auto addr = asio::ip::make_address(text, ec);
  if (ec) return fail(Errc::invalid_config, "listen address is not an IP literal: " + text, "net.listen_address");
  return addr;
}

Status open_acceptor(asio::ip::tcp::acceptor& a, const asio::ip::tcp::endpoint& ep, bool reuse_port) {
  error_code ec;
  auto where = [&] { return ep.address().to_string() + " port " + std::to_string(ep.port()); };
  if (a.open(ep.protocol(), ec); ec) return fail(Errc::unavailable, "cannot open socket: " + ec.message(), "net.listen");
  a.set_option(asio::socket_base::reuse_address(true), ec);
  if (reuse_port) {
    int one = 1;
    if (::setsockopt(a.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      return fail(Errc::unavailable, "SO_REUSEPORT not available", "net.listen");
  }
  if (a.bind(ep, ec); ec) return fail(Errc::unavailable, "cannot bind " + where() + ": " + ec.message(), "net.listen");
  if (a.listen(asio::socket_base::max_listen_connections, ec); ec)
    return fail(Errc::unavailable, "cannot listen on " + where() + ": " + ec.message(), "net.listen");
  return {};
}

void close_connections(Loop& loop, bool idle_only) {
  std::vector<std::shared_ptr<ConnectionBase>> open;
  for (auto& [raw, weak] : loop.connections)
    if (auto c = weak.lock()) open.push_back(std::move(c));
  for (auto& c : open)
    if (!idle_only || c->idle()) c->close();
}

// Kept out of the coroutine (see connection.cpp on GCC 12 and braced initializers).
void log_accept_failure(const error_code& ec) { log::warn("net.accept_failed", {{"error", ec.message()}}); }
void log_no_tls_context() { log::error("net.tls_context_missing"); }

asio::awaitable<void> accept_loop(std::shared_ptr<ServerShared> shared, Loop* loop) {
  for (;;) {
    auto [ec, socket] = co_await loop->acceptor.async_accept(kTuple);
    if (ec) {
      if (!loop->acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
      // Usually EMFILE: back off instead of spinning on an accept that keeps failing.
      log_accept_failure(ec);
      asio::steady_timer pause(loop->io, milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    std::shared_ptr<asio::ssl::context> tls;
    if (shared->options.tls && !(tls = shared->options.tls())) {
      log_no_tls_context();  // the connection is dropped: there is no certificate to offer
      continue;
    }
    serve_connection(shared, *loop, std::move(socket), std::move(tls));
  }
}

asio::awaitable<void> drain_loop(std::shared_ptr<ServerShared> shared, Loop* loop, milliseconds grace) {
  error_code ec;
  loop->acceptor.close(ec);
  const auto deadline = Clock::now() + grace;
  asio::steady_timer tick(loop->io);
  for (;;) {
    close_connections(*loop, /*idle_only=*/true);
    if (loop->connections.empty() || Clock::now() >= deadline) break;
    tick.expires_after(milliseconds(5));
    co_await tick.async_wait(kTuple);
  }
  close_connections(*loop, /*idle_only=*/false);
}

class ServerImpl final : public HttpServer {
 public:
  ServerImpl(std::shared_ptr<ServerShared> shared, std::vector<std::unique_ptr<asio::io_context>> owned,
             unsigned short port)
      : shared_(std::move(shared)), port_(port), owned_(std::move(owned)) {}

  ~ServerImpl() override {
    stop();
    if (!owned_.empty()) {
      // Acceptors go before their io_contexts; the contexts then destroy the suspended
      // coroutine frames (connections) without resuming them.
      shared_->loops.clear();
      owned_.clear();
    }
  }

  // HttpServer
  unsigned short port() const override { return port_; }

  void run() override {
    assert(!owned_.empty() && "run() is for servers made with create()");
    std::vector<std::thread> extra;
    for (std::size_t i = 1; i < owned_.size(); ++i) extra.emplace_back([this, i] { run_loop(*owned_[i]); });
    run_loop(*owned_[0]);
    for (auto& t : extra) t.join();
  }

  void start() override {
    assert(!owned_.empty() && "start() is for servers made with create()");
    std::lock_guard lock(threads_mutex_);
    for (auto& io : owned_) threads_.emplace_back([this, io = io.get()] { run_loop(*io); });
  }

  void drain(milliseconds grace) override {
    if (stopped_.load()) return;
    shared_->draining.store(true);
    for (auto& loop : shared_->loops) asio::co_spawn(loop->io, drain_loop(shared_, loop.get(), grace), asio::detached);
    if (owned_.empty() || in_loop_thread()) return;
    // The loops run out of work once every connection is gone; wait for that, bounded.
    const auto deadline = Clock::now() + grace + milliseconds(1000);
    while (running_.load() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(2));
    stop();
  }

  void stop() override {
    if (!stopped_.exchange(true)) {
      shared_->draining.store(true);
      for (auto& loop : shared_->loops) {
        asio::post(loop->io, [shared = shared_, l = loop.get()] {
          error_code ec;
          l->acceptor.close(ec);
          close_connections(*l, /*idle_only=*/false);
        });
      }
      if (owned_.empty()) return;
      if (!in_loop_thread()) {
        // Let the loops close sockets themselves (clients see a clean close), bounded.
        const auto deadline = Clock::now() + milliseconds(500);
        while (running_.load() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(2));
      }
      for (auto& io : owned_) io->stop();
    }
    std::lock_guard lock(threads_mutex_);
    for (auto& t : threads_)
      if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }

  std::size_t active_connections() const override { return shared_->active.load(std::memory_order_relaxed); }

 private:
  void run_loop(asio::io_context& io) {
    running_.fetch_add(1);
    try {
      io.run();
    } catch (const std::exception& e) {
      log::error("net.loop_failed", {{"error", e.what()}});
    }
    running_.fetch_sub(1);
  }

  bool in_loop_thread() const {
    return std::any_of(owned_.begin(), owned_.end(),
                       [](const auto& io) { return io->get_executor().running_in_this_thread(); });
  }

  std::shared_ptr<ServerShared> shared_;
  unsigned short port_;
  std::atomic<int> running_{0};
  std::atomic<bool> stopped_{false};
  std::mutex threads_mutex_;
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<asio::io_context>> owned_;
};

Result<std::shared_ptr<ServerShared>> listen(HttpServer::Options options, Handler handler,
                                             const std::vector<asio::io_context*>& contexts) {
  GH_TRY(auto address, parse_address(options.listen.address));
  auto shared = std::make_shared<ServerShared>(std::move(options), std::move(handler));
  const bool reuse_port = contexts.size() > 1;
  unsigned short port = shared->options.listen.port;
  for (auto* io : contexts) {
    auto loop = std::make_unique<Loop>(*io);
    GH_CHECK(open_acceptor(loop->acceptor, {address, port}, reuse_port));
    // With port 0 the first acceptor picks the port and the others join it.
    port = loop->acceptor.local_endpoint().port();
    shared->loops.push_back(std::move(loop));
  }
  shared->options.listen.port = port;
  for (auto& loop : shared->loops) asio::co_spawn(loop->io, accept_loop(shared, loop.get()), asio::detached);
  log::info("net.listening", {{"address", shared->options.listen.address},
                              {"port", port},
                              {"threads", static_cast<std::int64_t>(contexts.size())}});
  return shared;
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::create(Options options, Handler handler) {
  const int threads = std::max(1, options.threads);
  std::vector<std::unique_ptr<asio::io_context>> owned;
  std::vector<asio::io_context*> contexts;
  for (int i = 0; i < threads; ++i) {
    owned.push_back(std::make_unique<asio::io_context>(1));
    contexts.push_back(owned.back().get());
  }
  auto shared = listen(std::move(options), std::move(handler), contexts);
  if (!shared) return shared.propagate();
  const auto port = (*shared)->options.listen.port;
  return std::unique_ptr<HttpServer>(std::make_unique<ServerImpl>(std::move(*shared), std::move(owned), port));
}

Result<std::unique_ptr<HttpServer>> HttpServer::create_on(asio::io_context& io, Options options, Handler handler) {
  auto shared = listen(std::move(options), std::move(handler), {&io});
  if (!shared) return shared.propagate();
  const auto port = (*shared)->options.listen.port;
  return std::unique_ptr<HttpServer>(std::make_unique<ServerImpl>(std::move(*shared), 
                                     std::vector<std::unique_ptr<asio::io_context>>{}, port));
}

}  // namespace gatehouse::net
