#include "tls/certificate_reloader.hpp"

#include <sys/stat.h>

#include "core/log.hpp"

namespace gatehouse::tls {

namespace {
void append_identity(std::string& out, const std::string& path) {
  if (path.empty()) return;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    out += path + ":missing;";
    return;
  }
  out += path + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ";";
}
}  // namespace

Result<std::shared_ptr<CertificateReloader>> CertificateReloader::create(ServerSettings settings) {
  auto self = std::shared_ptr<CertificateReloader>(new CertificateReloader(std::move(settings)));
  self->fingerprint_ = self->fingerprint();
  auto ctx = ServerContext::create(self->settings_);
  if (!ctx) return ctx.propagate();
  self->current_.store(*ctx);
  return self;
}

std::string CertificateReloader::fingerprint() const {
  std::string out;
  for (const auto& files : settings_.certificates) {
    append_identity(out, files.cert);
    append_identity(out, files.key);
  }
  append_identity(out, settings_.client_ca);
  return out;
}

bool CertificateReloader::check_now() {
  auto now = fingerprint();
  if (now == fingerprint_) return false;
  auto ctx = ServerContext::create(settings_);
  if (!ctx) {
    // Often a rotation caught half-way (certificate renamed in, key not yet): retried on the
    // next poll because the fingerprint is left unchanged.
    log::error("tls.reload_failed", {{"error", ctx.error().message}});
    return false;
  }
  fingerprint_ = std::move(now);
  current_.store(*ctx, std::memory_order_release);
  rotations_.fetch_add(1, std::memory_order_relaxed);
  log::info("tls.reloaded", {{"certificates", static_cast<std::int64_t>(settings_.certificates.size())}});
  return true;
}

void CertificateReloader::start(boost::asio::any_io_executor ex, std::chrono::milliseconds interval) {
  interval_ = interval;
  timer_ = std::make_unique<boost::asio::steady_timer>(ex);
  schedule();
}

void CertificateReloader::schedule() {
  timer_->expires_after(interval_);
  timer_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      self->check_now();
      self->schedule();
    }
  });
}

void CertificateReloader::stop() {
  if (timer_) timer_->cancel();
}

}  // namespace gatehouse::tls
