#include "bench/loadgen/options.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace gatehouse::bench {

const char* usage() {
  return "usage: gatehouse-loadgen --url http[s]://127.0.0.1:PORT/mcp [--era legacy|modern]\n"
         "         [--connections N] [--duration SECONDS] [--warmup SECONDS] [--rate RPS]\n"
         "         [--method tools/call|tools/list|ping] [--tool NAME] [--payload BYTES]\n"
         "         [--bearer TOKEN] [--new-connection] [--progress] [--json]\n"
         "         [--sessions N [--hold SECONDS]] [--mix call:W,list:W,churn:W]\n"
         "Closed loop by default (each connection sends its next request when the last is\n"
         "answered); --rate gives an open loop whose latency counts from the scheduled send\n"
         "time, so a stalled server is not hidden (no coordinated omission).\n"
         "--new-connection opens (and for https, handshakes) a connection per request.\n"
         "--progress sends a progressToken, so a tool that reports progress answers with SSE.\n"
         "--sessions N initializes N sessions (legacy era), prints a first JSON line when they\n"
         "are all open, holds them idle for --hold seconds, then makes one call in each.\n"
         "--mix sends, out of every W_call+W_list+W_churn requests of a connection, W_call\n"
         "tools/call, W_list tools/list and W_churn new sessions (initialize, initialized,\n"
         "DELETE; legacy era): a soak's mix, e.g. call:89,list:10,churn:1.\n";
}

namespace {

template <typename T>
bool parse_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Status parse_url(std::string_view url, LoadOptions& o) {
  constexpr std::string_view kHttp = "http://";
  constexpr std::string_view kHttps = "https://";
  if (url.substr(0, kHttp.size()) == kHttp) {
    url.remove_prefix(kHttp.size());
  } else if (url.substr(0, kHttps.size()) == kHttps) {
    url.remove_prefix(kHttps.size());
    o.tls = true;
  } else {
    return fail(Errc::bad_request, "--url must start with http:// or https://");
  }
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  o.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  auto colon = authority.rfind(':');
  if (colon == std::string_view::npos || !parse_number(authority.substr(colon + 1), o.port))
    return fail(Errc::bad_request, "--url needs an explicit port");
  o.host = std::string(authority.substr(0, colon));
  if (o.host.size() > 2 && o.host.front() == '[') o.host = o.host.substr(1, o.host.size() - 2);
  return {};
}

}  // namespace

Result<Mix> parse_mix(std::string_view spec) {
  Mix m;
  bool seen[3] = {false, false, false};
  while (!spec.empty()) {
    auto comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    if (comma != std::string_view::npos && spec.empty()) return fail(Errc::bad_request, "--mix: trailing comma");
    auto colon = item.find(':');
    if (colon == std::string_view::npos) return fail(Errc::bad_request, "--mix: expected kind:weight");
    std::string_view kind = item.substr(0, colon);
    unsigned weight = 0;
    if (!parse_number(item.substr(colon + 1), weight) || weight > 1'000'000)
      return fail(Errc::bad_request, "--mix: bad weight for " + std::string(kind));
    int k = kind == "call" ? 0 : kind == "list" ? 1 : kind == "churn" ? 2 : -1;
    if (k < 0) return fail(Errc::bad_request, "--mix: unknown kind " + std::string(kind) + " (call, list, churn)");
    if (seen[k]) return fail(Errc::bad_request, "--mix: " + std::string(kind) + " given twice");
    seen[k] = true;
    (k == 0 ? m.call : k == 1 ? m.list : m.churn) = weight;
  }
  if (m.total() == 0) return fail(Errc::bad_request, "--mix: the weights sum to zero");
  return m;
}

MixKind mix_kind(const Mix& m, std::uint64_t n) {
  auto at = n % m.total();
  if (at < m.churn) return MixKind::churn;
  if (at < m.churn + m.list) return MixKind::list;
  return MixKind::call;
}

Result<LoadOptions> parse_options(int argc, char** argv) {
  LoadOptions o;
  bool have_url = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto next = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string_view(argv[++i]);
    };
    if (arg == "--json") { o.json_output = true; continue; }
    if (arg == "--new-connection") { o.new_connection = true; continue; }
    if (arg == "--progress") { o.progress = true; continue; }
    auto value = next();
    if (!value) return fail(Errc::bad_request, std::string("missing value for ") + std::string(arg));
    double seconds = 0;
    if (arg == "--url") {
      GH_CHECK(parse_url(*value, o));
      have_url = true;
    } else if (arg == "--era") {
      if (*value == "legacy") o.era = Era::legacy;
      else if (*value == "modern") o.era = Era::modern;
      else return fail(Errc::bad_request, "--era is legacy or modern");
    } else if (arg == "--connections") {
      if (!parse_number(*value, o.connections) || o.connections < 1) return fail(Errc::bad_request, "bad --connections");
    } else if (arg == "--duration" || arg == "--warmup" || arg == "--hold") {
      if (!parse_number(*value, seconds) || seconds < 0) return fail(Errc::bad_request, "bad " + std::string(arg));
      auto& field = arg == "--duration" ? o.duration : arg == "--warmup" ? o.warmup : o.hold;
      field = std::chrono::milliseconds(static_cast<long>(seconds * 1000));
    } else if (arg == "--sessions") {
      if (!parse_number(*value, o.sessions) || o.sessions < 1) return fail(Errc::bad_request, "bad --sessions");
    } else if (arg == "--rate") {
      if (!parse_number(*value, o.rate) || o.rate < 0) return fail(Errc::bad_request, "bad --rate");
    } else if (arg == "--method") {
      o.method = std::string(*value);
    } else if (arg == "--tool") {
      o.tool = std::string(*value);
    } else if (arg == "--payload") {
      if (!parse_number(*value, o.payload_bytes)) return fail(Errc::bad_request, "bad --payload");
    } else if (arg == "--mix") {
      GH_TRY(auto mix, parse_mix(*value));
      o.mix = mix;
    } else if (arg == "--bearer") {
      o.bearer = std::string(*value);
    } else {
      return fail(Errc::bad_request, "unknown option " + std::string(arg));
    }
  }
  if (!have_url) return fail(Errc::bad_request, "--url is required");
  if (o.sessions > 0 && o.era != Era::legacy)
    return fail(Errc::bad_request, "--sessions needs the legacy era (the modern era has no sessions)");
  if (o.sessions > 0 && o.rate > 0) return fail(Errc::bad_request, "--sessions is closed loop: no --rate");
  if (o.mix.total() > 0 && o.sessions > 0) return fail(Errc::bad_request, "--mix and --sessions exclude each other");
  if (o.mix.churn > 0 && o.era != Era::legacy)
    return fail(Errc::bad_request, "--mix churn needs the legacy era (the modern era has no sessions)");
  return o;
}

}  // namespace gatehouse::bench
