// Engine::expand: one level of the userset tree of object#relation, in the OpenFGA API's
// JSON shape ({"root": {"name": ..., "leaf"|"union"|"intersection"|"difference": ...}}).
#include <boost/json.hpp>

#include "fga/engine.hpp"
#include "fga/resolver.hpp"

namespace gatehouse::fga {
namespace {

namespace json = boost::json;

struct Expander {
  const Model& model;
  Resolver& resolver;
  const std::string& object;

  Result<json::object> node(const std::string& relation, const Rewrite& w) {
    json::object n;
    n["name"] = object + "#" + relation;
    switch (w.kind) {
      case RewriteKind::direct: {
        json::array users;
        GH_CHECK(resolver.for_each(object, relation, TupleStore::Users::all, [&](const Tuple& t) {
          users.emplace_back(t.key.user);
          return true;
        }));
        std::sort(users.begin(), users.end(), [](const json::value& a, const json::value& b) {
          return a.as_string() < b.as_string();
        });
        n["leaf"] = json::object{{"users", json::object{{"users", std::move(users)}}}};
        return n;
      }
      case RewriteKind::computed:
        n["leaf"] = json::object{{"computed", json::object{{"userset", object + "#" + w.relation}}}};
        return n;
      case RewriteKind::tuple_to_userset: {
        json::array computed;
        GH_CHECK(resolver.for_each(object, w.tupleset, TupleStore::Users::all, [&](const Tuple& t) {
          auto u = split_user(t.key.user);
          if (u && u->relation.empty() && !u->wildcard() && model.find_relation(u->type, w.relation))
            computed.emplace_back(json::object{{"userset", t.key.user + "#" + w.relation}});
          return true;
        }));
        n["leaf"] = json::object{
            {"tupleToUserset",
             json::object{{"tupleset", object + "#" + w.tupleset}, {"computed", std::move(computed)}}}};
        return n;
      }
      case RewriteKind::union_of:
      case RewriteKind::intersection: {
        json::array nodes;
        for (const auto& c : w.children) {
          GH_TRY(json::object child, node(relation, c));
          nodes.emplace_back(std::move(child));
        }
        n[w.kind == RewriteKind::union_of ? "union" : "intersection"] =
            json::object{{"nodes", std::move(nodes)}};
        return n;
      }
      case RewriteKind::difference: {
        GH_TRY(json::object base, node(relation, w.children[0]));
        GH_TRY(json::object sub, node(relation, w.children[1]));
        n["difference"] = json::object{{"base", std::move(base)}, {"subtract", std::move(sub)}};
        return n;
      }
    }
    return n;
  }
};

}  // namespace

Result<json::value> Engine::expand(const std::string& object, const std::string& relation,
                                   const QueryContext& query) const {
  auto obj = split_object(object);
  if (!obj) return fga_error(FgaCode::validation_error, "invalid object '" + object + "'");
  const RelationDef* rel = model_->find_relation(obj->type, relation);
  if (!model_->find_type(obj->type))
    return fga_error(FgaCode::type_not_found, "type '" + std::string(obj->type) + "' not found");
  if (!rel) return fga_error(FgaCode::relation_not_found, "relation '" + relation + "' not found");
  Resolver r(*this, query);
  GH_CHECK(r.prepare());
  Expander e{*model_, r, object};
  GH_TRY(json::object root, e.node(relation, rel->rewrite));
  return json::value(json::object{{"tree", json::object{{"root", std::move(root)}}}});
}

}  // namespace gatehouse::fga
