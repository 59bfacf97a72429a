#include "gateway/stdio_upstream.hpp"

#include "gateway/merge.hpp"
#include "jsonrpc/json_writer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/log.hpp"

extern char** environ;

namespace gatehouse::gateway {
namespace json = boost::json;
using asio::use_awaitable;
using asio::as_tuple;
using Clock = asio::steady_timer::clock_type;

namespace {

constexpr std::size_t kMaxLine = 16 * 1024 * 1024;
constexpr auto kInitTimeout = std::chrono::seconds(10);
constexpr auto kBackoffMin = std::chrono::milliseconds(200);
constexpr auto kBackoffMax = std::chrono::milliseconds(30'000);
constexpr auto kStableAfter = std::chrono::seconds(10);

bool is_list_changed(std::string_view method) {
  return method.ends_with("/list_changed") || method == "notifications/resources/updated";
}

}  // namespace

// The messages of one request; dropping it before the response cancels the request.
class StdioUpstream::Stream final : public MessageStream {
 public:
  Stream(std::shared_ptr<StdioUpstream> owner, std::int64_t id, std::shared_ptr<MessageQueue> q,
         Clock::time_point deadline)
      : owner_(std::move(owner)), id_(id), queue_(std::move(q)), deadline_(deadline) {}
  ~Stream() override {
    if (id_ != 0) owner_->forget(id_, !done_);
  }
  asio::awaitable<Result<std::optional<json::object>>> next() override {
    auto r = co_await queue_->next(deadline_);
    if (!r.ok() || !r->has_value()) done_ = true;
    co_return r;
  }

 private:
  std::shared_ptr<StdioUpstream> owner_;
  std::int64_t id_;
  std::shared_ptr<MessageQueue> queue_;
  Clock::time_point deadline_;
  bool done_ = false;
};

// A server stream (GET): what the child sends outside any request.
class ListenerStream final : public MessageStream {
 public:
  explicit ListenerStream(std::shared_ptr<MessageQueue> q) : queue_(std::move(q)) {}
  asio::awaitable<Result<std::optional<json::object>>> next() override {
    co_return co_await queue_->next();
  }

 private:
  std::shared_ptr<MessageQueue> queue_;
};

std::shared_ptr<StdioUpstream> StdioUpstream::create(asio::any_io_executor ex, std::string target,
                                                     StdioSpec spec) {
  return std::shared_ptr<StdioUpstream>(new StdioUpstream(ex, std::move(target), std::move(spec)));
}

// Never signals a non-positive pid: kill(0) is our own process group and kill(-1) every
// process we may signal (a test runner, a shell...). The one place that sends signals.
static void signal_child(pid_t pid, int sig) {
  if (pid > 0) ::kill(pid, sig);
}

StdioUpstream::StdioUpstream(asio::any_io_executor ex, std::string target, StdioSpec spec)
    : ex_(ex), target_(std::move(target)), spec_(std::move(spec)), state_changed_(ex) {}

StdioUpstream::~StdioUpstream() {
  if (const pid_t pid = pid_.exchange(-1); pid > 0) {
    signal_child(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
}

void StdioUpstream::start() {
  if (started_) return;
  started_ = true;
  state_ = State::starting;
  asio::co_spawn(ex_, [self = shared_from_this()] { return self->supervise(); }, asio::detached);
}

Status StdioUpstream::spawn() {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return fail(Errc::unavailable, "pipe failed");
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]); ::close(in[1]);
    return fail(Errc::unavailable, "pipe failed");
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(in[0]); ::close(in[1]); ::close(out[0]); ::close(out[1]);
    return fail(Errc::unavailable, "pipe failed");
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group: a terminal's Ctrl-C reaches the gateway, which then stops the
  // child in order, instead of both dying at once.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);

  std::vector<std::string> argv_s{spec_.command};
  argv_s.insert(argv_s.end(), spec_.args.begin(), spec_.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    auto key = kv.substr(0, kv.find('='));
    bool overridden = std::any_of(spec_.env.begin(), spec_.env.end(),
                                  [&](auto& p) { return p.first == key; });
    if (!overridden) env_s.emplace_back(kv);
  }
  for (auto& [k, v] : spec_.env) env_s.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, spec_.command.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(in[1]); ::close(out[0]); ::close(err[0]);
    return fail(Errc::unavailable, "cannot start " + spec_.command + ": " + std::strerror(rc),
                "upstream.spawn_failed");
  }
  pid_ = pid;
  stdin_ = std::make_shared<asio::posix::stream_descriptor>(ex_, in[1]);
  stdout_ = std::make_shared<asio::posix::stream_descriptor>(ex_, out[0]);
  stderr_ = std::make_shared<asio::posix::stream_descriptor>(ex_, err[0]);
  return {};
}

asio::awaitable<void> StdioUpstream::supervise() {
  auto self = shared_from_this();
  auto backoff = std::chrono::milliseconds(kBackoffMin);
  asio::steady_timer timer(ex_);
  while (state_ != State::stopping) {
    state_ = State::starting;
    auto started = Clock::now();
    auto st = spawn();
    if (st.ok()) {
      log::info("upstream.stdio.started", {{"target", target_}, {"pid", static_cast<int>(pid_)}});
      asio::co_spawn(ex_, read_stderr(), asio::detached);
      // The reader runs until the child closes stdout; initialize goes through it.
      bool reader_done = false;
      asio::co_spawn(ex_, read_stdout(), [&reader_done, self](std::exception_ptr) {
        reader_done = true;
        self->state_changed_.cancel();
      });
      if (co_await initialize() && state_ == State::starting) {
        state_ = State::ready;
        state_changed_.cancel();
      }
      while (!reader_done) {
        state_changed_.expires_at(Clock::time_point::max());
        co_await state_changed_.async_wait(as_tuple(use_awaitable));
      }
      co_await reap(std::chrono::milliseconds(state_ == State::stopping ? 2000 : 500));
      fail_all(Error(Errc::unavailable, "target " + target_ + " exited", "upstream.exited"));
    } else {
      log::error("upstream.stdio.spawn_failed", {{"target", target_}, {"error", st.error().message}});
    }
    if (state_ == State::stopping) break;
    state_ = State::down;
    init_result_.reset();
    state_changed_.cancel();
    if (Clock::now() - started > kStableAfter) backoff = kBackoffMin;
    log::warn("upstream.stdio.restart", {{"target", target_}, {"in_ms", backoff.count()}});
    timer.expires_after(backoff);
    co_await timer.async_wait(as_tuple(use_awaitable));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(kBackoffMax));
  }
  state_changed_.cancel();
}

