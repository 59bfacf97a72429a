#include "auth/jwt_bundle_source.hpp"

#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>

#include "core/log.hpp"

namespace gatehouse::auth {
namespace {

Unexpected invalid(std::string msg) { return fail(Errc::invalid_config, std::move(msg), "bundle.invalid"); }

std::string str_member(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string{};
}

}  // namespace

Result<JwkSet> parse_jwt_bundle(std::string_view json, bool unmarked_are_jwt) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return invalid("bundle: not a JSON object");
  auto it = v.as_object().find("keys");
  if (it == v.as_object().end() || !it->value().is_array()) return invalid("bundle: keys: missing or not an array");
  JwkSet set;
  const auto& members = it->value().as_array();
  for (std::size_t i = 0; i < members.size(); ++i) {
    const std::string where = "bundle: keys[" + std::to_string(i) + "]";
    if (!members[i].is_object()) return invalid(where + ": not an object");
    boost::json::object member = members[i].as_object();
    const std::string use = str_member(member, "use");
    if (use != "jwt-svid" && !(unmarked_are_jwt && use.empty())) {
      ++set.skipped;  // x509-svid authorities, or a use this version does not know
      continue;
    }
    // The SPIFFE bundle format requires a kid on JWT authorities.
    if (str_member(member, "kid").empty()) return invalid(where + ": a jwt-svid key needs a kid");
    // parse_jwk knows JOSE's "sig"; the bundle's own use has been checked above.
    member.erase("use");
    auto jwk = parse_jwk(member);
    if (!jwk) return invalid(where + ": " + jwk.error().message);
    set.keys.push_back(std::move(*jwk));
  }
  return set;
}

void PushedJwtBundleSource::update(const std::map<std::string, std::string>& jwks_by_trust_domain) {
  std::map<std::string, std::shared_ptr<const JwkSet>, std::less<>> next;
  std::lock_guard lock(mutex_);
  for (const auto& [domain, jwks] : jwks_by_trust_domain) {
    auto set = parse_jwt_bundle(jwks, true);
    if (set) {
      next[domain] = std::make_shared<const JwkSet>(std::move(*set));
      continue;
    }
    log::warn("auth.bundle_update_failed", {{"trust_domain", domain}, {"error", set.error().message}});
    if (auto old = keys_.find(domain); old != keys_.end()) next[domain] = old->second;
  }
  keys_ = std::move(next);
}

void PushedJwtBundleSource::hold(std::shared_ptr<void> subscription) {
  std::shared_ptr<void> previous;  // released outside the lock: unsubscribing waits for a running update()
  std::lock_guard lock(mutex_);
  previous = std::exchange(subscription_, std::move(subscription));
}

std::shared_ptr<const JwkSet> PushedJwtBundleSource::current(std::string_view trust_domain) const {
  std::lock_guard lock(mutex_);
  auto it = keys_.find(trust_domain);
  return it == keys_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<FileJwtBundleSource>> FileJwtBundleSource::create(std::string trust_domain, std::string path,
                                                                         std::chrono::milliseconds check_interval) {
  std::shared_ptr<FileJwtBundleSource> s(
      new FileJwtBundleSource(std::move(trust_domain), std::move(path), check_interval));
  struct stat st {};
  if (::stat(s->path_.c_str(), &st) != 0) return invalid("cannot read bundle file " + s->path_);
  std::lock_guard lock(s->mutex_);
  GH_CHECK(s->load(Stamp{st.st_ino, st.st_size, st.st_mtim}));
  s->last_check_ = std::chrono::steady_clock::now();
  s->reloads_ = 0;
  return s;
}

Status FileJwtBundleSource::load(const Stamp& stamp) const {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return invalid("cannot read bundle file " + path_);
  std::ostringstream text;
  text << in.rdbuf();
  auto set = parse_jwt_bundle(text.str());
  if (!set) return invalid(path_ + ": " + set.error().message);
  keys_ = std::make_shared<const JwkSet>(std::move(*set));
  stamp_ = stamp;
  ++reloads_;
  return {};
}

std::shared_ptr<const JwkSet> FileJwtBundleSource::current(std::string_view trust_domain) const {
  if (trust_domain != trust_domain_) return nullptr;
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (now - last_check_ >= interval_) {
    last_check_ = now;
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0) {
      Stamp stamp{st.st_ino, st.st_size, st.st_mtim};
      if (!(stamp == stamp_)) {
        if (auto s = load(stamp); !s) {
          stamp_ = stamp;  // do not re-read a broken file on every request; its next change is seen
          log::warn("auth.bundle_reload_failed", {{"file", path_}, {"error", s.error().message}});
        } else {
          log::info("auth.bundle_reloaded", {{"file", path_}, {"keys", keys_->keys.size()}});
        }
      }
    }
  }
  return keys_;
}

std::size_t FileJwtBundleSource::reloads() const {
  std::lock_guard lock(mutex_);
  return reloads_;
}

}  // namespace gatehouse::auth
