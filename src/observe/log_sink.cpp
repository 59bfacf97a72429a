#include "observe/log_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "core/log.hpp"

namespace gatehouse::observe {
namespace {

bool is_stderr(std::string_view path) { return path == "-" || path == "stderr"; }

Result<int> open_append(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return fail(Errc::invalid_config, "cannot open log file " + path + ": " + std::strerror(errno), "log.open");
  return fd;
}

}  // namespace

Result<std::shared_ptr<LogSink>> LogSink::open(std::string path) {
  if (is_stderr(path)) return std::shared_ptr<LogSink>(new LogSink(std::move(path), STDERR_FILENO));
  GH_TRY(int fd, open_append(path));
  return std::shared_ptr<LogSink>(new LogSink(std::move(path), fd));
}

LogSink::~LogSink() {
  if (fd_ != STDERR_FILENO) ::close(fd_);
}

void LogSink::write_line(std::string_view line) {
  std::string buf;
  buf.reserve(line.size() + 1);
  buf.append(line);
  buf.push_back('\n');
  std::lock_guard lock(mutex_);
  std::string_view rest = buf;
  while (!rest.empty()) {
    ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ++write_errors_;  // disk full or closed pipe: counted, never thrown onto the data plane
      return;
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

Status LogSink::reopen() {
  if (is_stderr(path_)) return {};
  GH_TRY(int fd, open_append(path_));
  std::lock_guard lock(mutex_);
  ::close(fd_);
  fd_ = fd;
  return {};
}

std::uint64_t LogSink::write_errors() const {
  std::lock_guard lock(mutex_);
  return write_errors_;
}

ReopenOnSighup::ReopenOnSighup(boost::asio::io_context& io, std::vector<std::shared_ptr<LogSink>> sinks)
    : signals_(io, SIGHUP), sinks_(std::move(sinks)) {
  arm();
}

void ReopenOnSighup::arm() {
  signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;  // cancelled
    for (auto& sink : sinks_) {
      if (auto st = sink->reopen(); !st) log::error("log.reopen_failed", {{"path", sink->path()}, {"error", st.error().message}});
    }
    arm();
  });
}

}  // namespace gatehouse::observe
