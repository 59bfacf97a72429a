// Where JWT-SVID verification keys come from: a trust domain's SPIFFE bundle (a JWK Set whose
// members say "use": "jwt-svid" or "x509-svid"). A file source is here; the Workload API
// client (src/spiffe) is meant to provide another implementation of the same interface.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "auth/jwk.hpp"
#include "core/result.hpp"

namespace gatehouse::auth {

// The JWT authorities of a SPIFFE bundle document: members with use "jwt-svid" only (x509-svid
// keys must never verify a token), each with a kid. A jwt-svid member that is broken is an
// error naming it ("keys[2]: ..."), not a silent skip: a bundle is the operator's own file.
// With `unmarked_are_jwt` (the Workload API's FetchJWTBundles, whose JWKS hold JWT authorities
// only and need not say so), members without a use count as jwt-svid too.
// Errors: Errc::invalid_config, reason bundle.invalid.
Result<JwkSet> parse_jwt_bundle(std::string_view json, bool unmarked_are_jwt = false);

class JwtBundleSource {
 public:
  virtual ~JwtBundleSource() = default;
  // The JWT authorities of `trust_domain` now, or null when this source has none for it.
  // Called on the request path: must not block on I/O for long. Thread-safe.
  virtual std::shared_ptr<const JwkSet> current(std::string_view trust_domain) const = 0;
};

// Bundles pushed by another component: the SPIFFE Workload API client's FetchJWTBundles
// snapshots (JWKS text per trust domain) are handed to update() by its subscriber.
class PushedJwtBundleSource final : public JwtBundleSource {
 public:
  // Replaces the set of trust domains. A document that does not parse keeps that domain's
  // previous keys (logged), like a broken file does.
  void update(const std::map<std::string, std::string>& jwks_by_trust_domain);
  // What keeps the pushing side attached (e.g. a Workload API subscription), held as long as
  // this source lives.
  void hold(std::shared_ptr<void> subscription);

  // JwtBundleSource
  std::shared_ptr<const JwkSet> current(std::string_view trust_domain) const override;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const JwkSet>, std::less<>> keys_;
  std::shared_ptr<void> subscription_;
};

// One trust domain's bundle in a file, re-read when the file changes (checked with stat() at
// most once per `check_interval`, so rotation needs no restart and costs no inotify watch).
// A change that does not parse keeps the previous keys (logged): a half-written file must not
// log every workload out.
class FileJwtBundleSource final : public JwtBundleSource {
 public:
  // Reads the file now; errors (unreadable, malformed) are invalid_config naming the file.
  static Result<std::shared_ptr<FileJwtBundleSource>> create(
      std::string trust_domain, std::string path,
      std::chrono::milliseconds check_interval = std::chrono::seconds(1));

  // JwtBundleSource
  std::shared_ptr<const JwkSet> current(std::string_view trust_domain) const override;

  std::size_t reloads() const;

 private:
  struct Stamp {
    ino_t inode = 0;
    off_t size = 0;
    std::timespec mtime{};
    bool operator==(const Stamp& o) const {
      return inode == o.inode && size == o.size && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec;
    }
  };
  FileJwtBundleSource(std::string trust_domain, std::string path, std::chrono::milliseconds interval)
      : trust_domain_(std::move(trust_domain)), path_(std::move(path)), interval_(interval) {}
  Status load(const Stamp& stamp) const;  // mutex_ held

  std::string trust_domain_;
  std::string path_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const JwkSet> keys_;
  mutable Stamp stamp_;
  mutable std::chrono::steady_clock::time_point last_check_{};
  mutable std::size_t reloads_ = 0;
};

}  // namespace gatehouse::auth
