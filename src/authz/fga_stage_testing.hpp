// Shared by the fga stage's unit test and benchmark: a one-route config over a model and
// tuples file in `dir`, and a tools/call request with the objects it points at.
#pragma once

#include <boost/asio/ip/address_v4.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "auth/identity.hpp"
#include "gateway/policy_chain.hpp"

namespace gatehouse::authz::testing {

// Route `tools` at /mcp with an fga policy (memory store, the given cache ttl) checking
// `user:{sub} can_call tool:{target}/{tool}`; one target `bank` (never called).
inline std::string fga_route_config(const std::filesystem::path& dir, const std::string& ttl) {
  return R"(listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    fga:
      model_file: )" + (dir / "model.fga").string() + R"(
      tuples_file: )" + (dir / "tuples.yaml").string() + R"(
      store: { kind: memory }
      cache: { ttl: )" + ttl + R"( }
      check: { user: 'user:{identity.subject}', relation: can_call, object: 'tool:{mcp.target}/{mcp.tool}' }
backends:
  - name: tools
    targets: [ { name: bank, http: { url: "http://127.0.0.1:9/mcp" } } ]
)";
}

// A tools/call of target `bank` by `subject`; `request` refers to the other members, so a
// ToolCall stays where it was made.
struct ToolCall {
  ToolCall(const std::string& subject, const std::string& tool, std::vector<std::string> roles = {})
      : client_name("bank_" + tool),
        request{http, {boost::asio::ip::make_address_v4("10.0.0.5"), 5000}, "/mcp", gateway::Era::legacy,
                "tools/call", client_name} {
    identity.subject = subject;
    identity.roles = std::move(roles);
    request.arguments = &args;
    request.id = &id;
    request.target = "bank";
    request.tool = tool;
    request.identity = std::shared_ptr<const void>(&identity, [](const void*) {});
    request.principal = subject;
  }
  ToolCall(const ToolCall&) = delete;
  ToolCall& operator=(const ToolCall&) = delete;

  net::Request http{boost::beast::http::verb::post, "/mcp", 11};
  boost::json::object args{{"amount", 10}};
  boost::json::value id = 1;
  auth::Identity identity;
  std::string client_name;  // the prefixed name the client sent (request.name views it)
  gateway::PolicyRequest request;
};

}  // namespace gatehouse::authz::testing
