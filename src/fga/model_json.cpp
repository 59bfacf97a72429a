#include "fga/model_json.hpp"

#include <boost/json.hpp>
#include <cctype>

namespace gatehouse::fga {
namespace {

namespace json = boost::json;

std::string type_name_of(const std::string& t) {
  std::string s = "TYPE_NAME_";
  for (char c : t) s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return s;
}

json::object param_json(const ParamType& p) {
  json::object o{{"type_name", type_name_of(p.name)}};
  if (!p.generics.empty()) {
    json::array g;
    for (const auto& x : p.generics) g.emplace_back(param_json(x));
    o["generic_types"] = std::move(g);
  }
  return o;
}

json::object rewrite_json(const Rewrite& w) {
  switch (w.kind) {
    case RewriteKind::direct:
      return {{"this", json::object{}}};
    case RewriteKind::computed:
      return {{"computedUserset", json::object{{"relation", w.relation}}}};
    case RewriteKind::tuple_to_userset:
      return {{"tupleToUserset", json::object{{"computedUserset", json::object{{"relation", w.relation}}},
                                              {"tupleset", json::object{{"relation", w.tupleset}}}}}};
    case RewriteKind::union_of:
    case RewriteKind::intersection: {
      json::array child;
      for (const auto& c : w.children) child.emplace_back(rewrite_json(c));
      return {{w.kind == RewriteKind::union_of ? "union" : "intersection",
               json::object{{"child", std::move(child)}}}};
    }
    case RewriteKind::difference:
      return {{"difference", json::object{{"base", rewrite_json(w.children[0])},
                                          {"subtract", rewrite_json(w.children[1])}}}};
  }
  return {};
}

Unexpected bad(const std::string& msg) {
  return fail(Errc::bad_request, "authorization model: " + msg, "fga.invalid_model");
}

Result<std::string> get_string(const json::object& o, std::string_view key, bool required = true) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (required) return bad("missing '" + std::string(key) + "'");
    return std::string();
  }
  if (!v->is_string()) return bad("'" + std::string(key) + "' must be a string");
  return std::string(v->as_string());
}

Result<ParamType> param_from(const json::value& v, int depth = 0) {
  if (!v.is_object() || depth > 4) return bad("invalid condition parameter type");
  GH_TRY(std::string tn, get_string(v.as_object(), "type_name"));
  if (tn.rfind("TYPE_NAME_", 0) != 0) return bad("unknown type_name '" + tn + "'");
  ParamType p;
  for (char c : tn.substr(10)) p.name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  static const char* kKnown[] = {"int", "uint", "double", "bool", "string", "bytes", "duration",
                                 "timestamp", "any", "ipaddress", "list", "map"};
  bool known = false;
  for (const char* k : kKnown) known = known || p.name == k;
  if (!known) return bad("unknown type_name '" + tn + "'");
  if (const auto* g = v.as_object().if_contains("generic_types"); g && !g->is_null()) {
    if (!g->is_array()) return bad("generic_types must be an array");
    for (const auto& x : g->as_array()) {
      GH_TRY(ParamType inner, param_from(x, depth + 1));
      p.generics.push_back(std::move(inner));
    }
  }
  if ((p.name == "list" || p.name == "map") != (p.generics.size() == 1))
    return bad("list and map take exactly one generic type");
  return p;
}

Result<Rewrite> rewrite_from(const json::value& v, int depth = 0) {
  if (!v.is_object() || depth > 64) return bad("invalid userset rewrite");
  const json::object& o = v.as_object();
  Rewrite w;
  if (o.contains("this")) {
    w.kind = RewriteKind::direct;
  } else if (const auto* c = o.if_contains("computedUserset")) {
    if (!c->is_object()) return bad("computedUserset must be an object");
    w.kind = RewriteKind::computed;
    GH_TRY(w.relation, get_string(c->as_object(), "relation"));
  } else if (const auto* t = o.if_contains("tupleToUserset")) {
    if (!t->is_object()) return bad("tupleToUserset must be an object");
    const auto* cu = t->as_object().if_contains("computedUserset");
    const auto* ts = t->as_object().if_contains("tupleset");
    if (!cu || !cu->is_object() || !ts || !ts->is_object()) return bad("tupleToUserset needs computedUserset and tupleset");
    w.kind = RewriteKind::tuple_to_userset;
    GH_TRY(w.relation, get_string(cu->as_object(), "relation"));
    GH_TRY(w.tupleset, get_string(ts->as_object(), "relation"));
  } else if (o.contains("union") || o.contains("intersection")) {
    bool is_union = o.contains("union");
    const json::value& u = is_union ? o.at("union") : o.at("intersection");
    const json::value* child = u.is_object() ? u.as_object().if_contains("child") : nullptr;
    if (!child || !child->is_array()) return bad("union/intersection needs a child array");
    w.kind = is_union ? RewriteKind::union_of : RewriteKind::intersection;
    for (const auto& c : child->as_array()) {
      GH_TRY(Rewrite cw, rewrite_from(c, depth + 1));
      w.children.push_back(std::move(cw));
    }
  } else if (const auto* d = o.if_contains("difference")) {
    const json::value* base = d->is_object() ? d->as_object().if_contains("base") : nullptr;
    const json::value* sub = d->is_object() ? d->as_object().if_contains("subtract") : nullptr;
    if (!base || !sub) return bad("difference needs base and subtract");
    w.kind = RewriteKind::difference;
    GH_TRY(Rewrite b, rewrite_from(*base, depth + 1));
    GH_TRY(Rewrite s, rewrite_from(*sub, depth + 1));
    w.children.push_back(std::move(b));
    w.children.push_back(std::move(s));
  } else {
    return bad("unknown userset rewrite");
  }
  return w;
}

}  // namespace

