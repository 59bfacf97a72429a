#include "fga/api_handler.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <random>

#include "cel/time.hpp"
#include "fga/cel_conditions.hpp"
#include "fga/engine.hpp"
#include "fga/memory_store.hpp"
#include "fga/model_json.hpp"
#include "fga/validate.hpp"

namespace gatehouse::fga {
namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

// ULIDs, as OpenFGA uses for store and model ids (the SDKs check the format).
std::string new_ulid() {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::string out(26, '0');
  for (int i = 9; i >= 0; --i) out[static_cast<std::size_t>(9 - i)] = kAlphabet[(ms >> (5 * i)) & 31];
  std::lock_guard lock(mu);
  for (std::size_t i = 10; i < 26; ++i) out[i] = kAlphabet[rng() & 31];
  return out;
}

std::string now_text() {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return cel::format_timestamp(cel::Timestamp{ns / 1'000'000'000, static_cast<std::int32_t>(ns % 1'000'000'000)});
}

struct ApiError {
  unsigned status;
  std::string code;
  std::string message;
};

json::object tuple_key_json(const Tuple& t) {
  json::object o{{"user", t.key.user}, {"relation", t.key.relation}, {"object", t.key.object}};
  if (!t.condition.empty()) o["condition"] = json::object{{"name", t.condition}, {"context", t.context}};
  return o;
}

std::string str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<Tuple> tuple_from_json(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  Tuple t;
  t.key = TupleKey{str(o, "object"), str(o, "relation"), str(o, "user")};
  if (auto* c = o.if_contains("condition"); c && c->is_object()) {
    t.condition = str(c->get_object(), "name");
    if (auto* ctx = c->get_object().if_contains("context"); ctx && ctx->is_object()) t.context = ctx->get_object();
  }
  return t;
}

std::vector<Tuple> tuples_from(const json::value* v) {
  std::vector<Tuple> out;
  if (!v) return out;
  const json::array* arr = v->is_array() ? &v->get_array() : nullptr;
  if (v->is_object())
    if (auto* keys = v->get_object().if_contains("tuple_keys"); keys && keys->is_array()) arr = &keys->get_array();
  if (!arr) return out;
  for (const auto& e : *arr)
    if (auto t = tuple_from_json(e)) out.push_back(std::move(*t));
  return out;
}

QueryContext query_from(const json::object& body) {
  QueryContext q;
  q.contextual_tuples = tuples_from(body.if_contains("contextual_tuples"));
  if (auto* c = body.if_contains("context"); c && c->is_object()) q.context = c->get_object();
  return q;
}

// "user:anne" / "group:eng#member" / "user:*" as list-users answers them.
json::object list_user_json(std::string_view u) {
  auto colon = u.find(':');
  std::string type(u.substr(0, colon));
  std::string rest(u.substr(colon + 1));
  if (rest == "*") return {{"wildcard", json::object{{"type", type}}}};
  if (auto hash = rest.find('#'); hash != std::string::npos)
    return {{"userset", json::object{{"type", type}, {"id", rest.substr(0, hash)}, {"relation", rest.substr(hash + 1)}}}};
  return {{"object", json::object{{"type", type}, {"id", rest}}}};
}

}  // namespace

class ApiState {
 public:
  struct ModelEntry {
    std::string id;
    ModelPtr model;
    json::array assertions;
  };
  struct Store {
    std::string id, name, created_at, updated_at;
    std::shared_ptr<TupleStore> tuples = std::make_shared<MemoryStore>();
    std::vector<ModelEntry> models;  // oldest first; the latest is the default
    json::array changes;
    bool fixed = false;  // defined by the gateway config
  };

  explicit ApiState(ApiOptions o) : options(std::move(o)) {}

  const ApiOptions options;
  std::mutex mu;
  std::map<std::string, std::unique_ptr<Store>> stores;
  std::array<unsigned char, SHA256_DIGEST_LENGTH> token_digest{};  // of the bearer token
  bool has_token = false;

