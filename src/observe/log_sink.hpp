// Where access and audit lines go: stderr, or a file opened for append that can be reopened
// (after logrotate moved it, on SIGHUP). A write is one mutex'd write(2) of a whole line, so
// lines from many threads never interleave and a crash loses at most the line being written.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::observe {

class LogSink {
 public:
  // "-" or "stderr": standard error; anything else a file path (created 0640, appended).
  static Result<std::shared_ptr<LogSink>> open(std::string path);
  ~LogSink();
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  // Writes `line` and a newline (the caller's line must not contain one).
  void write_line(std::string_view line);
  // Opens the path again (no-op for stderr); on failure the old file keeps being used.
  Status reopen();
  const std::string& path() const { return path_; }
  std::uint64_t write_errors() const;

 private:
  LogSink(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  mutable std::mutex mutex_;
  int fd_;
  std::uint64_t write_errors_ = 0;
};

// Reopens the given sinks whenever the process gets SIGHUP, on `io`'s thread. Other
// signal_sets for SIGHUP in the process (e.g. config reload) are notified as well.
class ReopenOnSighup {
 public:
  ReopenOnSighup(boost::asio::io_context& io, std::vector<std::shared_ptr<LogSink>> sinks);
  void cancel() { signals_.cancel(); }

 private:
  void arm();
  boost::asio::signal_set signals_;
  std::vector<std::shared_ptr<LogSink>> sinks_;
};

}  // namespace gatehouse::observe
