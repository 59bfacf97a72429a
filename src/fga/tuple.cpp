#include "fga/tuple.hpp"

namespace gatehouse::fga {
namespace {

bool clean(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c == ' ' || c == '\t' || c == '\n' || c == '#' || c == ':' || c == '@' || c == '\r')
      return false;
  return true;
}

}  // namespace

Unexpected fga_error(FgaCode code, std::string message) {
  return fail(Errc::bad_request, std::move(message), "fga." + std::to_string(static_cast<int>(code)));
}

int fga_code(const Error& e) {
  if (e.reason.rfind("fga.", 0) != 0) return 0;
  try {
    return std::stoi(e.reason.substr(4));
  } catch (...) {
    return 0;
  }
}

std::optional<UserRef> split_user(std::string_view user) {
  size_t colon = user.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  UserRef r;
  r.type = user.substr(0, colon);
  std::string_view rest = user.substr(colon + 1);
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    r.relation = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
    if (!clean(r.relation)) return std::nullopt;
  }
  r.id = rest;
  if (!clean(r.type) || r.id.empty()) return std::nullopt;
  if (r.id != "*") {
    if (!clean(r.id) || r.id.find('*') != std::string_view::npos) return std::nullopt;
  } else if (!r.relation.empty()) {
    return std::nullopt;  // `type:*#rel` is meaningless
  }
  return r;
}

std::optional<UserRef> split_object(std::string_view object) {
  auto r = split_user(object);
  if (!r || !r->relation.empty() || r->wildcard()) return std::nullopt;
  return r;
}

Status validate_tuple(const Model& model, const Tuple& t) {
  auto obj = split_object(t.key.object);
  if (!obj) return fga_error(FgaCode::invalid_tuple, "invalid object '" + t.key.object + "'");
  const TypeDef* type = model.find_type(obj->type);
  if (!type)
    return fga_error(FgaCode::invalid_tuple, "type '" + std::string(obj->type) + "' not found");
  const RelationDef* rel = type->find(t.key.relation);
  if (!rel)
    return fga_error(FgaCode::invalid_tuple, "relation '" + t.key.relation + "' not found on '" +
                                                 std::string(obj->type) + "'");
  auto user = split_user(t.key.user);
  if (!user) return fga_error(FgaCode::invalid_tuple, "invalid user '" + t.key.user + "'");
  if (!model.find_type(user->type))
    return fga_error(FgaCode::invalid_tuple, "type '" + std::string(user->type) + "' not found");
  if (!user->relation.empty() && !model.find_relation(user->type, user->relation))
    return fga_error(FgaCode::invalid_tuple, "relation '" + std::string(user->type) + "#" +
                                                 std::string(user->relation) + "' not found");
  for (const auto& ref : rel->directly_related) {
    if (ref.type != user->type) continue;
    if (ref.wildcard != user->wildcard()) continue;
    if (ref.relation != user->relation) continue;
    if (ref.condition != t.condition) continue;
    if (!t.condition.empty() && !model.find_condition(t.condition)) break;
    return {};
  }
  return fga_error(FgaCode::invalid_tuple, "'" + t.key.user + "' is not an allowed user of " +
                                               t.key.object + "#" + t.key.relation +
                                               (t.condition.empty() ? "" : " with " + t.condition));
}

}  // namespace gatehouse::fga
