#include "authz/fga_stage.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json/serialize.hpp>

#include <charconv>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "authz/compiled_policy.hpp"
#include "auth/crypto_util.hpp"
#include "authz/decision_audit.hpp"
#include "authz/fga_decision_cache.hpp"
#include "authz/remote_fga.hpp"
#include "authz/rule_input.hpp"
#include "authz/rules_stage.hpp"
#include "cel/time.hpp"
#include "core/log.hpp"
#include "fga/cel_conditions.hpp"
#include "fga/dsl_parser.hpp"
#include "fga/engine.hpp"
#include "fga/fixed_store.hpp"
#include "fga/memory_store.hpp"
#include "fga/model_json.hpp"
#ifdef GATEHOUSE_HAVE_POSTGRES
#include "fga/postgres_store.hpp"
#endif
#include "fga/sqlite_store.hpp"
#include "fga/yaml_tuples.hpp"

namespace gatehouse::authz {
namespace json = boost::json;

namespace {

// "user:{identity.subject}" as literal text and CEL programs, rendered per request.
class Template {
 public:
  static Result<Template> compile(const config::Expr& expr, const std::string& field) {
    Template t;
    const std::string& s = expr.source;
    std::size_t i = 0;
    while (i < s.size()) {
      auto open = s.find('{', i);
      if (open == std::string::npos) {
        t.parts_.push_back({s.substr(i), std::nullopt});
        break;
      }
      if (open > i) t.parts_.push_back({s.substr(i, open - i), std::nullopt});
      auto close = s.find('}', open);
      if (close == std::string::npos)
        return fail(Errc::invalid_config, located_error(expr, field, "1:" + std::to_string(open + 1) + ": unclosed '{'"));
      auto program = cel::compile(s.substr(open + 1, close - open - 1), rule_env());
      if (!program) {
        config::Expr inner = expr;
        inner.pos.column += static_cast<int>(open + 1);
        return fail(Errc::invalid_config, located_error(inner, field, program.error().message));
      }
      t.parts_.push_back({"", std::move(*program)});
      i = close + 1;
    }
    return t;
  }

  // The rule input's parts (RuleParts) the template's programs can read.
  unsigned reads() const {
    unsigned parts = 0;
    for (const auto& [text, program] : parts_)
      if (program) parts |= parts_read_by(*program);
    return parts;
  }