  void set_fixed(std::vector<FixedStore> fixed) {
    std::lock_guard lock(mu);
    std::map<std::string, std::unique_ptr<Store>> old;
    for (auto it = stores.begin(); it != stores.end();)
      if (it->second->fixed) {
        old.insert(stores.extract(it++));
      } else {
        ++it;
      }
    const std::string now = now_text();
    for (auto& f : fixed) {
      auto s = std::make_unique<Store>();
      s->id = f.id;
      s->name = f.name;
      s->fixed = true;
      s->tuples = std::move(f.tuples);
      s->created_at = s->updated_at = now;
      ModelEntry m{f.model_id, std::move(f.model), {}};
      if (auto o = old.find(f.id); o != old.end()) {
        s->created_at = o->second->created_at;
        s->changes = std::move(o->second->changes);
        if (!o->second->models.empty() && o->second->models.back().id == m.id)
          m.assertions = std::move(o->second->models.back().assertions);
      }
      s->models.push_back(std::move(m));
      stores[s->id] = std::move(s);
    }
  }

  void set_token(const std::string& token) {
    std::lock_guard lock(mu);
    has_token = !token.empty();
    SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), token_digest.data());
  }

  // Digests of equal length compared in constant time: neither the token nor its length leaks.
  bool authorized(std::string_view authorization) {
    std::lock_guard lock(mu);
    if (!has_token) return true;
    if (authorization.size() < 7 || !std::equal(authorization.begin(), authorization.begin() + 7, "bearer ",
                                                [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
      return false;
    auto presented = authorization.substr(7);
    std::array<unsigned char, SHA256_DIGEST_LENGTH> d{};
    SHA256(reinterpret_cast<const unsigned char*>(presented.data()), presented.size(), d.data());
    return CRYPTO_memcmp(d.data(), token_digest.data(), d.size()) == 0;
  }

  Result<json::value> handle(http::verb verb, const std::vector<std::string>& seg, const json::object& body,
                             ApiError& err) {
    std::lock_guard lock(mu);
    if (seg.empty() || seg[0] != "stores") return not_found(err);
    if (seg.size() == 1 && verb == http::verb::post) {
      if (!options.store_admin)
        return bad(err, "validation_error", "stores come from the gateway config (one per route with fga); none can be created here");
      return create_store(body);
    }
    if (seg.size() == 1 && verb == http::verb::get) {
      json::array list;
      for (const auto& [id, s] : stores) list.push_back(store_json(*s));
      return json::value(json::object{{"stores", std::move(list)}, {"continuation_token", ""}});
    }
    // DELETE/PUT/PATCH /stores: nothing else lives at the collection (found by fga_api_fuzz:
    // seg[1] was read past the end).
    if (seg.size() == 1) return not_found(err);
    auto it = stores.find(seg[1]);
    if (it == stores.end()) return not_found(err, "store not found");
    Store& s = *it->second;
    if (seg.size() == 2) {
      if (verb == http::verb::get) return json::value(store_json(s));
      if (verb == http::verb::delete_) {
        if (s.fixed) return fixed_refused(err, s, "deleted");
        stores.erase(it);
        return json::value(nullptr);
      }
      return not_found(err);
    }
    const std::string& what = seg[2];
    if (what == "authorization-models") {
      if (seg.size() == 3 && verb == http::verb::post) {
        if (s.fixed) return fixed_refused(err, s, "given another authorization model");
        return write_model(s, body, err);
      }
      if (seg.size() == 3 && verb == http::verb::get) {
        json::array list;
        for (auto m = s.models.rbegin(); m != s.models.rend(); ++m) list.push_back(model_json(*m));
        return json::value(json::object{{"authorization_models", std::move(list)}, {"continuation_token", ""}});
      }
      if (seg.size() == 4 && verb == http::verb::get) {
        for (const auto& m : s.models)
          if (m.id == seg[3]) return json::value(json::object{{"authorization_model", model_json(m)}});
        return not_found(err, "authorization model not found");
      }
      return not_found(err);
    }
    if (what == "assertions" && seg.size() == 4) {
      ModelEntry* m = find_model(s, seg[3]);
      if (!m) return not_found(err, "authorization model not found");
      if (verb == http::verb::put) {
        auto* a = body.if_contains("assertions");
        m->assertions = a && a->is_array() ? a->get_array() : json::array{};
        return json::value(nullptr);
      }
      return json::value(json::object{{"authorization_model_id", m->id}, {"assertions", m->assertions}});
    }
    if (what == "changes" && verb == http::verb::get)
      return json::value(json::object{{"changes", s.changes}, {"continuation_token", ""}});
    if (verb != http::verb::post || seg.size() != 3) return not_found(err);
    ModelEntry* m = find_model(s, str(body, "authorization_model_id"));
    if (what == "read") return read(s, body, err);
    if (!m) return bad(err, "latest_authorization_model_not_found", "no authorization model: write one first");
    Engine engine(m->model, *s.tuples, cel_conditions());
    if (what == "write") return write(s, *m, body, err);
    if (what == "check") return check(engine, body, err);
    if (what == "batch-check") return batch_check(engine, body);
    if (what == "list-objects") return list_objects(engine, body, err);
    if (what == "list-users") return list_users(engine, body, err);
    if (what == "expand") return expand(engine, body, err);
    return not_found(err);
  }

 private:
  static Unexpected not_found(ApiError& err, std::string message = "not found") {
    err = {404, "undefined_endpoint", message};
    return fail(Errc::not_found, message);
  }
  static Unexpected bad(ApiError& err, std::string code, std::string message) {
    err = {400, std::move(code), message};
    return fail(Errc::bad_request, message);
  }
  static Unexpected fixed_refused(ApiError& err, const Store& s, std::string_view what) {
    return bad(err, "validation_error",
               "store \"" + s.name + "\" cannot be " + std::string(what) +
                   ": its authorization model comes from the gateway config (the route's fga.model_file)");
  }
  static Unexpected from_engine(ApiError& err, const Error& e) {
    const int code = fga_code(e);
    std::string name = code == static_cast<int>(FgaCode::resolution_too_complex) ? "resolution_too_complex"
                       : code == static_cast<int>(FgaCode::type_not_found)       ? "type_not_found"
                       : code == static_cast<int>(FgaCode::relation_not_found)   ? "relation_not_found"
                                                                                 : "validation_error";
    return bad(err, name, e.message);
  }

  static json::object store_json(const Store& s) {
    return {{"id", s.id}, {"name", s.name}, {"created_at", s.created_at}, {"updated_at", s.updated_at}};
  }
  static json::object model_json(const ModelEntry& m) {
    json::value v = to_json(*m.model);
    json::object o = v.is_object() ? v.get_object() : json::object{};
    o["id"] = m.id;
    return o;
  }
  static ModelEntry* find_model(Store& s, const std::string& id) {
    if (s.models.empty()) return nullptr;
    if (id.empty()) return &s.models.back();
    for (auto& m : s.models)
      if (m.id == id) return &m;
    return nullptr;
  }

  Result<json::value> create_store(const json::object& body) {
    auto s = std::make_unique<Store>();
    s->id = new_ulid();
    s->name = str(body, "name");
    s->created_at = s->updated_at = now_text();
    json::value out = store_json(*s);
    stores.emplace(s->id, std::move(s));
    return out;
  }

  Result<json::value> write_model(Store& s, const json::object& body, ApiError& err) {
    auto model = model_from_json(body);
    if (!model) return bad(err, "invalid_authorization_model", model.error().message);
    if (auto st = validate_model(*model); !st) return bad(err, "invalid_authorization_model", st.error().message);
    ModelEntry e;
    e.id = new_ulid();
    model->id = e.id;
    e.model = std::make_shared<const Model>(std::move(*model));
    s.models.push_back(std::move(e));
    return json::value(json::object{{"authorization_model_id", s.models.back().id}});
  }

  Result<json::value> write(Store& s, ModelEntry& m, const json::object& body, ApiError& err) {
    auto writes = tuples_from(body.if_contains("writes"));
    auto deletes_t = tuples_from(body.if_contains("deletes"));
    std::vector<TupleKey> deletes;
    for (const auto& t : deletes_t) deletes.push_back(t.key);
    for (const auto& t : writes)
      if (auto st = validate_tuple(*m.model, t); !st) return bad(err, "validation_error", st.error().message);
    if (auto st = s.tuples->write(writes, deletes); !st)
      return bad(err, "write_failed_due_to_invalid_input", st.error().message);
    const std::string ts = now_text();
    for (const auto& t : writes)
      s.changes.push_back(json::object{{"tuple_key", tuple_key_json(t)}, {"operation", "TUPLE_OPERATION_WRITE"}, {"timestamp", ts}});
    for (const auto& t : deletes_t)
      s.changes.push_back(json::object{{"tuple_key", tuple_key_json(t)}, {"operation", "TUPLE_OPERATION_DELETE"}, {"timestamp", ts}});
    return json::value(json::object{});
  }

  Result<json::value> read(Store& s, const json::object& body, ApiError& err) {
    TupleKey filter;
    if (auto* k = body.if_contains("tuple_key"); k && k->is_object())
      filter = TupleKey{str(k->get_object(), "object"), str(k->get_object(), "relation"), str(k->get_object(), "user")};
    json::array tuples;
    std::vector<Tuple> found;
    auto r = s.tuples->read(filter);  // an empty filter reads everything
    if (!r) return bad(err, "validation_error", r.error().message);
    found = std::move(*r);
    const std::string ts = now_text();
    for (const auto& t : found) tuples.push_back(json::object{{"key", tuple_key_json(t)}, {"timestamp", ts}});
    return json::value(json::object{{"tuples", std::move(tuples)}, {"continuation_token", ""}});
  }

  static Result<json::value> check(const Engine& engine, const json::object& body, ApiError& err) {
    auto* k = body.if_contains("tuple_key");
    if (!k || !k->is_object()) return bad(err, "validation_error", "tuple_key is required");
    const auto& ko = k->get_object();
    auto r = engine.check(CheckRequest{TupleKey{str(ko, "object"), str(ko, "relation"), str(ko, "user")}, query_from(body)});
    if (!r) return from_engine(err, r.error());
    return json::value(json::object{{"allowed", *r}, {"resolution", ""}});
  }

  static Result<json::value> batch_check(const Engine& engine, const json::object& body) {
    json::object result;
    if (auto* checks = body.if_contains("checks"); checks && checks->is_array())
      for (const auto& c : checks->get_array()) {
        if (!c.is_object()) continue;
        const auto& co = c.get_object();
        const std::string corr = str(co, "correlation_id");
        const auto* k = co.if_contains("tuple_key");
        if (!k || !k->is_object()) continue;
        const auto& ko = k->get_object();
        auto r = engine.check(CheckRequest{TupleKey{str(ko, "object"), str(ko, "relation"), str(ko, "user")}, query_from(co)});
        if (r) result[corr] = json::object{{"allowed", *r}};
        else result[corr] = json::object{{"error", json::object{{"input_error", "validation_error"}, {"message", r.error().message}}}};
      }
    return json::value(json::object{{"result", std::move(result)}});
  }

  static Result<json::value> list_objects(const Engine& engine, const json::object& body, ApiError& err) {
    auto r = engine.list_objects(str(body, "type"), str(body, "relation"), str(body, "user"), query_from(body));
    if (!r) return from_engine(err, r.error());
    json::array objects;
    for (const auto& o : *r) objects.emplace_back(o);
    return json::value(json::object{{"objects", std::move(objects)}});
  }

  static Result<json::value> list_users(const Engine& engine, const json::object& body, ApiError& err) {
    std::string object;
    if (auto* o = body.if_contains("object"); o && o->is_object())
      object = str(o->get_object(), "type") + ":" + str(o->get_object(), "id");
    std::vector<UserFilter> filters;
    if (auto* f = body.if_contains("user_filters"); f && f->is_array())
      for (const auto& e : f->get_array())
        if (e.is_object()) filters.push_back(UserFilter{str(e.get_object(), "type"), str(e.get_object(), "relation")});
    auto r = engine.list_users(object, str(body, "relation"), filters, query_from(body));
    if (!r) return from_engine(err, r.error());
    json::array users;
    for (const auto& u : *r) users.push_back(list_user_json(u));
    return json::value(json::object{{"users", std::move(users)}});
  }

  static Result<json::value> expand(const Engine& engine, const json::object& body, ApiError& err) {
    auto* k = body.if_contains("tuple_key");
    if (!k || !k->is_object()) return bad(err, "validation_error", "tuple_key is required");
    auto r = engine.expand(str(k->get_object(), "object"), str(k->get_object(), "relation"), query_from(body));
    if (!r) return from_engine(err, r.error());
    if (r->is_object() && r->get_object().contains("tree")) return std::move(*r);
    return json::value(json::object{{"tree", std::move(*r)}});
  }
};

std::shared_ptr<ApiState> make_api_state(ApiOptions options) { return std::make_shared<ApiState>(std::move(options)); }

void set_fixed_stores(ApiState& state, std::vector<FixedStore> stores) { state.set_fixed(std::move(stores)); }

void set_api_token(ApiState& state, std::string token) { state.set_token(token); }

ApiReply handle_api(ApiState& state, http::verb method, std::string_view target, std::string_view authorization,
                    std::string_view body_text) {
  auto error = [](unsigned status, std::string_view code, std::string_view message) {
    return ApiReply{status, json::serialize(json::object{{"code", code}, {"message", message}})};
  };
  std::string_view path = target.substr(0, target.find('?'));
  const std::string& prefix = state.options.path_prefix;
  if (!prefix.empty()) {
    if (!path.starts_with(prefix) || (path.size() > prefix.size() && path[prefix.size()] != '/'))
      return error(404, "undefined_endpoint", "not found");
    path.remove_prefix(prefix.size());
  }
  if (!state.authorized(authorization)) return error(401, "unauthenticated", "unauthenticated: a valid bearer token is required");
  std::vector<std::string> seg;
  for (std::size_t i = 0; i < path.size();) {
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) seg.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  json::object body;
  if (!body_text.empty()) {
    boost::system::error_code ec;
    auto v = json::parse(body_text, ec);
    if (!ec && v.is_object()) body = std::move(v.get_object());
  }
  ApiError err{500, "internal_error", "internal error"};
  auto result = state.handle(method, seg, body, err);
  if (!result) return error(err.status, err.code, err.message);
  if (result->is_null()) return ApiReply{204, ""};
  unsigned status = 200;
  if (method == http::verb::post && !seg.empty() && (seg.size() == 1 || (seg.size() == 3 && seg[2] == "authorization-models")))
    status = 201;
  return ApiReply{status, json::serialize(*result)};
}

net::Handler make_api_handler(std::shared_ptr<ApiState> state) {
  return [state](net::Exchange& ex) -> boost::asio::awaitable<void> {
    const auto& req = ex.request();
    auto reply = handle_api(*state, req.method(), req.target(), req[http::field::authorization], req.body());
    net::Response res{static_cast<http::status>(reply.status), req.version()};
    res.set(http::field::content_type, "application/json");
    if (reply.status == 401) res.set(http::field::www_authenticate, "Bearer");
    res.body() = std::move(reply.body);
    res.prepare_payload();
    co_await ex.respond(std::move(res));
  };
}

}  // namespace gatehouse::fga
