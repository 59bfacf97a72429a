// Upstream credentials that depend on the caller (explicit token passthrough, OAuth client
// credentials, RFC 8693 token exchange), asked for on every call to a target. The app builds
// them from config (auth::UpstreamCredentials behind it), so the gateway stays ignorant of
// token formats; static headers do not need this and live in HttpTarget::headers.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <utility>

#include "core/result.hpp"

namespace gatehouse::gateway {

struct PolicyRequest;

class CallerCredentials {
 public:
  using Header = std::pair<std::string, std::string>;
  virtual ~CallerCredentials() = default;
  // The header to send upstream for the caller of `request`; nullopt: none. An error fails
  // this target's part of the call (Errc::forbidden when the authorization server refused,
  // Errc::unavailable when it could not be reached).
  virtual boost::asio::awaitable<Result<std::optional<Header>>> header_for(const PolicyRequest& request) const = 0;
};

}  // namespace gatehouse::gateway
