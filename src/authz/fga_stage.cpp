#include "authz/fga_stage.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json/serialize.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "authz/compiled_policy.hpp"
#include "authz/decision_audit.hpp"
#include "authz/rule_input.hpp"
#include "authz/rules_stage.hpp"
#include "cel/time.hpp"
#include "core/log.hpp"
#include "fga/cel_conditions.hpp"
#include "fga/dsl_parser.hpp"
#include "fga/engine.hpp"
#include "fga/memory_store.hpp"
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

struct RouteFga {
  std::string route;
  config::PolicySpec::Hidden hidden = config::PolicySpec::Hidden::unknown;
  std::shared_ptr<fga::TupleStore> store;
  std::unique_ptr<fga::Engine> engine;  // refers to *store
  Template user, relation, object;
  bool roles_as_tuples = false, groups_as_tuples = false;
};

bool is_named_call(std::string_view m) {
  return m == "tools/call" || m == "prompts/get" || m == "resources/read" || m == "resources/subscribe" ||
         m == "resources/unsubscribe";
}

class FgaStage final : public gateway::PolicyStage {
 public:
  FgaStage(std::map<std::string, RouteFga, std::less<>> routes, std::shared_ptr<observe::AuditLog> audit)
      : routes_(std::move(routes)), audit_(std::move(audit)) {}

  std::string_view name() const override { return "fga"; }

  boost::asio::awaitable<gateway::Decision> apply(gateway::PolicyRequest& request) override {
    auto it = routes_.find(request.route_path);
    if (it == routes_.end() || !is_named_call(request.method)) co_return gateway::Decision::proceed_with();
    const json::object doc = rule_document(request, identity_of(request));
    auto outcome = decide(it->second, request, doc);
    request.decision = outcome.allowed ? "allow" : "deny";
    request.decision_rule = "fga:" + outcome.tuple;
    request.decision_reason = outcome.reason;
    write_audit(request, outcome);
    if (outcome.allowed) co_return gateway::Decision::proceed_with();
    co_return gateway::Decision::respond_now(denial_response(request, it->second.hidden));
  }

  boost::asio::awaitable<void> filter_list(const gateway::PolicyRequest& request, gateway::ListKind kind,
                                           std::vector<gateway::ListedItem>& items) override {
    auto it = routes_.find(request.route_path);
    if (it == routes_.end()) co_return;
    json::object doc = rule_document(request, identity_of(request));
    auto& mcp = doc["mcp"].as_object();
    mcp["method"] = kind == gateway::ListKind::tools ? "tools/call" : kind == gateway::ListKind::prompts ? "prompts/get" : "resources/read";
    const char* field = kind == gateway::ListKind::tools ? "tool" : kind == gateway::ListKind::prompts ? "prompt" : "resource";
    for (auto& item : items) {
      if (!item.keep) continue;
      mcp["target"] = item.target;
      mcp[field] = item.name;
      mcp["name"] = item.name;
      item.keep = decide(it->second, request, doc).allowed;
    }
  }

 private:
  struct Outcome {
    bool allowed = false;
    std::string tuple;   // "user relation object" as checked
    std::string reason;  // fga.no_relation, fga.error, fga.template
  };

  static Outcome decide(const RouteFga& r, const gateway::PolicyRequest& request, const json::object& doc) {
    cel::Activation act;
    bind(act, doc);
    auto user = r.user.render(act);
    auto relation = r.relation.render(act);
    auto object = r.object.render(act);
    if (!user || !relation || !object) return {false, "", "fga.template"};
    Outcome out;
    out.tuple = *user + " " + *relation + " " + *object;
    fga::CheckRequest check{fga::TupleKey{*object, *relation, *user}, {}};
    const auth::Identity* id = identity_of(request);
    if (id) {
      if (r.roles_as_tuples)
        for (const auto& role : id->roles) check.query.contextual_tuples.push_back({fga::TupleKey{"role:" + role, "member", *user}, {}, {}});
      if (r.groups_as_tuples)
        for (const auto& g : id->groups) check.query.contextual_tuples.push_back({fga::TupleKey{"group:" + g, "member", *user}, {}, {}});
    }
    const auto& mcp = doc.at("mcp").as_object();
    check.query.context["now"] = cel::format_timestamp(cel::Timestamp{std::chrono::duration_cast<std::chrono::seconds>(
                                                                          std::chrono::system_clock::now().time_since_epoch()).count(), 0});
    check.query.context["source_ip"] = request.source.address().to_string();
    check.query.context["args"] = mcp.at("args");
    check.query.context["method"] = mcp.at("method");
    check.query.context["target"] = mcp.at("target");
    check.query.context["name"] = mcp.at("name");
    auto result = r.engine->check(check);
    if (!result) {
      log::warn("fga.check_failed", {{"route", r.route}, {"tuple", out.tuple}, {"error", result.error().message}});
      out.reason = "fga.error";
      return out;
    }
    out.allowed = *result;
    if (!out.allowed) out.reason = "fga.no_relation";
    return out;
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

bool has_member_relation(const fga::Model& m, std::string_view type) {
  const auto* t = m.find_type(type);
  return t && t->find("member");
}

Result<RouteFga> build_route(const config::Route& route, std::size_t index) {
  const auto& spec = *route.fga;
  const std::string where = "routes[" + std::to_string(index) + "].fga";
  RouteFga r;
  r.route = route.name;
  if (route.policy) r.hidden = route.policy->hidden;
  GH_TRY(auto dsl, read_file(spec.model_file));
  auto model = fga::load_dsl(dsl);
  if (!model) return fail(Errc::invalid_config, spec.model_file + ": " + model.error().message, "fga.model");
  r.roles_as_tuples = has_member_relation(*model, "role");
  r.groups_as_tuples = has_member_relation(*model, "group");

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
  GH_TRY(r.user, Template::compile(spec.check.user, where + ".check.user"));
  GH_TRY(r.relation, Template::compile(spec.check.relation, where + ".check.relation"));
  GH_TRY(r.object, Template::compile(spec.check.object, where + ".check.object"));
  r.engine = std::make_unique<fga::Engine>(std::make_shared<const fga::Model>(std::move(*model)), *r.store,
                                           fga::cel_conditions());
  return r;
}

}  // namespace

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
