#include "gateway/naming.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace gatehouse::gateway {
namespace {

bool known(std::string_view t, std::span<const std::string> targets) {
  return std::any_of(targets.begin(), targets.end(), [&](const std::string& s) { return s == t; });
}

std::optional<Routed> split_known(std::string_view s, char sep,
                                  std::span<const std::string> targets) {
  auto pos = s.find(sep);
  if (pos == std::string_view::npos || pos == 0) return std::nullopt;
  auto target = s.substr(0, pos);
  if (!known(target, targets)) return std::nullopt;
  return Routed{target, s.substr(pos + 1)};
}

}  // namespace

bool valid_target_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return alpha(c) || (c >= '0' && c <= '9') || c == '-';
  });
}

bool prefixing(PrefixMode mode, std::size_t target_count) {
  switch (mode) {
    case PrefixMode::always: return true;
    case PrefixMode::never: return false;
    case PrefixMode::automatic: return target_count > 1;
  }
  return true;
}

std::string prefix_name(std::string_view target, std::string_view name) {
  std::string out;
  out.reserve(target.size() + 1 + name.size());
  out.append(target).push_back(kNameSeparator);
  out.append(name);
  return out;
}

std::optional<Routed> route_prefixed(std::string_view prefixed,
                                     std::span<const std::string> targets) {
  return split_known(prefixed, kNameSeparator, targets);
}

std::string wrap_uri(std::string_view target, std::string_view uri) {
  std::string out;
  out.reserve(target.size() + 1 + uri.size());
  out.append(target).push_back('+');
  out.append(uri);
  return out;
}

std::optional<Routed> unwrap_uri(std::string_view wrapped, std::span<const std::string> targets) {
  return split_known(wrapped, '+', targets);
}

boost::json::value wrap_request_id(std::string_view target, const boost::json::value& id, unsigned loop) {
  std::string s(target);
  s += ':';
  s += std::to_string(loop);
  s += ':';
  s += boost::json::serialize(id);
  return boost::json::value(s);
}

std::optional<RoutedId> unwrap_request_id(const boost::json::value& id) {
  if (!id.is_string()) return std::nullopt;
  std::string_view s = id.get_string();
  auto pos = s.find(':');
  if (pos == std::string_view::npos || !valid_target_name(s.substr(0, pos))) return std::nullopt;
  auto loop_end = s.find(':', pos + 1);
  if (loop_end == std::string_view::npos || loop_end == pos + 1 || loop_end - pos - 1 > 4) return std::nullopt;
  unsigned loop = 0;
  for (char c : s.substr(pos + 1, loop_end - pos - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    loop = loop * 10 + static_cast<unsigned>(c - '0');
  }
  boost::system::error_code ec;
  auto inner = boost::json::parse(s.substr(loop_end + 1), ec);
  if (ec || !(inner.is_string() || inner.is_int64() || inner.is_uint64())) return std::nullopt;
  return RoutedId{std::string(s.substr(0, pos)), std::move(inner), loop};
}

std::string wrap_event_id(std::string_view target, std::string_view upstream_id) {
  std::string out(target);
  out += '/';
  out += upstream_id;
  return out;
}

std::optional<Routed> unwrap_event_id(std::string_view event_id) {
  auto pos = event_id.find('/');
  if (pos == std::string_view::npos || !valid_target_name(event_id.substr(0, pos)))
    return std::nullopt;
  return Routed{event_id.substr(0, pos), event_id.substr(pos + 1)};
}

}  // namespace gatehouse::gateway
