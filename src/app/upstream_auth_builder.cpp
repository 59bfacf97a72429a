#include "app/upstream_auth_builder.hpp"

#include <boost/algorithm/string/predicate.hpp>

#include "auth/beast_fetch.hpp"
#include "auth/upstream_credentials.hpp"
#include "auth/validator.hpp"
#include "gateway/policy_chain.hpp"

namespace gatehouse::app {
namespace {

// The caller's bearer token as it arrived (RFC 6750 §2.1), or empty.
std::string bearer_token(const net::Request& http) {
  auto it = http.find(boost::beast::http::field::authorization);
  if (it == http.end()) return {};
  std::string_view v = it->value();
  if (v.size() <= 7 || !boost::algorithm::istarts_with(v, "bearer ")) return {};
  v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  return std::string(v);
}

class BackendCredentials final : public gateway::CallerCredentials {
 public:
  BackendCredentials(auth::UpstreamAuthKind kind, std::shared_ptr<auth::UpstreamCredentials> source)
      : kind_(kind), source_(std::move(source)) {}

  boost::asio::awaitable<Result<std::optional<Header>>> header_for(const gateway::PolicyRequest& request) const override {
    using Out = std::optional<Header>;
    static const auth::Identity kAnonymous;
    const auto* who = static_cast<const auth::Identity*>(request.identity.get());
    std::string token = bearer_token(request.http);
    if (kind_ == auth::UpstreamAuthKind::token_exchange) {
      // The exchanged token is cached per principal: exchanging for an unauthenticated
      // caller (or an API key, which is no access token) would share one token between
      // callers, so it is refused.
      if (!who || (who->method != "jwt" && who->method != "introspection") || token.empty())
        co_return fail(Errc::forbidden, "token exchange needs a caller authenticated with an access token",
                       "upstream_auth.no_subject_token");
    }
    auto h = co_await source_->header_for(who ? *who : kAnonymous, std::move(token), auth::unix_now());
    if (!h) co_return h.propagate();
    if (!*h) co_return Out{};
    co_return Out{Header{std::move((*h)->name), std::move((*h)->value)}};
  }

 private:
  auth::UpstreamAuthKind kind_;
  std::shared_ptr<auth::UpstreamCredentials> source_;
};

}  // namespace

Result<std::shared_ptr<const gateway::CallerCredentials>> build_caller_credentials(const config::Backend& backend) {
  using Mode = config::UpstreamAuth::Mode;
  const auto& a = backend.upstream_auth;
  auth::UpstreamAuthConfig c;
  switch (a.mode) {
    case Mode::strip:
    case Mode::static_header: return std::shared_ptr<const gateway::CallerCredentials>{};
    case Mode::passthrough: c.kind = auth::UpstreamAuthKind::passthrough; break;
    case Mode::client_credentials: c.kind = auth::UpstreamAuthKind::client_credentials; break;
    case Mode::token_exchange: c.kind = auth::UpstreamAuthKind::token_exchange; break;
  }
  c.token_endpoint = a.token_url;
  c.client_id = a.client_id;
  c.client_secret = a.client_secret;
  c.scope = a.scope;
  c.audience = a.audience;
  c.resource = a.resource;
  // One source per backend, shared by its targets and every gateway thread (its cache is
  // locked); rebuilt, with an empty cache, on reload.
  const auto kind = c.kind;
  auto source = std::make_shared<auth::UpstreamCredentials>(auth::make_beast_fetch(), std::move(c));
  return std::shared_ptr<const gateway::CallerCredentials>(std::make_shared<BackendCredentials>(kind, std::move(source)));
}

}  // namespace gatehouse::app
