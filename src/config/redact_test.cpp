#include "config/redact.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "config/loader.hpp"

namespace gatehouse::config {
namespace {

namespace json = boost::json;

constexpr std::string_view kSecretful = R"(listeners:
  - { name: main, port: 8080 }
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    auth:
      providers:
        - name: keys
          api_keys: [ { name: ci, sha256: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" } ]
    fga:
      model_file: m.fga
      store: { kind: postgres, dsn: "postgres://fga:PGPASSWORD1@db/fga" }
      check: { user: 'user:{identity.subject}', relation: can_call, object: 'tool:{mcp.tool}' }
backends:
  - name: tools
    targets:
      - name: echo
        http: { url: "http://bob:URLPASSWORD2@127.0.0.1:9101/mcp", headers: { X-Api-Key: HEADERVALUE3 } }
      - name: child
        stdio: { command: srv, env: { TOKEN: ENVVALUE4 } }
      - name: old
        sse: { url: http://127.0.0.1:9103/sse, headers: { Authorization: "Bearer SSEHEADER5" } }
    upstream_auth: { mode: client_credentials, token_url: http://as/token, client_id: gw, client_secret: CLIENTSECRET6 }
  - name: static
    targets: [ { name: s, stdio: { command: srv } } ]
    upstream_auth: { mode: static, header: X-Key, value: STATICTOKEN7 }
sessions: { key: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 }
redis: { url: "redis://:REDISPASSWORD8@127.0.0.1:6379/0" }
)";

TEST(RedactTest, NoSecretSurvivesTheDump) {
  auto r = load_string(kSecretful, "gw.yaml");
  ASSERT_TRUE(r) << r.error().message;
  std::string dump = json::serialize(to_redacted_json(*r));
  for (auto secret : {"aaaaaaaaaaaaaaaa", "PGPASSWORD1", "URLPASSWORD2", "HEADERVALUE3", "ENVVALUE4",
                      "SSEHEADER5", "CLIENTSECRET6", "STATICTOKEN7", "REDISPASSWORD8",
                      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"})
    EXPECT_EQ(dump.find(secret), std::string::npos) << secret << " in " << dump;
  // What is not secret stays readable.
  for (auto shown : {"X-Api-Key", "TOKEN", "\"client_id\":\"gw\"", "user:{identity.subject}",
                     "http://bob:[redacted]@127.0.0.1:9101/mcp", "redis://:[redacted]@127.0.0.1:6379/0"})
    EXPECT_NE(dump.find(shown), std::string::npos) << shown << " missing in " << dump;
}

TEST(RedactTest, UpstreamTlsPathsStayVisible) {
  auto r = load_string(R"(listeners: [ { name: main, port: 8080 } ]
routes: [ { name: tools, listener: main, path: /mcp, backend: tools } ]
backends:
  - name: tools
    targets:
      - name: db
        http:
          url: https://127.0.0.1:8443/mcp
          tls: { ca: /pki/ca.pem, server_name: db.local, spiffe_id: "spiffe://example.org/mcp/db", cert: /svid/gw.pem, key: /svid/gw.key }
)", "/etc/gh/gw.yaml");
  ASSERT_TRUE(r) << r.error().message;
  auto dump = to_redacted_json(*r);
  const auto& tls = dump.at("backends").at(0).at("targets").at(0).at("http").at("tls");
  EXPECT_EQ(json::serialize(tls),
            R"({"ca":"/pki/ca.pem","server_name":"db.local","spiffe_id":"spiffe://example.org/mcp/db",)"
            R"("cert":"/svid/gw.pem","key":"/svid/gw.key"})");
}

TEST(RedactTest, FieldsAreRedactedInPlace) {
  auto r = load_string(kSecretful, "gw.yaml");
  ASSERT_TRUE(r) << r.error().message;
  json::value v = to_redacted_json(*r);
  EXPECT_EQ(v.at("sessions").at("key"), "[redacted]");
  EXPECT_EQ(v.at("sessions").at("ttl"), "24h");
  const auto& b = v.at("backends").at(0);
  EXPECT_EQ(b.at("targets").at(0).at("http").at("headers").at("X-Api-Key"), "[redacted]");
  EXPECT_EQ(b.at("targets").at(1).at("stdio").at("env").at("TOKEN"), "[redacted]");
  EXPECT_EQ(b.at("upstream_auth").at("client_secret"), "[redacted]");
  EXPECT_EQ(v.at("backends").at(1).at("upstream_auth").at("value"), "[redacted]");
  const auto& route = v.at("routes").at(0);
  EXPECT_EQ(route.at("auth").at("providers").at(0).at("api_keys").at(0).at("sha256"), "[redacted]");
  EXPECT_EQ(route.at("fga").at("store").at("dsn"), "[redacted]");
  EXPECT_EQ(v.at("limits").at("max_body"), 4 * 1024 * 1024);
}

TEST(RedactTest, GeneratedKeyIsSaidSo) {
  auto r = load_string(R"(listeners: [ { name: m, port: 1 } ]
routes: [ { name: r, listener: m, path: /mcp, backend: b } ]
backends: [ { name: b, targets: [ { name: t, http: { url: "http://h/mcp" } } ] } ]
)", "gw.yaml");
  ASSERT_TRUE(r) << r.error().message;
  auto v = to_redacted_json(*r);
  EXPECT_EQ(v.at("sessions").at("key"), "[generated]");
  EXPECT_FALSE(v.as_object().contains("redis"));
}

TEST(RedactTest, FgaApiTokenIsRedacted) {
  Config c;
  c.admin.emplace();
  c.admin->fga_api.enabled = true;
  c.admin->fga_api.token = "fga-api-s3cret";
  const auto dump = json::serialize(to_redacted_json(c));
  EXPECT_EQ(dump.find("fga-api-s3cret"), std::string::npos) << dump;
  const json::value all = to_redacted_json(c);
  const auto& api = all.at("admin").at("fga_api");
  EXPECT_EQ(api.at("token").as_string(), kRedacted);
  EXPECT_TRUE(api.at("enabled").as_bool());
}

TEST(RedactTest, Helpers) {
  EXPECT_EQ(redact_url("redis://u:p@h:1/0?x=1"), "redis://u:[redacted]@h:1/0?x=1");
  EXPECT_EQ(redact_url("http://h/x"), "http://h/x");
  EXPECT_EQ(redact_url("not a url"), "not a url");
  EXPECT_EQ(format_duration(std::chrono::hours(24)), "24h");
  EXPECT_EQ(format_duration(std::chrono::minutes(90)), "90m");
  EXPECT_EQ(format_duration(std::chrono::seconds(30)), "30s");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(1500)), "1500ms");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(0)), "0s");
}

}  // namespace
}  // namespace gatehouse::config