asio::awaitable<void> StdioUpstream::reap(std::chrono::milliseconds grace) {
  // A local copy: another reaper may clear pid_ meanwhile, and waitpid(-1)/kill(-1) would
  // mean "any child" / "every process we may signal".
  const pid_t pid = pid_;
  if (pid <= 0) co_return;
  asio::steady_timer t(ex_);
  auto deadline = Clock::now() + grace;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() >= deadline) {
      signal_child(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    t.expires_after(std::chrono::milliseconds(20));
    co_await t.async_wait(as_tuple(use_awaitable));
  }
  log::info("upstream.stdio.exited", {{"target", target_}, {"pid", static_cast<int>(pid)},
                                      {"status", WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status)}});
  pid_ = -1;
  for (auto* d : {&stdin_, &stdout_, &stderr_})
    if (*d) {
      boost::system::error_code ignored;
      (*d)->close(ignored);
      d->reset();
    }
}

asio::awaitable<void> StdioUpstream::read_stdout() {
  auto self = shared_from_this();
  std::string buf;
  auto out = stdout_;
  for (;;) {
    auto [ec, n] = co_await asio::async_read_until(*out, asio::dynamic_buffer(buf, kMaxLine), '\n',
                                                   as_tuple(use_awaitable));
    if (ec) break;
    std::string_view line(buf.data(), n - 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) {
      boost::system::error_code pec;
      auto v = json::parse(line, pec);
      if (pec || !v.is_object())
        log::warn("upstream.stdio.bad_message", {{"target", target_}, {"bytes", line.size()}});
      else
        dispatch(std::move(v.as_object()));
    }
    buf.erase(0, n);
  }
  // The child closed stdout (or a line exceeded the limit): treat as gone.
  if (state_ != State::stopping) signal_child(pid_, SIGTERM);
}

asio::awaitable<void> StdioUpstream::read_stderr() {
  auto self = shared_from_this();
  std::string buf;
  auto err = stderr_;
  for (;;) {
    auto [ec, n] = co_await asio::async_read_until(*err, asio::dynamic_buffer(buf, 64 * 1024), '\n',
                                                   as_tuple(use_awaitable));
    if (ec) {
      if (!buf.empty()) log::info("upstream.stderr", {{"target", target_}, {"line", buf.substr(0, 1024)}});
      break;
    }
    log::info("upstream.stderr", {{"target", target_}, {"line", buf.substr(0, std::min<std::size_t>(n - 1, 1024))}});
    buf.erase(0, n);
  }
}

