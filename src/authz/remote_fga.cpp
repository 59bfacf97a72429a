#include "authz/remote_fga.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "auth/beast_fetch.hpp"

namespace gatehouse::authz {
namespace json = boost::json;

namespace {

// OpenFGA's default limit of checks per BatchCheck call.
constexpr std::size_t kMaxBatch = 50;

json::object tuple_key(const fga::TupleKey& k) {
  return json::object{{"user", k.user}, {"relation", k.relation}, {"object", k.object}};
}

Unexpected remote_failed(std::string message) {
  return fail(Errc::unavailable, "remote fga: " + std::move(message), "fga.remote_failed");
}

auth::HttpRequest post_json(std::string url, std::string body, const std::string& token) {
  auth::HttpRequest r;
  r.method = "POST";
  r.url = std::move(url);
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Accept", "application/json");
  if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
  return r;
}

// (Outside the coroutines: GCC 12 miscompiles braced initializers with string literals in a
// coroutine frame.)
std::string batch_body(json::array checks, const std::string& model_id) {
  json::object body{{"checks", std::move(checks)}};
  if (!model_id.empty()) body["authorization_model_id"] = model_id;
  return json::serialize(body);
}

}  // namespace

json::object check_body(const fga::CheckRequest& request, const std::string& model_id) {
  json::object body{{"tuple_key", tuple_key(request.key)}};
  if (!request.query.contextual_tuples.empty()) {
    json::array keys;
    for (const auto& t : request.query.contextual_tuples) keys.push_back(tuple_key(t.key));
    body["contextual_tuples"] = json::object{{"tuple_keys", std::move(keys)}};
  }
  if (!request.query.context.empty()) body["context"] = request.query.context;
  if (!model_id.empty()) body["authorization_model_id"] = model_id;
  return body;
}

Result<bool> read_check_answer(const json::value& answer) {
  const auto* o = answer.if_object();
  const auto* allowed = o ? o->if_contains("allowed") : nullptr;
  if (!allowed || !allowed->is_bool()) {
    std::string why = "answer without a boolean \"allowed\"";
    // OpenFGA's error body has a top-level message; a batch-check item has {"error": {message}}.
    const json::object* err = o;
    if (o)
      if (const auto* e = o->if_contains("error"); e && e->is_object()) err = &e->get_object();
    if (err)
      if (const auto* m = err->if_contains("message"); m && m->is_string()) why += ": " + std::string(m->get_string());
    return remote_failed(why);
  }
  return allowed->get_bool();
}

Result<auth::HttpFetch> make_remote_fetch(const config::FgaRemote& spec) {
  auth::BeastFetchOptions options;
  options.timeout = spec.timeout;
  if (!spec.ca.empty()) {
    auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
    boost::system::error_code ec;
    ctx->load_verify_file(spec.ca, ec);
    if (ec) return fail(Errc::invalid_config, "fga.remote.ca " + spec.ca + ": " + ec.message(), "fga.remote_ca");
    ctx->set_verify_mode(boost::asio::ssl::verify_peer);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    options.tls = std::move(ctx);
  }
  return auth::make_beast_fetch(std::move(options));
}

RemoteFga::RemoteFga(config::FgaRemote spec, auth::HttpFetch fetch) : spec_(std::move(spec)), fetch_(std::move(fetch)) {
  while (!spec_.url.empty() && spec_.url.back() == '/') spec_.url.pop_back();
  if (!fetch_) {
    auto made = make_remote_fetch(spec_);
    if (made) {
      fetch_ = std::move(*made);
    } else {
      Error e = made.error();
      fetch_ = [e](auth::HttpRequest) -> boost::asio::awaitable<Result<auth::HttpResponse>> { co_return fail(e); };
    }
  }
}

boost::asio::awaitable<Result<json::value>> RemoteFga::call(std::string method, std::string path, std::string body) const {
  auth::HttpRequest req = post_json(spec_.url + path, std::move(body), spec_.token);
  req.method = std::move(method);
  if (req.method == "GET") req.body.clear();
  auto res = co_await fetch_(std::move(req));
  if (!res) co_return remote_failed(res.error().message);
  if (res->status != 200) {
    std::string snippet = res->body.substr(0, 200);
    co_return remote_failed("HTTP " + std::to_string(res->status) + " from " + path + (snippet.empty() ? "" : ": " + snippet));
  }
  boost::system::error_code ec;
  json::value v = json::parse(res->body, ec);
  if (ec) co_return remote_failed("malformed JSON from " + path + ": " + ec.message());
  co_return v;
}

boost::asio::awaitable<std::vector<Result<bool>>> RemoteFga::check(std::vector<fga::CheckRequest> requests) const {
  std::vector<Result<bool>> out;
  out.reserve(requests.size());
  const std::string base = "/stores/" + spec_.store_id;
  if (requests.size() == 1) {
    auto v = co_await call("POST", base + "/check", json::serialize(check_body(requests[0], spec_.model_id)));
    if (!v) out.push_back(fail(v.error()));
    else out.push_back(read_check_answer(*v));
    co_return out;
  }
  for (std::size_t start = 0; start < requests.size(); start += kMaxBatch) {
    const std::size_t end = std::min(requests.size(), start + kMaxBatch);
    json::array checks;
    for (std::size_t i = start; i < end; ++i) {
      json::object c = check_body(requests[i], "");
      c["correlation_id"] = std::to_string(i);
      checks.push_back(std::move(c));
    }
    auto v = co_await call("POST", base + "/batch-check", batch_body(std::move(checks), spec_.model_id));
    const json::object* result = nullptr;
    if (v && v->is_object())
      if (auto* r = v->get_object().if_contains("result"); r && r->is_object()) result = &r->get_object();
    for (std::size_t i = start; i < end; ++i) {
      if (!v) {
        out.push_back(fail(v.error()));
        continue;
      }
      const json::value* item = result ? result->if_contains(std::to_string(i)) : nullptr;
      if (!item) {
        out.push_back(remote_failed("batch-check answer without item " + std::to_string(i)));
        continue;
      }
      out.push_back(read_check_answer(*item));
    }
  }
  co_return out;
}

boost::asio::awaitable<Result<json::value>> RemoteFga::model() const {
  const std::string base = "/stores/" + spec_.store_id + "/authorization-models";
  // Path and arguments as named values: GCC 12 destroys the temporaries of a conditional
  // expression twice when it is an argument of a co_await'ed call (a double free, seen in the test).
  std::string path = base;
  if (spec_.model_id.empty()) path += "?page_size=1";
  else path += "/" + spec_.model_id;
  std::string method = "GET";
  auto v = co_await call(std::move(method), std::move(path), std::string());
  if (!v) co_return fail(v.error());
  if (auto* o = v->if_object()) {
    if (auto* m = o->if_contains("authorization_model")) co_return *m;
    if (auto* list = o->if_contains("authorization_models"); list && list->is_array() && !list->get_array().empty())
      co_return list->get_array().front();  // newest first
  }
  co_return remote_failed("no authorization model in " + base);
}

}  // namespace gatehouse::authz
