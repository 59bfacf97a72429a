#include "mcp/protocol.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace gatehouse::mcp {

const std::vector<std::string>& session_versions() {
  static const std::vector<std::string> kVersions = {"2024-11-05", "2025-03-26", "2025-06-18",
                                                     "2025-11-25"};
  return kVersions;
}

const std::vector<std::string>& modern_versions() {
  static const std::vector<std::string> kVersions = {std::string(kModernVersion)};
  return kVersions;
}

bool is_session_version(std::string_view v) {
  const auto& all = session_versions();
  return std::find(all.begin(), all.end(), v) != all.end();
}

bool is_modern_version(std::string_view v) {
  const auto& all = modern_versions();
  return std::find(all.begin(), all.end(), v) != all.end();
}

bool looks_modern(std::string_view v) {
  // Dates compare as strings in YYYY-MM-DD form.
  return v.size() == 10 && v >= kModernVersion;
}

std::string negotiate_session_version(std::string_view requested) {
  if (is_session_version(requested)) return std::string(requested);
  return std::string(kLatestSessionVersion);
}

std::optional<std::string> envelope_version(const json::value& body) {
  if (!body.is_object()) return std::nullopt;
  const auto* params = body.get_object().if_contains("params");
  if (!params || !params->is_object()) return std::nullopt;
  const auto* meta = params->get_object().if_contains("_meta");
  if (!meta || !meta->is_object()) return std::nullopt;
  const auto* v = meta->get_object().if_contains(kMetaProtocolVersion);
  if (!v) return std::nullopt;
  return v->is_string() ? std::string(v->get_string()) : std::string();
}

Era classify(const RequestHeaders& headers, const json::value& body) {
  if (!body.is_object()) return Era::session;  // no body, batch, not JSON
  const auto& o = body.get_object();
  if (!o.contains("method")) return Era::session;  // a posted response
  if (envelope_version(body)) return Era::modern;
  if (headers.protocol_version && looks_modern(*headers.protocol_version)) return Era::modern;
  return Era::session;
}

std::string_view name_field(std::string_view method) {
  if (method == "tools/call" || method == "prompts/get") return "name";
  if (method == "resources/read") return "uri";
  return {};
}

std::optional<std::string> decode_header_value(std::string_view raw) {
  constexpr std::string_view kPrefix = "=?base64?";
  constexpr std::string_view kSuffix = "?=";
  if (raw.size() < kPrefix.size() + kSuffix.size() || raw.substr(0, kPrefix.size()) != kPrefix ||
      raw.substr(raw.size() - kSuffix.size()) != kSuffix) {
    return std::string(raw);
  }
  std::string_view b64 = raw.substr(kPrefix.size(), raw.size() - kPrefix.size() - kSuffix.size());
  if (b64.size() % 4 != 0) return std::nullopt;
  std::string out(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes: drop them.
  std::size_t pad = 0;
  if (!b64.empty() && b64.back() == '=') pad = (b64.size() >= 2 && b64[b64.size() - 2] == '=') ? 2 : 1;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

namespace {

Rejection mismatch(std::string header, std::string what) {
  Rejection r;
  r.code = kHeaderMismatch;
  r.message = "Bad Request: the request headers and body disagree: " + what;
  r.data = json::object{{"mismatch", json::object{{"header", header}, {"body", what}}}};
  return r;
}

Rejection invalid_params(std::string message) {
  Rejection r;
  r.code = jsonrpc::kInvalidParams;
  r.message = std::move(message);
  return r;
}

}  // namespace

std::optional<Rejection> check_modern_request(const RequestHeaders& headers,
                                              const jsonrpc::Message& message) {
  json::value body = jsonrpc::to_object(message);
  auto claimed = envelope_version(body);
  if (!claimed) {
    return invalid_params("Invalid params: a " + headers.protocol_version.value_or("modern") +
                          " request must carry params._meta[\"" + std::string(kMetaProtocolVersion) + "\"]");
  }
  if (claimed->empty()) return invalid_params("Invalid params: the envelope protocol version must be a string");
  if (!headers.protocol_version) {
    return mismatch("(missing)", "the body envelope names protocol version " + *claimed +
                                     " but the required MCP-Protocol-Version header is absent");
  }
  if (*headers.protocol_version != *claimed) {
    return mismatch(*headers.protocol_version, "the body envelope names protocol version " + *claimed +
                                                   " but the MCP-Protocol-Version header names " +
                                                   *headers.protocol_version);
  }
  if (!is_modern_version(*claimed)) {
    Rejection r;
    r.code = kUnsupportedProtocolVersion;
    r.message = "Unsupported protocol version: " + *claimed;
    json::array supported;
    for (const auto& v : modern_versions()) supported.emplace_back(v);
    r.data = json::object{{"supported", supported}, {"requested", *claimed}};
    return r;
  }
  if (message.method == "initialize") {
    return mismatch(*headers.protocol_version,
                    "an initialize request (legacy handshake) was sent with a modern MCP-Protocol-Version header");
  }
  std::optional<std::string> method;
  if (headers.method) method = decode_header_value(*headers.method);
  if (!method) {
    return mismatch("(missing)", "the body names method " + message.method +
                                     " but the required Mcp-Method header is absent");
  }
  if (*method != message.method) {
    return mismatch(*method, "the body names method " + message.method + " but the Mcp-Method header names " + *method);
  }
  std::string_view field = name_field(message.method);
  if (!field.empty()) {
    const auto* v = message.params_object().if_contains(field);
    std::string body_name = v && v->is_string() ? std::string(v->get_string()) : std::string();
    std::optional<std::string> name;
    if (headers.name) name = decode_header_value(*headers.name);
    if (!name) {
      return mismatch("(missing)", "the body names " + std::string(field) + " " + body_name +
                                       " but the required Mcp-Name header is absent");
    }
    if (*name != body_name) {
      return mismatch(*name, "the body names " + std::string(field) + " " + body_name +
                                 " but the Mcp-Name header names " + *name);
    }
  }
  return std::nullopt;
}

}  // namespace gatehouse::mcp
