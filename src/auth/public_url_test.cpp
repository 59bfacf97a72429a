#include "auth/public_url.hpp"

#include <gtest/gtest.h>

namespace gatehouse::auth {
namespace {

TEST(PublicUrl, ConfiguredWins) {
  PublicUrlPolicy p{"https://mcp.example.com/", {"10.0.0.0/8"}};
  RequestOrigin o{"10.1.2.3", false, "internal:8080", "proto=http;host=evil", "http", "evil"};
  EXPECT_EQ(*public_resource_url(p, o, "/mcp"), "https://mcp.example.com/mcp");
}

TEST(PublicUrl, ForwardedOnlyFromTrustedProxies) {
  PublicUrlPolicy p{"", {"10.0.0.0/8", "::1"}};
  RequestOrigin trusted{"10.9.9.9", false, "gw-internal:8080", "", "https", "mcp.example.com"};
  EXPECT_EQ(*public_resource_url(p, trusted, "/mcp"), "https://mcp.example.com/mcp");
  RequestOrigin rfc7239{"::1", false, "gw:1", "for=1.2.3.4;proto=https;host=\"mcp.example.com:8443\", proto=http", "http", "x"};
  EXPECT_EQ(*public_resource_url(p, rfc7239, "/a/mcp"), "https://mcp.example.com:8443/a/mcp");
  RequestOrigin stranger{"192.168.1.5", false, "gw.example:8080", "proto=https;host=evil.example", "https", "evil.example"};
  EXPECT_EQ(*public_resource_url(p, stranger, "/mcp"), "http://gw.example:8080/mcp");
  RequestOrigin mapped{"::ffff:10.0.0.1", true, "h", "", "", "mcp.example.com"};
  EXPECT_EQ(*public_resource_url(p, mapped, "/mcp"), "https://mcp.example.com/mcp");
  RequestOrigin bad_proto{"10.0.0.1", true, "h", "", "javascript", ""};
  EXPECT_EQ(*public_resource_url(p, bad_proto, "/mcp"), "https://h/mcp");
}

TEST(PublicUrl, RejectsHostileHostsAndBadPolicy) {
  PublicUrlPolicy p{"", {"10.0.0.0/8"}};
  EXPECT_EQ(public_resource_url(p, {"1.2.3.4", false, "a b", "", "", ""}, "/mcp").error().code, Errc::bad_request);
  EXPECT_FALSE(public_resource_url(p, {"1.2.3.4", false, "evil.com/x?", "", "", ""}, "/mcp").ok());
  EXPECT_FALSE(public_resource_url(p, {"1.2.3.4", false, "", "", "", ""}, "/mcp").ok());
  EXPECT_FALSE(public_resource_url(p, {"10.0.0.1", false, "ok", "", "", "user@evil"}, "/mcp").ok());
  EXPECT_TRUE(validate(p).ok());
  EXPECT_FALSE(validate({"", {"10.0.0.0/33"}}).ok());
  EXPECT_FALSE(validate({"", {"not-an-ip"}}).ok());
  EXPECT_FALSE(validate({"mcp.example.com", {}}).ok());
  EXPECT_TRUE(validate({"https://mcp.example.com", {"fd00::/8", "127.0.0.1"}}).ok());
  EXPECT_FALSE(is_trusted_proxy(p, "garbage"));
  EXPECT_TRUE(is_trusted_proxy(p, "10.255.0.1"));
  EXPECT_FALSE(is_trusted_proxy(p, "11.0.0.1"));
}

}  // namespace
}  // namespace gatehouse::auth
