// A target that is a local child process speaking newline-delimited JSON-RPC on
// stdin/stdout. The gateway starts it, initializes it once, multiplexes every downstream
// request over it (ids and progress tokens rewritten), logs its stderr, restarts it with
// exponential backoff when it dies, and stops it with SIGTERM then SIGKILL.
// One instance per io_context (thread): nothing here is shared across threads.
#pragma once

#include <atomic>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/value.hpp>

#include <sys/types.h>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/message_queue.hpp"
#include "gateway/upstream.hpp"

namespace gatehouse::gateway {

struct StdioSpec {
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to the gateway's environment
};

class StdioUpstream final : public Upstream, public std::enable_shared_from_this<StdioUpstream> {
 public:
  static std::shared_ptr<StdioUpstream> create(asio::any_io_executor ex, std::string target,
                                               StdioSpec spec);
  ~StdioUpstream() override;

  // Starts the supervisor (spawn, initialize, restart on exit).
  void start();
  // Ends the child: SIGTERM, then SIGKILL after `grace`; fails what is pending.
  asio::awaitable<void> stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
  bool ready() const { return state_ == State::ready; }
  // For shutdown with the event loop stopped: SIGTERM now, then reap_blocking() waits
  // until `deadline` and SIGKILLs what is left.
  void signal_term();
  void reap_blocking(std::chrono::steady_clock::time_point deadline);
  pid_t pid() const { return pid_; }

  // Upstream
  asio::awaitable<Result<std::unique_ptr<MessageStream>>> request(
      UpstreamCall call, boost::json::object message) override;
  asio::awaitable<Status> send(UpstreamCall call, boost::json::object message) override;
  asio::awaitable<Result<std::unique_ptr<MessageStream>>> open_stream(UpstreamCall call) override;
  asio::awaitable<Status> close_session(UpstreamCall call) override;
  std::optional<CachedInitialize> cached_initialize() const override;

 private:
  class Stream;
  enum class State { starting, ready, down, stopping };
  struct Pending {
    boost::json::value downstream_id;
    boost::json::value progress_token;  // the client's, restored in progress notifications
    std::shared_ptr<MessageQueue> queue;
  };

  StdioUpstream(asio::any_io_executor ex, std::string target, StdioSpec spec);

  asio::awaitable<void> supervise();
  Status spawn();
  asio::awaitable<void> read_stdout();
  asio::awaitable<void> read_stderr();
  asio::awaitable<void> reap(std::chrono::milliseconds grace);
  asio::awaitable<bool> initialize();
  asio::awaitable<bool> wait_ready(asio::steady_timer::time_point deadline);
  void dispatch(boost::json::object message);
  void deliver_to_request_or_listeners(boost::json::object message);
  void broadcast(const boost::json::object& message);
  void fail_all(const Error& error);
  void write(const boost::json::object& message);
  asio::awaitable<void> drain_writes();
  std::pair<std::int64_t, std::shared_ptr<MessageQueue>> register_request(
      boost::json::object& message);
  void forget(std::int64_t upstream_id, bool cancel);

  asio::any_io_executor ex_;
  std::string target_;
  StdioSpec spec_;
  State state_ = State::down;
  std::atomic<pid_t> pid_{-1};  // cleared by whichever reaper finishes first (any thread)
  // Shared with the coroutines using them, so a restart never frees a descriptor under
  // a pending operation.
  std::shared_ptr<asio::posix::stream_descriptor> stdin_, stdout_, stderr_;
  asio::steady_timer state_changed_;
  std::deque<std::string> writes_;
  bool writing_ = false;
  std::int64_t next_id_ = 1;
  std::map<std::int64_t, Pending> pending_;
  std::vector<std::weak_ptr<MessageQueue>> listeners_;
  std::optional<boost::json::object> init_result_;
  bool started_ = false;
};

}  // namespace gatehouse::gateway
