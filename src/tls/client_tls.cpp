#include "tls/client_tls.hpp"

#include <sys/stat.h>

#include "core/log.hpp"

namespace gatehouse::tls {

namespace {
// Same identity as the listeners' reloader: inode, size and mtime (a rename over the file
// changes the inode; an in-place rewrite changes mtime or size).
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

std::int64_t now_ticks() { return std::chrono::steady_clock::now().time_since_epoch().count(); }
}  // namespace

Result<std::shared_ptr<ClientTls>> ClientTls::create(ClientSettings settings, std::chrono::milliseconds interval) {
  auto self = std::shared_ptr<ClientTls>(new ClientTls(std::move(settings), interval));
  self->fingerprint_ = self->fingerprint();
  auto ctx = make_client_context(self->settings_);
  if (!ctx) return ctx.propagate();
  self->current_.store(*ctx);
  self->next_check_.store(now_ticks() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval).count());
  return self;
}

std::string ClientTls::fingerprint() const {
  std::string out;
  if (settings_.client_certificate) {
    append_identity(out, settings_.client_certificate->cert);
    append_identity(out, settings_.client_certificate->key);
  }
  append_identity(out, settings_.ca_bundle);
  return out;
}

std::string ClientTls::key() const {
  std::string k = settings_.ca_bundle + '\x1f' + settings_.server_name + '\x1f' + settings_.expected_spiffe_id;
  if (settings_.client_certificate) k += '\x1f' + settings_.client_certificate->cert + '\x1f' + settings_.client_certificate->key;
  return k;
}

std::shared_ptr<ssl::context> ClientTls::current() {
  auto now = now_ticks();
  auto due = next_check_.load(std::memory_order_relaxed);
  // One caller wins the check; the others go on with the context they find.
  if (now >= due &&
      next_check_.compare_exchange_strong(
          due, now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval_).count()))
    check_now();
  return current_.load(std::memory_order_acquire);
}

bool ClientTls::check_now() {
  std::lock_guard lock(check_mu_);
  auto now = fingerprint();
  if (now == fingerprint_) return false;
  auto ctx = make_client_context(settings_);
  if (!ctx) {
    // Usually a rotation caught half-way (certificate renamed in, key not yet): the
    // fingerprint is left as it was, so the next check tries again.
    log::error("tls.client_reload_failed", {{"error", ctx.error().message}});
    return false;
  }
  fingerprint_ = std::move(now);
  current_.store(*ctx, std::memory_order_release);
  rotations_.fetch_add(1, std::memory_order_relaxed);
  log::info("tls.client_reloaded", {{"server_name", settings_.server_name}});
  return true;
}

}  // namespace gatehouse::tls
