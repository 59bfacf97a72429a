#include "mcp/origin.hpp"

#include <gtest/gtest.h>

namespace gatehouse::mcp {
namespace {

TEST(Origin, LoopbackByDefault) {
  OriginPolicy p;
  EXPECT_TRUE(origin_allowed(p, "http://127.0.0.1:8080"));
  EXPECT_TRUE(origin_allowed(p, "http://localhost"));
  EXPECT_TRUE(origin_allowed(p, "https://[::1]:9"));
  EXPECT_FALSE(origin_allowed(p, "http://evil.example.com"));
  EXPECT_FALSE(origin_allowed(p, "http://127.0.0.1.evil.example.com"));
  EXPECT_FALSE(origin_allowed(p, "null"));
  EXPECT_FALSE(origin_allowed(p, ""));
  EXPECT_FALSE(origin_allowed(p, "file:///etc/passwd"));
  EXPECT_FALSE(origin_allowed(p, "http://localhost@evil.com"));
}

TEST(Origin, AllowList) {
  OriginPolicy p;
  p.allow_loopback = false;
  p.allowed_origins = {"https://App.example.com"};
  EXPECT_TRUE(origin_allowed(p, "https://app.example.com"));
  EXPECT_FALSE(origin_allowed(p, "http://127.0.0.1"));
}

TEST(Host, Validation) {
  OriginPolicy p;
  EXPECT_TRUE(host_allowed(p, "127.0.0.1:3000"));
  EXPECT_TRUE(host_allowed(p, "localhost"));
  EXPECT_TRUE(host_allowed(p, "[::1]:80"));
  EXPECT_FALSE(host_allowed(p, "evil.example.com"));
  EXPECT_FALSE(host_allowed(p, "evil.example.com:80"));
  EXPECT_FALSE(host_allowed(p, "user@localhost"));
  EXPECT_FALSE(host_allowed(p, "[::1"));
  p.allowed_hosts = {"mcp.example.com"};
  EXPECT_TRUE(host_allowed(p, "mcp.example.com:443"));
  p.check_host = false;
  EXPECT_TRUE(host_allowed(p, "anything"));
}

}  // namespace
}  // namespace gatehouse::mcp
