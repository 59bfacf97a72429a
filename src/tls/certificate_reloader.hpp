// Keeps a listener's ServerContext current as its certificate files change (the way a SPIFFE
// helper or cert-manager rotates them: write new files, rename into place). New connections
// get the new context; open connections keep the one they shook hands with. A broken
// rotation (unreadable file, key not matching the certificate) is logged and the previous
// context keeps serving.
//
// It polls the files' identity (inode, size, mtime) rather than using inotify: rotations are
// rare, a poll of a few files each second is free, and it also sees files replaced through
// symlink swaps (Kubernetes secret volumes), which inotify on the directory misses.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "tls/context.hpp"

namespace gatehouse::tls {

class CertificateReloader : public std::enable_shared_from_this<CertificateReloader> {
 public:
  static Result<std::shared_ptr<CertificateReloader>> create(ServerSettings settings);

  std::shared_ptr<const ServerContext> current() const { return current_.load(std::memory_order_acquire); }

  // Checks the files now; true when a new context was installed.
  bool check_now();
  // Polls every `interval` on `ex` until stop().
  void start(boost::asio::any_io_executor ex, std::chrono::milliseconds interval = std::chrono::seconds(1));
  void stop();

  std::uint64_t rotations() const { return rotations_.load(std::memory_order_relaxed); }

 private:
  explicit CertificateReloader(ServerSettings settings) : settings_(std::move(settings)) {}
  std::string fingerprint() const;
  void schedule();

  ServerSettings settings_;
  std::string fingerprint_;
  std::atomic<std::shared_ptr<const ServerContext>> current_;
  std::atomic<std::uint64_t> rotations_{0};
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::chrono::milliseconds interval_{1000};
};

}  // namespace gatehouse::tls
