#include "gateway/merge.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <set>

#include "gateway/naming.hpp"
#include "gateway/sealed_box.hpp"

namespace gatehouse::gateway {
namespace json = boost::json;
namespace {

void merge_into(json::object& into, const json::object& from) {
  for (const auto& [key, value] : from) {
    auto* existing = into.if_contains(key);
    if (!existing) {
      into[key] = value;
    } else if (existing->is_bool() && value.is_bool()) {
      *existing = existing->get_bool() || value.get_bool();
    } else if (existing->is_object() && value.is_object()) {
      merge_into(existing->get_object(), value.get_object());
    }
    // Other kinds: first target wins.
  }
}

const char* renamed_field(ListKind kind) {
  switch (kind) {
    case ListKind::tools:
    case ListKind::prompts: return "name";
    case ListKind::resources: return "uri";
    case ListKind::resource_templates: return "uriTemplate";
  }
  return "name";
}

}  // namespace

json::object merge_capabilities(std::span<const TargetAnswer> answers) {
  json::object caps;
  for (const auto& a : answers) {
    if (!a.result) continue;
    if (const auto* c = a.result->if_contains("capabilities"); c && c->is_object())
      merge_into(caps, c->get_object());
  }
  return caps;
}

std::optional<std::string> choose_protocol_version(std::string_view requested,
                                                   std::span<const std::string> target_versions,
                                                   std::span<const std::string_view> supported) {
  // Versions are ISO dates, so string order is time order.
  std::string_view best = requested;
  for (const auto& v : target_versions)
    if (v < best) best = v;
  // The highest version the gateway knows that is not newer than `best`.
  std::optional<std::string> chosen;
  for (auto s : supported)
    if (s <= best && (!chosen || s > *chosen)) chosen = std::string(s);
  return chosen;
}

json::object merge_initialize(std::span<const TargetAnswer> answers,
                              std::string_view protocol_version, std::string_view server_name,
                              std::string_view server_version) {
  json::object out;
  out["protocolVersion"] = protocol_version;
  out["capabilities"] = merge_capabilities(answers);
  out["serverInfo"] = json::object{{"name", server_name}, {"version", server_version}};
  std::string instructions;
  for (const auto& a : answers) {
    if (!a.result) continue;
    const auto* i = a.result->if_contains("instructions");
    if (!i || !i->is_string() || i->get_string().empty()) continue;
    if (!instructions.empty()) instructions += "\n\n";
    if (answers.size() > 1) {
      instructions += "## ";
      instructions += a.target;
      instructions += "\n";
    }
    instructions += i->get_string();
  }
  if (!instructions.empty()) out["instructions"] = instructions;
  return out;
}

json::object discover_from_initialize(const json::object& init) {
  json::object out;
  out["supportedVersions"] = json::array{json::value(kModernVersion)};
  if (auto* c = init.if_contains("capabilities"); c && c->is_object()) out["capabilities"] = *c;
  else out["capabilities"] = json::object();
  if (auto* i = init.if_contains("instructions"); i && i->is_string()) out["instructions"] = *i;
  out["ttlMs"] = 0;
  out["cacheScope"] = "private";
  return out;
}

json::object merge_discover(std::span<const TargetAnswer> answers, std::string_view server_name,
                            std::string_view server_version) {
  json::object init = merge_initialize(answers, kModernVersion, server_name, server_version);
  json::object out;
  out["supportedVersions"] = json::array{json::value(kModernVersion)};
  out["capabilities"] = std::move(init["capabilities"]);
  if (auto* i = init.if_contains("instructions")) out["instructions"] = std::move(*i);
  out["ttlMs"] = 0;
  out["cacheScope"] = "private";
  json::object meta;
  meta["io.modelcontextprotocol/serverInfo"] = std::move(init["serverInfo"]);
  out["_meta"] = std::move(meta);
  return out;
}

std::optional<ListKind> list_kind(std::string_view method) {
  if (method == "tools/list") return ListKind::tools;
  if (method == "prompts/list") return ListKind::prompts;
  if (method == "resources/list") return ListKind::resources;
  if (method == "resources/templates/list") return ListKind::resource_templates;
  return std::nullopt;
}

std::string_view list_member(ListKind kind) {
  switch (kind) {
    case ListKind::tools: return "tools";
    case ListKind::prompts: return "prompts";
    case ListKind::resources: return "resources";
    case ListKind::resource_templates: return "resourceTemplates";
  }
  return "tools";
}

json::array merge_list(ListKind kind, std::span<const TargetAnswer> answers, bool prefix,
                       std::vector<Collision>* collisions) {
  json::array out;
  const char* field = renamed_field(kind);
  bool is_uri = kind == ListKind::resources || kind == ListKind::resource_templates;
  std::vector<std::pair<std::string, std::string_view>> seen;  // name -> target
  for (const auto& a : answers) {
    if (!a.result) continue;
    const auto* items = a.result->if_contains(list_member(kind));
    if (!items || !items->is_array()) continue;
    for (const auto& item : items->get_array()) {
      if (!item.is_object()) continue;
      const auto* key = item.get_object().if_contains(field);
      if (!key || !key->is_string()) continue;  // nothing a client could call; drop it
      std::string_view name = key->get_string();
      if (prefix) {
        json::object renamed = item.get_object();
        renamed[field] = is_uri ? wrap_uri(a.target, name) : prefix_name(a.target, name);
        out.push_back(std::move(renamed));
        continue;
      }
      auto it = std::find_if(seen.begin(), seen.end(), [&](auto& p) { return p.first == name; });
      if (it != seen.end()) {
        if (collisions && it->second != a.target)
          collisions->push_back({std::string(name), std::string(it->second), std::string(a.target)});
        continue;
      }
      seen.emplace_back(std::string(name), a.target);
      out.push_back(item);
    }
  }
  return out;
}

std::string encode_list_cursor(const ListCursor& cursor) {
  json::array arr;
  for (const auto& [target, upstream] : cursor) arr.push_back(json::array{target, upstream});
  return base64url_encode(json::serialize(arr));
}

std::optional<ListCursor> decode_list_cursor(std::string_view text) {
  if (text.size() > 8192) return std::nullopt;
  auto raw = base64url_decode(text);
  if (!raw) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(*raw, ec);
  if (ec || !v.is_array() || v.get_array().empty()) return std::nullopt;
  ListCursor out;
  for (const auto& e : v.get_array()) {
    if (!e.is_array() || e.get_array().size() != 2 || !e.get_array()[0].is_string() ||
        !e.get_array()[1].is_string())
      return std::nullopt;
    std::string target(e.get_array()[0].get_string());
    if (!valid_target_name(target)) return std::nullopt;
    out.emplace_back(std::move(target), std::string(e.get_array()[1].get_string()));
  }
  return out;
}

}  // namespace gatehouse::gateway
