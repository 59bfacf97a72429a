#include "gateway/event_ids.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/sealed_box.hpp"

namespace gatehouse::gateway {
namespace json = boost::json;

namespace {
constexpr std::string_view kPrefix = "gh1.";
constexpr std::size_t kMaxId = 4096;
}  // namespace

std::string encode_event_id(const EventPositions& positions) {
  json::object o;
  for (const auto& [target, id] : positions) o[target] = id;
  return std::string(kPrefix) + base64url_encode(json::serialize(o));
}

std::optional<EventPositions> decode_event_id(std::string_view id) {
  if (id.size() > kMaxId || !id.starts_with(kPrefix)) return std::nullopt;
  auto bytes = base64url_decode(id.substr(kPrefix.size()));
  if (!bytes) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(*bytes, ec);
  if (ec || !v.is_object()) return std::nullopt;
  EventPositions out;
  for (const auto& [k, val] : v.get_object()) {
    if (!val.is_string()) return std::nullopt;
    // An id goes upstream in a header: nothing that could split it.
    for (char c : val.get_string())
      if (c == '\r' || c == '\n' || c == '\0') return std::nullopt;
    out.emplace(std::string(k), std::string(val.get_string()));
  }
  return out;
}

}  // namespace gatehouse::gateway
