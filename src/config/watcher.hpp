// Watches one config file and calls back (debounced) when it may have changed. It watches
// the directory with inotify, not the file, so editors and tools that write a new file and
// rename it over the old one (vim, kubectl's ..data symlink swap) are seen too.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace gatehouse::config {

namespace asio = boost::asio;

class FileWatcher : public std::enable_shared_from_this<FileWatcher> {
 public:
  using Callback = std::function<void()>;
  static constexpr std::chrono::milliseconds kDefaultDebounce{200};

  // Fails when the file's directory cannot be watched. The callback runs on the watcher's
  // strand of `ex`, once per burst of changes, `debounce` after the last one.
  static Result<std::shared_ptr<FileWatcher>> create(asio::any_io_executor ex, const std::string& path,
                                                     Callback on_change,
                                                     std::chrono::milliseconds debounce = kDefaultDebounce);
  ~FileWatcher();

  void start();
  // Stops watching; no callback runs after the stop has been processed on the strand.
  // Safe from any thread and more than once.
  void stop();

 private:
  FileWatcher(asio::any_io_executor ex, int fd, std::string name, Callback cb, std::chrono::milliseconds debounce);
  asio::awaitable<void> read_events();
  asio::awaitable<void> debounce_loop();
  void shutdown();

  asio::strand<asio::any_io_executor> strand_;
  asio::posix::stream_descriptor inotify_;
  asio::steady_timer timer_;
  std::string name_;  // the file's name inside the watched directory
  Callback on_change_;
  std::chrono::milliseconds debounce_;
  std::chrono::steady_clock::time_point deadline_{};
  bool pending_ = false;
  bool stopped_ = false;
};

}  // namespace gatehouse::config