asio::awaitable<bool> StdioUpstream::initialize() {
  json::object msg{{"jsonrpc", "2.0"},
                   {"id", 0},
                   {"method", "initialize"},
                   {"params",
                    {{"protocolVersion", "2025-11-25"},
                     {"capabilities",
                      {{"sampling", json::object{}},
                       {"elicitation", json::object{}},
                       {"roots", {{"listChanged", true}}}}},
                     {"clientInfo", {{"name", "gatehouse"}, {"version", "0.1.0"}}}}}};
  auto [id, queue] = register_request(msg);
  write(msg);
  auto r = co_await queue->next(Clock::now() + kInitTimeout);
  forget(id, false);
  if (!r.ok() || !r->has_value()) {
    log::error("upstream.stdio.initialize_failed", {{"target", target_}});
    signal_child(pid_, SIGTERM);
    co_return false;
  }
  auto& response = **r;
  auto* result = response.if_contains("result");
  if (!result || !result->is_object()) {
    log::error("upstream.stdio.initialize_rejected", {{"target", target_},
                                                      {"response", json::serialize(response)}});
    signal_child(pid_, SIGTERM);
    co_return false;
  }
  init_result_ = result->as_object();
  write(json::object{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  co_return true;
}

asio::awaitable<bool> StdioUpstream::wait_ready(Clock::time_point deadline) {
  auto self = shared_from_this();
  while (state_ != State::ready) {
    if (state_ == State::stopping || Clock::now() >= deadline) co_return false;
    // Requests that arrive while the child restarts wait for it (up to their deadline);
    // several waiters share one timer, each re-arming it after a wake-up.
    asio::steady_timer t(ex_);
    t.expires_at(std::min(deadline, Clock::now() + std::chrono::milliseconds(50)));
    co_await t.async_wait(as_tuple(use_awaitable));
  }
  co_return true;
}

std::pair<std::int64_t, std::shared_ptr<MessageQueue>> StdioUpstream::register_request(
    json::object& message) {
  std::int64_t id = next_id_++;
  Pending p;
  if (auto* d = message.if_contains("id")) p.downstream_id = *d;
  message["id"] = id;
  // Progress tokens of different clients may collide on one child: use ours, restore theirs.
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

void StdioUpstream::forget(std::int64_t id, bool cancel) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  pending_.erase(it);
  if (cancel && state_ == State::ready)
    write(json::object{{"jsonrpc", "2.0"},
                       {"method", "notifications/cancelled"},
                       {"params", {{"requestId", id}, {"reason", "client went away"}}}});
}

void StdioUpstream::dispatch(json::object message) {
  auto* method = message.if_contains("method");
  auto* id = message.if_contains("id");
  if (!method) {
    // A response: back to the request it answers, under the client's own id.
    if (!id || !id->is_int64()) return;
    auto it = pending_.find(id->as_int64());
    if (it == pending_.end()) return;  // cancelled or timed out
    message["id"] = it->second.downstream_id;
    auto q = it->second.queue;
    pending_.erase(it);
    q->push(std::move(message));
    q->close();
    return;
  }
  if (!method->is_string()) return;
  std::string_view m = method->as_string();
  if (!id && m == "notifications/progress") {
    if (auto* params = message.if_contains("params"); params && params->is_object()) {
      auto* tok = params->as_object().if_contains("progressToken");
      if (tok && tok->is_int64()) {
        auto it = pending_.find(tok->as_int64());
        if (it != pending_.end()) {
          *tok = it->second.progress_token;
          it->second.queue->push(std::move(message));
        }
      }
    }
    return;
  }
  if (!id && is_list_changed(m)) {
    broadcast(message);
    return;
  }
  deliver_to_request_or_listeners(std::move(message));
}

// stdio carries no link between a server message and the request it belongs to; the
// oldest request in flight is the best guess (exact when one is in flight, the common
// case for sampling/elicitation inside a tool call), else a server stream takes it.
void StdioUpstream::deliver_to_request_or_listeners(json::object message) {
  for (auto& [id, p] : pending_) {
    if (id == 0 && state_ != State::ready) continue;  // our own initialize
    p.queue->push(std::move(message));
    return;
  }
  for (auto& w : listeners_)
    if (auto q = w.lock(); q && !q->closed()) {
      q->push(std::move(message));
      return;
    }
  if (auto* id = message.if_contains("id"))
    write(json::object{{"jsonrpc", "2.0"},
                       {"id", *id},
                       {"error", {{"code", -32603}, {"message", "no client connected to answer"}}}});
}

void StdioUpstream::broadcast(const json::object& message) {
  std::erase_if(listeners_, [](auto& w) { return w.expired(); });
  for (auto& w : listeners_)
    if (auto q = w.lock()) q->push(message);
}

void StdioUpstream::fail_all(const Error& error) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) p.queue->close(Unexpected{error});
  for (auto& w : listeners_)
    if (auto q = w.lock()) q->close(Unexpected{error});
  listeners_.clear();
}

