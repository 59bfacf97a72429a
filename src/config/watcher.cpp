#include "config/watcher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/log.hpp"

namespace gatehouse::config {
namespace {
// No IN_MODIFY: a file written in place is seen when its writer closes it (IN_CLOSE_WRITE),
// and a log kept open in the same directory (an access log beside the config) would wake
// the watcher for every line it gets: two reads and a thread switch per request.
constexpr std::uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM;
// Kubernetes mounts ConfigMaps as symlinks through "..data", swapped atomically on update.
constexpr std::string_view kKubernetesData = "..data";
}  // namespace

Result<std::shared_ptr<FileWatcher>> FileWatcher::create(asio::any_io_executor ex, const std::string& path,
                                                         Callback on_change,
                                                         std::chrono::milliseconds debounce) {
  std::filesystem::path p(path);
  std::string name = p.filename().string();
  if (name.empty()) return fail(Errc::invalid_config, "cannot watch \"" + path + "\": not a file path");
  std::filesystem::path dir = p.parent_path();
  if (dir.empty()) dir = ".";
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return fail(Errc::internal, std::string("inotify_init1: ") + std::strerror(errno));
  if (::inotify_add_watch(fd, dir.c_str(), kMask) < 0) {
    int err = errno;
    ::close(fd);
    return fail(Errc::invalid_config, "cannot watch \"" + dir.string() + "\": " + std::strerror(err));
  }
  return std::shared_ptr<FileWatcher>(new FileWatcher(std::move(ex), fd, std::move(name), std::move(on_change), debounce));
}

FileWatcher::FileWatcher(asio::any_io_executor ex, int fd, std::string name, Callback cb,
                         std::chrono::milliseconds debounce)
    : strand_(asio::make_strand(ex)),
      inotify_(strand_, fd),
      timer_(strand_, asio::steady_timer::time_point::max()),
      name_(std::move(name)),
      on_change_(std::move(cb)),
      debounce_(debounce) {}

FileWatcher::~FileWatcher() = default;

void FileWatcher::start() {
  auto self = shared_from_this();
  asio::co_spawn(strand_, [self]() { return self->read_events(); }, asio::detached);
  asio::co_spawn(strand_, [self]() { return self->debounce_loop(); }, asio::detached);
}

void FileWatcher::stop() {
  asio::dispatch(strand_, [self = shared_from_this()] { self->shutdown(); });
}

void FileWatcher::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  pending_ = false;
  boost::system::error_code ignored;
  inotify_.cancel(ignored);
  inotify_.close(ignored);
  timer_.cancel();
}

asio::awaitable<void> FileWatcher::read_events() {
  // Room for many events at once; each is a header plus a NUL-padded name.
  alignas(inotify_event) std::array<char, 16 * (sizeof(inotify_event) + NAME_MAX + 1)> buf;
  while (!stopped_) {
    auto [ec, n] = co_await inotify_.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
    if (stopped_) break;
    if (ec) {
      log::error("config.watch_failed", {{"error", ec.message()}});
      break;
    }
    bool relevant = false;
    for (std::size_t off = 0; off + sizeof(inotify_event) <= n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf.data() + off);
      std::string_view name = ev->len ? std::string_view(ev->name) : std::string_view();
      if (name == name_ || name == kKubernetesData || (ev->mask & IN_Q_OVERFLOW)) relevant = true;
      off += sizeof(inotify_event) + ev->len;
    }
    if (relevant) {
      // Re-arming the timer aborts the pending wait; debounce_loop then waits again.
      pending_ = true;
      deadline_ = std::chrono::steady_clock::now() + debounce_;
      timer_.expires_at(deadline_);
    }
  }
}

asio::awaitable<void> FileWatcher::debounce_loop() {
  while (!stopped_) {
    auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_) break;
    if (ec == asio::error::operation_aborted) continue;  // re-armed by a newer event
    if (!pending_) continue;
    // An event may have re-armed the timer after this wait had already completed.
    if (std::chrono::steady_clock::now() < deadline_) {
      timer_.expires_at(deadline_);
      continue;
    }
    pending_ = false;
    timer_.expires_at(asio::steady_timer::time_point::max());
    try {
      on_change_();
    } catch (const std::exception& e) {
      log::error("config.reload_callback_failed", {{"error", std::string_view(e.what())}});
    }
  }
}

}  // namespace gatehouse::config