json::value to_json(const Model& m) {
  json::object out;
  if (!m.id.empty()) out["id"] = m.id;
  out["schema_version"] = m.schema_version;
  json::array types;
  for (const auto& t : m.types) {
    json::object td{{"type", t.name}};
    json::object rels;
    json::object meta_rels;
    for (const auto& r : t.relations) {
      rels[r.name] = rewrite_json(r.rewrite);
      json::array drt;
      for (const auto& ref : r.directly_related) {
        json::object e{{"type", ref.type}};
        if (!ref.relation.empty()) e["relation"] = ref.relation;
        if (!ref.condition.empty()) e["condition"] = ref.condition;
        if (ref.wildcard) e["wildcard"] = json::object{};
        drt.emplace_back(std::move(e));
      }
      meta_rels[r.name] = json::object{{"directly_related_user_types", std::move(drt)}};
    }
    td["relations"] = std::move(rels);
    if (t.relations.empty())
      td["metadata"] = nullptr;
    else
      td["metadata"] = json::object{{"relations", std::move(meta_rels)}};
    types.emplace_back(std::move(td));
  }
  out["type_definitions"] = std::move(types);
  if (!m.conditions.empty()) {
    json::object conds;
    for (const auto& c : m.conditions) {
      json::object params;
      for (const auto& p : c.params) params[p.name] = param_json(p.type);
      conds[c.name] = json::object{{"name", c.name}, {"expression", c.expression}, {"parameters", std::move(params)}};
    }
    out["conditions"] = std::move(conds);
  }
  return out;
}

Result<Model> model_from_json(const json::value& v) {
  if (!v.is_object()) return bad("expected an object");
  const json::object& o = v.as_object();
  Model m;
  GH_TRY(m.id, get_string(o, "id", false));
  GH_TRY(m.schema_version, get_string(o, "schema_version"));
  const json::value* tds = o.if_contains("type_definitions");
  if (!tds || !tds->is_array()) return bad("type_definitions must be an array");
  for (const auto& tv : tds->as_array()) {
    if (!tv.is_object()) return bad("a type definition must be an object");
    const json::object& to = tv.as_object();
    TypeDef t;
    GH_TRY(t.name, get_string(to, "type"));
    const json::object* meta_rels = nullptr;
    if (const auto* meta = to.if_contains("metadata"); meta && meta->is_object())
      if (const auto* mr = meta->as_object().if_contains("relations"); mr && mr->is_object())
        meta_rels = &mr->as_object();
    if (const auto* rels = to.if_contains("relations"); rels && !rels->is_null()) {
      if (!rels->is_object()) return bad("relations must be an object");
      for (const auto& [name, rv] : rels->as_object()) {
        RelationDef r;
        r.name = std::string(name);
        GH_TRY(r.rewrite, rewrite_from(rv));
        const json::value* info = meta_rels ? meta_rels->if_contains(name) : nullptr;
        const json::value* drt =
            info && info->is_object() ? info->as_object().if_contains("directly_related_user_types") : nullptr;
        if (drt && !drt->is_null()) {
          if (!drt->is_array()) return bad("directly_related_user_types must be an array");
          for (const auto& e : drt->as_array()) {
            if (!e.is_object()) return bad("a directly related user type must be an object");
            RelationRef ref;
            GH_TRY(ref.type, get_string(e.as_object(), "type"));
            GH_TRY(ref.relation, get_string(e.as_object(), "relation", false));
            GH_TRY(ref.condition, get_string(e.as_object(), "condition", false));
            ref.wildcard = e.as_object().contains("wildcard") && !e.as_object().at("wildcard").is_null();
            r.directly_related.push_back(std::move(ref));
          }
        }
        t.relations.push_back(std::move(r));
      }
    }
    m.types.push_back(std::move(t));
  }
  if (const auto* conds = o.if_contains("conditions"); conds && !conds->is_null()) {
    if (!conds->is_object()) return bad("conditions must be an object");
    for (const auto& [name, cv] : conds->as_object()) {
      if (!cv.is_object()) return bad("a condition must be an object");
      ConditionDef c;
      c.name = std::string(name);
      GH_TRY(std::string inner_name, get_string(cv.as_object(), "name", false));
      if (!inner_name.empty() && inner_name != c.name) return bad("condition key and name differ");
      GH_TRY(c.expression, get_string(cv.as_object(), "expression"));
      if (const auto* ps = cv.as_object().if_contains("parameters"); ps && !ps->is_null()) {
        if (!ps->is_object()) return bad("parameters must be an object");
        for (const auto& [pn, pv] : ps->as_object()) {
          GH_TRY(ParamType pt, param_from(pv));
          c.params.push_back({std::string(pn), std::move(pt)});
        }
      }
      m.conditions.push_back(std::move(c));
    }
  }
  return m;
}

Result<Model> model_from_json_text(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return fail(Errc::parse_error, "authorization model: invalid JSON: " + ec.message(), "fga.invalid_model");
  return model_from_json(v);
}

}  // namespace gatehouse::fga