  Result<std::string> render(const cel::Activation& act) const {
    std::string out;
    for (const auto& [text, program] : parts_) {
      if (!program) {
        out += text;
        continue;
      }
      cel::Value v = cel::eval(*program, act);
      switch (v.kind()) {
        case cel::Kind::string_v: out += v.as_string(); break;
        case cel::Kind::int_v: out += std::to_string(v.as_int()); break;
        case cel::Kind::uint_v: out += std::to_string(v.as_uint()); break;
        default:
          return fail(Errc::forbidden, "template part is " + std::string(v.is_error() ? v.as_string() : cel::type_name(v)),
                      "fga.template");
      }
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::optional<cel::Program>>> parts_;
};

// What the cache key and the contextual tuples need to know about the model.
struct ModelInfo {
  bool roles_as_tuples = false, groups_as_tuples = false;
  std::set<std::string> condition_params;  // the only context keys that can change an answer
};

struct RouteFga {
  std::string route;
  config::PolicySpec::Hidden hidden = config::PolicySpec::Hidden::unknown;
  std::shared_ptr<fga::TupleStore> store;
  std::unique_ptr<fga::Engine> engine;  // embedded; refers to *store
  std::unique_ptr<RemoteFga> remote;    // or remote
  Template user, relation, object;
  unsigned reads = 0;  // the rule input's parts the templates can read
  std::unique_ptr<FgaDecisionCache> cache;
  // Embedded: set when built. Remote: read from the server on first use (and retried until it
  // answers), then kept for this snapshot.
  std::unique_ptr<std::mutex> info_mutex = std::make_unique<std::mutex>();
  std::shared_ptr<const ModelInfo> info;
};

bool has_member_relation(const fga::Model& m, std::string_view type) {
  const auto* t = m.find_type(type);
  return t && t->find("member");
}

std::shared_ptr<const ModelInfo> model_info(const fga::Model& m) {
  auto info = std::make_shared<ModelInfo>();
  info->roles_as_tuples = has_member_relation(m, "role");
  info->groups_as_tuples = has_member_relation(m, "group");
  for (const auto& c : m.conditions)
    for (const auto& p : c.params) info->condition_params.insert(p.name);
  return info;
}

bool is_named_call(std::string_view m) {
  return m == "tools/call" || m == "prompts/get" || m == "resources/read" || m == "resources/subscribe" ||
         m == "resources/unsubscribe";
}

// A check ready to ask, with its cache key: user, relation, object, the contextual tuples and
// a digest of the context values the model's conditions can see.
struct Prepared {
  fga::CheckRequest check;
  std::string tuple;  // "user relation object"
  std::string key;
};

void add_key_part(std::string& key, std::string_view part) {
  char digits[24];
  key.append(digits, std::to_chars(digits, digits + sizeof digits, part.size()).ptr);
  key += ':';
  key += part;
}

std::string hex(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

class FgaStage final : public gateway::PolicyStage {
 public:
  FgaStage(std::map<std::string, RouteFga, std::less<>> routes, std::shared_ptr<observe::AuditLog> audit)
      : routes_(std::move(routes)), audit_(std::move(audit)) {}

  std::string_view name() const override { return "fga"; }

  std::vector<fga::FixedStore> route_stores() const {
    std::vector<fga::FixedStore> out;
    for (const auto& [path, r] : routes_)
      if (r.engine) out.push_back(fga::route_store(r.route, r.engine->model(), r.store));
    return out;
  }

  FgaCacheStats cache_stats() const {
    FgaCacheStats sum;
    for (const auto& [path, r] : routes_) {
      auto s = r.cache->stats();
      sum.hits += s.hits;
      sum.misses += s.misses;
      sum.entries += s.entries;
    }
    return sum;
  }

  boost::asio::awaitable<gateway::Decision> apply(gateway::PolicyRequest& request) override {
    auto it = routes_.find(request.route_path);
    if (it == routes_.end() || !is_named_call(request.method)) co_return gateway::Decision::proceed_with();
    RouteFga& r = it->second;
    Outcome outcome;
    auto info = co_await model_info_of(r);
    if (!info) {
      outcome.reason = info.error().reason;
    } else if (auto prepared = prepare(r, **info, request, request_document(request, parts_for(r, **info)));
               !prepared) {
      outcome.reason = prepared.error().reason;
    } else {
      outcome.tuple = prepared->tuple;
      std::vector<Prepared> one;
      one.push_back(std::move(*prepared));
      auto answers = co_await decide(r, one);
      if (!answers[0]) outcome.reason = answers[0].error().reason;
      else outcome.allowed = *answers[0];
      if (answers[0] && !outcome.allowed) outcome.reason = "fga.no_relation";
    }
    request.decision = outcome.allowed ? "allow" : "deny";
    request.decision_rule = "fga:" + outcome.tuple;
    request.decision_reason = outcome.reason;
    write_audit(request, outcome);
    if (outcome.allowed) co_return gateway::Decision::proceed_with();
    co_return gateway::Decision::respond_now(denial_response(request, r.hidden));
  }

  boost::asio::awaitable<void> filter_list(const gateway::PolicyRequest& request, gateway::ListKind kind,
                                           std::vector<gateway::ListedItem>& items) override {
    auto it = routes_.find(request.route_path);
    if (it == routes_.end()) co_return;
    RouteFga& r = it->second;
    auto info = co_await model_info_of(r);
    if (!info) {
      for (auto& item : items) item.keep = false;  // fail closed: nothing is shown
      co_return;
    }
    json::object doc = rule_document(request, identity_of(request), parts_for(r, **info));
    auto& mcp = doc["mcp"].as_object();
    mcp["method"] = kind == gateway::ListKind::tools ? "tools/call" : kind == gateway::ListKind::prompts ? "prompts/get" : "resources/read";
    const char* field = kind == gateway::ListKind::tools ? "tool" : kind == gateway::ListKind::prompts ? "prompt" : "resource";
    std::vector<Prepared> checks;
    std::vector<std::size_t> index;  // items[index[i]] <- checks[i]
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto& item = items[i];
      if (!item.keep) continue;
      mcp["target"] = item.target;
      mcp[field] = item.name;
      mcp["name"] = item.name;
      auto prepared = prepare(r, **info, request, doc);
      if (!prepared) {
        item.keep = false;
        continue;
      }
      checks.push_back(std::move(*prepared));
      index.push_back(i);
    }
    auto answers = co_await decide(r, checks);
    for (std::size_t i = 0; i < index.size(); ++i) items[index[i]].keep = answers[i] && *answers[i];
  }

 private:
  struct Outcome {
    bool allowed = false;
    std::string tuple;   // "user relation object" as checked
    std::string reason;  // fga.no_relation, fga.error, fga.template, fga.remote_failed
  };

  static boost::asio::awaitable<Result<std::shared_ptr<const ModelInfo>>> model_info_of(RouteFga& r) {
    {
      std::lock_guard lock(*r.info_mutex);
      if (r.info) co_return r.info;
    }
    auto text = co_await r.remote->model();
    if (!text) {
      log::warn("fga.remote_failed", {{"route", r.route}, {"url", r.remote->url()}, {"error", text.error().message}});
      co_return fail(text.error());
    }
    auto model = fga::model_from_json(*text);
    if (!model) {
      log::warn("fga.remote_failed", {{"route", r.route}, {"url", r.remote->url()}, {"error", model.error().message}});
      co_return fail(Errc::unavailable, "remote fga model: " + model.error().message, "fga.remote_failed");
    }
    auto info = model_info(*model);
    std::lock_guard lock(*r.info_mutex);
    r.info = info;
    co_return info;
  }

  // What prepare() reads of the rule input: the templates' parts, and the arguments when a
  // condition can see them (the context).
  static unsigned parts_for(const RouteFga& r, const ModelInfo& info) {
    return r.reads | (info.condition_params.empty() ? 0u : unsigned{kArgsPart});
  }

  static Result<Prepared> prepare(const RouteFga& r, const ModelInfo& info, const gateway::PolicyRequest& request,
                                  const json::object& doc) {
    cel::Activation act;
    bind(act, doc);
    auto user = r.user.render(act);
    auto relation = r.relation.render(act);
    auto object = r.object.render(act);
    if (!user || !relation || !object) return fail(Errc::forbidden, "template", "fga.template");
    Prepared p;
    p.tuple.reserve(user->size() + relation->size() + object->size() + 2);
    p.tuple.append(*user).append(" ").append(*relation).append(" ").append(*object);
    p.key.reserve(p.tuple.size() + 32);
    p.check = fga::CheckRequest{fga::TupleKey{*object, *relation, *user}, {}};
    // Each part length-prefixed: the parts come from the token and the client (a tool name may
    // hold a newline), and two different checks must never share a key.
    add_key_part(p.key, *user);
    add_key_part(p.key, *relation);
    add_key_part(p.key, *object);
    const auth::Identity* id = identity_of(request);
    if (id) {
      if (info.roles_as_tuples)
        for (const auto& role : id->roles) {
          p.check.query.contextual_tuples.push_back({fga::TupleKey{"role:" + role, "member", *user}, {}, {}});
          add_key_part(p.key, "role:" + role);
        }
      if (info.groups_as_tuples)
        for (const auto& g : id->groups) {
          p.check.query.contextual_tuples.push_back({fga::TupleKey{"group:" + g, "member", *user}, {}, {}});
          add_key_part(p.key, "group:" + g);
        }
    }
    // A model without conditions never reads the context: skip building it (time formatting
    // and copies of the arguments were a third of this stage's cost per call).
    if (info.condition_params.empty()) return p;
    const auto& mcp = doc.at("mcp").as_object();
    auto& ctx = p.check.query.context;
    ctx["now"] = cel::format_timestamp(cel::Timestamp{std::chrono::duration_cast<std::chrono::seconds>(
                                                          std::chrono::system_clock::now().time_since_epoch()).count(), 0});
    ctx["source_ip"] = request.source.address().to_string();
    ctx["args"] = mcp.at("args");
    ctx["method"] = mcp.at("method");
    ctx["target"] = mcp.at("target");
    ctx["name"] = mcp.at("name");
    // Only what a condition can read goes into the key (in the model's parameter order), so
    // an unconditional model caches across calls while `now` or `args` in a condition key
    // the answer to their values.
    json::object relevant;
    for (const auto& name : info.condition_params)
      if (auto* v = ctx.if_contains(name)) relevant[name] = *v;
    if (!relevant.empty()) p.key += hex(auth::sha256(json::serialize(relevant)));
    return p;
  }

  // Answers from the cache, then one call (a batch for lists) for the rest. Errors are not cached.
  static boost::asio::awaitable<std::vector<Result<bool>>> decide(const RouteFga& r, std::vector<Prepared>& checks) {
    std::vector<Result<bool>> out(checks.size(), Result<bool>(false));
    std::vector<std::size_t> missing;
    std::vector<fga::CheckRequest> asks;
    for (std::size_t i = 0; i < checks.size(); ++i) {
      if (auto hit = r.cache->get(checks[i].key)) {
        out[i] = *hit;
        continue;
      }
      missing.push_back(i);
      asks.push_back(checks[i].check);
    }
    if (missing.empty()) co_return out;
    std::vector<Result<bool>> answers;
    if (r.remote) answers = co_await r.remote->check(std::move(asks));
    else answers = r.engine->batch_check(asks);
    for (std::size_t j = 0; j < missing.size(); ++j) {
      const std::size_t i = missing[j];
      if (answers[j]) {
        r.cache->put(checks[i].key, *answers[j]);
        out[i] = *answers[j];
        continue;
      }
      const bool remote = static_cast<bool>(r.remote);
      log::warn(remote ? "fga.remote_failed" : "fga.check_failed",
                {{"route", r.route}, {"tuple", checks[i].tuple}, {"error", answers[j].error().message}});
      out[i] = fail(answers[j].error().code, answers[j].error().message, remote ? "fga.remote_failed" : "fga.error");
    }
    co_return out;
  }

  void write_audit(const gateway::PolicyRequest& r, const Outcome& o) {
    if (audit_) write_decision_audit(*audit_, r, identity_of(r), "fga", o.allowed, o.tuple, o.reason);
  }

  std::map<std::string, RouteFga, std::less<>> routes_;
  std::shared_ptr<observe::AuditLog> audit_;
};

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(Errc::invalid_config, path + ": cannot read", "fga.model");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<RouteFga> build_route(const config::Route& route, std::size_t index) {
  const auto& spec = *route.fga;
  const std::string where = "routes[" + std::to_string(index) + "].fga";
  RouteFga r;
  r.route = route.name;
  if (route.policy) r.hidden = route.policy->hidden;
  r.cache = std::make_unique<FgaDecisionCache>(spec.cache.ttl, spec.cache.max_entries);
  GH_TRY(r.user, Template::compile(spec.check.user, where + ".check.user"));
  GH_TRY(r.relation, Template::compile(spec.check.relation, where + ".check.relation"));
  GH_TRY(r.object, Template::compile(spec.check.object, where + ".check.object"));
  r.reads = r.user.reads() | r.relation.reads() | r.object.reads();
  if (spec.remote) {
    // A CA file that cannot be read refuses the config (the running snapshot keeps serving).
    auto fetch = make_remote_fetch(*spec.remote);
    if (!fetch) return fail(Errc::invalid_config, where + ".remote: " + fetch.error().message, "fga.remote_ca");
    r.remote = std::make_unique<RemoteFga>(*spec.remote, std::move(*fetch));
    return r;
  }
  GH_TRY(auto dsl, read_file(spec.model_file));
  auto model = fga::load_dsl(dsl);
  if (!model) return fail(Errc::invalid_config, spec.model_file + ": " + model.error().message, "fga.model");
  r.info = model_info(*model);

  switch (spec.store.kind) {
    case config::FgaStore::Kind::memory: r.store = std::make_shared<fga::MemoryStore>(); break;
    case config::FgaStore::Kind::sqlite: {
      auto s = fga::SqliteStore::open(spec.store.path, route.name);
      if (!s) return fail(Errc::invalid_config, where + ".store: " + s.error().message, "fga.store");
      r.store = std::shared_ptr<fga::TupleStore>(std::move(*s));
      break;
    }
    case config::FgaStore::Kind::postgres: {
#ifdef GATEHOUSE_HAVE_POSTGRES
      // The store id is the route name, as with SQLite: routes share one database. The
      // message never quotes the dsn (it may carry a password).
      auto s = fga::PostgresStore::open(spec.store.dsn, route.name);
      if (!s) return fail(Errc::invalid_config, where + ".store.dsn: " + s.error().message, "fga.store");
      r.store = std::shared_ptr<fga::TupleStore>(std::move(*s));
      break;
#else
      return fail(Errc::invalid_config, where + ".store: postgres is not available in this build (use memory or sqlite)",
                  "fga.store");
#endif
    }
  }
  if (!spec.tuples_file.empty()) {
    std::vector<fga::Tuple> tuples;
    try {
      auto parsed = fga::yaml_tuples(YAML::LoadFile(spec.tuples_file));
      if (!parsed) return fail(Errc::invalid_config, spec.tuples_file + ": " + parsed.error().message, "fga.tuples");
      tuples = std::move(*parsed);
    } catch (const YAML::Exception& e) {
      return fail(Errc::invalid_config, spec.tuples_file + ": " + e.what(), "fga.tuples");
    }
    // One at a time: a persistent store already holding a tuple from an earlier start is fine.
    for (const auto& t : tuples) {
      auto st = r.store->write(std::span<const fga::Tuple>(&t, 1), {});
      if (!st && st.error().code != Errc::conflict)
        return fail(Errc::invalid_config, spec.tuples_file + ": " + st.error().message, "fga.tuples");
    }
  }
  r.engine = std::make_unique<fga::Engine>(std::make_shared<const fga::Model>(std::move(*model)), *r.store,
                                           fga::cel_conditions());
  return r;
}

}  // namespace

std::optional<FgaCacheStats> fga_cache_stats(const gateway::PolicyStage& stage) {
  if (const auto* fga = dynamic_cast<const FgaStage*>(&stage)) return fga->cache_stats();
  return std::nullopt;
}

std::vector<fga::FixedStore> fga_route_stores(const gateway::PolicyStage& stage) {
  if (const auto* fga = dynamic_cast<const FgaStage*>(&stage)) return fga->route_stores();
  return {};
}

Result<std::unique_ptr<gateway::PolicyStage>> make_fga_stage(const config::Config& config,
                                                              std::shared_ptr<observe::AuditLog> audit) {
  std::map<std::string, RouteFga, std::less<>> routes;
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    const auto& route = config.routes[i];
    if (!route.fga) continue;
    GH_TRY(auto r, build_route(route, i));
    routes.emplace(route.path, std::move(r));
  }
  if (routes.empty()) return std::unique_ptr<gateway::PolicyStage>();
  return std::unique_ptr<gateway::PolicyStage>(std::make_unique<FgaStage>(std::move(routes), std::move(audit)));
}

}  // namespace gatehouse::authz
