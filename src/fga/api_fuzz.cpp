// Fuzz target for the OpenFGA HTTP API handler (handle_api: no I/O). Input: a first line
// "VERB /path" ("{store}" and "{model}" in the path become the fixed store's ids so inputs
// reach the per-store handlers; "{model}" in the body too), then the JSON body. Every reply must carry an HTTP status
// and, unless 204, a JSON body.
#include <boost/json/parse.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fga/api_handler.hpp"
#include "fga/dsl_parser.hpp"
#include "fga/memory_store.hpp"

namespace {
using namespace gatehouse::fga;
using boost::beast::http::verb;

constexpr std::string_view kModel = R"(model
  schema 1.1
type user
type team
  relations
    define member: [user, team#member]
type tool
  relations
    define owner: [team]
    define blocked: [user, user:*]
    define caller: ([user with office, team#member] or member from owner) but not blocked

condition office(ip: ipaddress, allowed: list<string>) {
  ip.in_cidr("10.0.0.0/8") || "x" in allowed
}
)";

struct Fixture {
  std::shared_ptr<ApiState> state;
  FixedStore fixed;
};

// Rebuilt now and then so the tuples and stores inputs create do not grow without bound.
Fixture make_fixture() {
  auto model = load_dsl(kModel);
  if (!model) {
    std::fprintf(stderr, "fga_api_fuzz model: %s\n", model.error().message.c_str());
    std::abort();
  }
  Fixture f;
  f.state = make_api_state(ApiOptions{true, ""});
  f.fixed = route_store("tools", *model, std::make_shared<MemoryStore>());
  set_fixed_stores(*f.state, {f.fixed});
  return f;
}

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

verb parse_verb(std::string_view w) {
  if (w == "POST") return verb::post;
  if (w == "PUT") return verb::put;
  if (w == "DELETE") return verb::delete_;
  if (w == "PATCH") return verb::patch;
  return verb::get;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture = make_fixture();
  static unsigned calls = 0;
  if (++calls % 4096 == 0) fixture = make_fixture();

  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  std::string body(nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1));
  size_t sp = line.find(' ');
  verb method = parse_verb(line.substr(0, sp));
  std::string target(sp == std::string_view::npos ? line : line.substr(sp + 1));
  replace_all(target, "{store}", fixture.fixed.id);
  replace_all(target, "{model}", fixture.fixed.model_id);
  replace_all(body, "{model}", fixture.fixed.model_id);

  ApiReply reply = handle_api(*fixture.state, method, target, "", body);
  static const bool trace = std::getenv("FGA_API_FUZZ_TRACE") != nullptr;  // seed review
  if (trace)
    std::fprintf(stderr, "%u %s\n", reply.status, reply.body.substr(0, 160).c_str());
  if (reply.status < 200 || reply.status > 599) std::abort();
  if (reply.status == 204) return reply.body.empty() ? 0 : (std::abort(), 0);
  boost::system::error_code ec;
  boost::json::parse(reply.body, ec);
  if (ec) std::abort();
  return 0;
}