void StdioUpstream::write(const json::object& message) {
  if (!stdin_) return;
  std::string line = jsonrpc::to_json(message);
  line += '\n';
  writes_.push_back(std::move(line));
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(ex_, drain_writes(), asio::detached);
  }
}

asio::awaitable<void> StdioUpstream::drain_writes() {
  auto self = shared_from_this();
  while (!writes_.empty() && stdin_) {
    std::string line = std::move(writes_.front());
    writes_.pop_front();
    auto in = stdin_;
    auto [ec, n] = co_await asio::async_write(*in, asio::buffer(line), as_tuple(use_awaitable));
    if (ec) {
      writes_.clear();
      break;
    }
  }
  writing_ = false;
}

asio::awaitable<Result<std::unique_ptr<MessageStream>>> StdioUpstream::request(
    UpstreamCall call, json::object message) {
  auto self = shared_from_this();
  auto deadline = Clock::now() + call.timeout;
  if (!co_await wait_ready(deadline))
    co_return fail(Errc::unavailable, "target " + target_ + " is not running", "upstream.down");
  // The child was initialized once by the gateway; each client session gets that answer.
  // server/discover (2026-07-28 clients) is answered from that same initialize.
  if (auto* m = message.if_contains("method");
      m && m->is_string() && (m->as_string() == "initialize" || m->as_string() == "server/discover")) {
    auto q = std::make_shared<MessageQueue>(ex_);
    json::object response{{"jsonrpc", "2.0"},
                          {"result", m->as_string() == "initialize" ? *init_result_
                                                                    : discover_from_initialize(*init_result_)}};
    if (auto* id = message.if_contains("id")) response["id"] = *id;
    q->push(std::move(response));
    q->close();
    co_return std::unique_ptr<MessageStream>(new ListenerStream(q));
  }
  auto [id, queue] = register_request(message);
  write(message);
  co_return std::unique_ptr<MessageStream>(new Stream(self, id, queue, deadline));
}

asio::awaitable<Status> StdioUpstream::send(UpstreamCall call, json::object message) {
  auto self = shared_from_this();
  if (auto* m = message.if_contains("method"); m && m->is_string()) {
    std::string_view method = m->as_string();
    // The gateway initialized the child itself; and the ids a client would cancel are not
    // the child's (closing the request's stream cancels it instead).
    if (method == "notifications/initialized" || method == "notifications/cancelled") co_return Status{};
  }
  if (state_ != State::ready)
    co_return fail(Errc::unavailable, "target " + target_ + " is not running", "upstream.down");
  write(message);
  co_return Status{};
}

asio::awaitable<Result<std::unique_ptr<MessageStream>>> StdioUpstream::open_stream(UpstreamCall) {
  auto q = std::make_shared<MessageQueue>(ex_);
  listeners_.push_back(q);
  co_return std::unique_ptr<MessageStream>(new ListenerStream(q));
}

asio::awaitable<Status> StdioUpstream::close_session(UpstreamCall) { co_return Status{}; }

std::optional<CachedInitialize> StdioUpstream::cached_initialize() const {
  if (!init_result_ || state_ != State::ready) return std::nullopt;
  return CachedInitialize{*init_result_};
}

asio::awaitable<void> StdioUpstream::stop(std::chrono::milliseconds grace) {
  auto self = shared_from_this();
  if (state_ == State::stopping) co_return;
  state_ = State::stopping;
  state_changed_.cancel();
  if (pid_ > 0) {
    boost::system::error_code ignored;
    if (stdin_) stdin_->close(ignored);  // EOF first: well-behaved servers exit on their own
    signal_child(pid_, SIGTERM);
    co_await reap(grace);
  }
  fail_all(Error(Errc::unavailable, "gateway stopping", "upstream.stopping"));
}

void StdioUpstream::signal_term() {
  state_ = State::stopping;
  signal_child(pid_, SIGTERM);
}

void StdioUpstream::reap_blocking(std::chrono::steady_clock::time_point deadline) {
  const pid_t pid = pid_;
  if (pid <= 0) return;
  while (::waitpid(pid, nullptr, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      signal_child(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      break;
    }
    ::usleep(10'000);
  }
  pid_ = -1;
}

asio::awaitable<Result<json::object>> read_response(MessageStream& stream) {
  for (;;) {
    auto r = co_await stream.next();
    if (!r.ok()) co_return r.propagate();
    if (!r->has_value())
      co_return fail(Errc::unavailable, "the target closed the stream without answering",
                     "upstream.no_response");
    auto& m = **r;
    if (!m.contains("method")) co_return std::move(m);
  }
}

}  // namespace gatehouse::gateway
