// The client side of upstream TLS: one target's ClientSettings and its current OpenSSL
// context, rebuilt when the gateway's certificate/key or the CA bundle change on disk (the
// way a SPIFFE helper or cert-manager rotates them). New connections take current();
// connections already made keep the context they shook hands with. A broken rotation (file
// half-written, key not matching) is logged and the previous context stays in use.
//
// Unlike the listeners' CertificateReloader it needs no timer: the files are checked when a
// connection asks for the context, at most once per interval, so a target nobody calls costs
// nothing and nothing has to be started or stopped with the config snapshot.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "tls/context.hpp"

namespace gatehouse::tls {

class ClientTls {
 public:
  static Result<std::shared_ptr<ClientTls>> create(ClientSettings settings,
                                                   std::chrono::milliseconds interval = std::chrono::seconds(1));

  // Thread-safe; checks the files first when the last check is older than the interval.
  std::shared_ptr<ssl::context> current();
  const ClientSettings& settings() const { return settings_; }
  // Checks the files now; true when a new context was installed.
  bool check_now();
  std::uint64_t rotations() const { return rotations_.load(std::memory_order_relaxed); }
  // Identity of the settings (paths and names, not file contents): equal keys, same upstream.
  std::string key() const;

 private:
  explicit ClientTls(ClientSettings settings, std::chrono::milliseconds interval)
      : settings_(std::move(settings)), interval_(interval) {}
  std::string fingerprint() const;

  ClientSettings settings_;
  std::chrono::milliseconds interval_;
  std::mutex check_mu_;
  std::string fingerprint_;  // guarded by check_mu_
  std::atomic<std::int64_t> next_check_{0};  // steady_clock ticks
  std::atomic<std::shared_ptr<ssl::context>> current_;
  std::atomic<std::uint64_t> rotations_{0};
};

}  // namespace gatehouse::tls
