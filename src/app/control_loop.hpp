// The gateway's control thread: one io_context for work that is not on the data plane
// (config file watching, JWKS refresh, the trace exporter), so a slow authorization server
// or a burst of file events never delays a request.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <optional>
#include <thread>

namespace gatehouse::app {

class ControlLoop {
 public:
  ControlLoop() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~ControlLoop() { stop(); }
  ControlLoop(const ControlLoop&) = delete;
  ControlLoop& operator=(const ControlLoop&) = delete;

  boost::asio::any_io_executor executor() { return io_.get_executor(); }

  // Lets queued work finish, cancels timers, joins. Idempotent.
  void stop() {
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

}  // namespace gatehouse::app
