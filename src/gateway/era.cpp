#include "gateway/era.hpp"

#include <algorithm>

#include "gateway/relay.hpp"

namespace gatehouse::gateway {
namespace json = boost::json;

namespace {

const json::object* meta_of(const json::object& message) {
  auto* p = message.if_contains("params");
  if (!p || !p->is_object()) return nullptr;
  auto* m = p->get_object().if_contains("_meta");
  return m && m->is_object() ? &m->get_object() : nullptr;
}

bool is_modern_version(std::string_view v) { return v >= kModernVersion; }

json::array supported_versions() {
  json::array out;
  out.push_back(json::value(kModernVersion));
  for (auto v : legacy_versions()) out.push_back(json::value(v));
  return out;
}

EraRejection mismatch(std::string message) {
  return EraRejection{400, kHeaderMismatch, std::move(message), {}};
}

}  // namespace

std::optional<std::string_view> name_in_body(std::string_view method, const json::object& message) {
  std::string_view key;
  if (method == "tools/call" || method == "prompts/get") key = "name";
  else if (method == "resources/read" || method == "resources/subscribe" || method == "resources/unsubscribe")
    key = "uri";
  else return std::nullopt;
  auto* p = message.if_contains("params");
  if (!p || !p->is_object()) return std::string_view();
  auto* v = p->get_object().if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

std::optional<EraRejection> classify_era(const EraHeaders& h, const json::object& message, Era& era) {
  era = Era::legacy;
  std::string_view method;
  if (auto* m = message.if_contains("method"); m && m->is_string()) method = m->get_string();
  bool is_request = !method.empty() && message.contains("id");
  bool is_notification = !method.empty() && !message.contains("id");
  if (method.empty()) return std::nullopt;  // a posted response: session era only
  if (method == "initialize") return std::nullopt;

  const json::object* meta = meta_of(message);
  const json::value* claim = meta ? meta->if_contains(kEnvelopeVersionKey) : nullptr;
  bool header_modern = !h.protocol_version.empty() && is_modern_version(h.protocol_version);
  if (!claim && !header_modern) return std::nullopt;

  if (claim && !claim->is_string())
    return EraRejection{400, -32602, "Invalid _meta envelope: protocolVersion must be a string", {}};
  if (!claim && is_request)
    return EraRejection{400, -32602,
                        "Invalid params: MCP-Protocol-Version names a 2026 revision but the request has no _meta "
                        "envelope",
                        {}};
  std::string_view version = claim ? std::string_view(claim->get_string()) : h.protocol_version;
  if (claim && !h.protocol_version.empty() && h.protocol_version != version)
    return mismatch("MCP-Protocol-Version header does not match the _meta envelope");
  if (version != kModernVersion) {
    if (!is_modern_version(version) &&
        std::find(legacy_versions().begin(), legacy_versions().end(), version) != legacy_versions().end())
      return std::nullopt;  // a session-era version in the envelope: not a modern claim
    EraRejection r{400, kUnsupportedVersion, "Unsupported protocol version", {}};
    r.data["supported"] = supported_versions();
    r.data["requested"] = version;
    return r;
  }
  era = Era::modern;
  if (h.has_method && h.method != method) return mismatch("Mcp-Method header does not match the body");
  if (!h.has_method && is_request) return mismatch("Mcp-Method header is required");
  (void)is_notification;
  if (auto body_name = name_in_body(method, message)) {
    if (!h.has_name && is_request) return mismatch("Mcp-Name header is required for " + std::string(method));
    if (h.has_name && h.name != *body_name) return mismatch("Mcp-Name header does not match the body");
  }
  return std::nullopt;
}

}  // namespace gatehouse::gateway
