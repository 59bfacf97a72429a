// compile(): parse, then one pass over the tree that resolves every function to its builtin,
// checks arities and identifiers against the environment, and precompiles literal regexes,
// so a rule that cannot work fails when the config loads, not when a request arrives.
#include <re2/re2.h>

#include <algorithm>
#include <optional>

#include "cel/cel.hpp"
#include "cel/functions.hpp"
#include "cel/parser.hpp"

namespace gatehouse::cel {

namespace {

constexpr std::string_view kTypeNames[] = {"int", "uint", "double", "bool", "string", "bytes", "list",
                                           "map", "null_type", "type", "dyn"};

bool is_type_name(std::string_view n) {
  return std::find(std::begin(kTypeNames), std::end(kTypeNames), n) != std::end(kTypeNames);
}

class Checker {
 public:
  explicit Checker(const Env& env) : env_(env) {}

  Status check(Expr& e) {
    switch (e.type) {
      case Expr::Type::constant: return {};
      case Expr::Type::ident: return check_ident(e);
      case Expr::Type::select: {
        if (auto q = qualified_name(e)) {
          e.qualified = *q;
          GH_CHECK(check_field(e));
        }
        return check(*e.args[0]);
      }
      case Expr::Type::call: return check_call(e);
      case Expr::Type::list:
      case Expr::Type::map:
        for (auto& a : e.args) GH_CHECK(check(*a));
        return {};
      case Expr::Type::message:
        return error(e, "message construction (" + e.name + "{...}) needs protobuf types, which are not supported");
      case Expr::Type::macro: {
        GH_CHECK(check(*e.args[0]));
        scope_.push_back(e.name);
        for (std::size_t i = 1; i < e.args.size(); ++i) {
          auto st = check(*e.args[i]);
          if (!st) {
            scope_.pop_back();
            return st;
          }
        }
        scope_.pop_back();
        return {};
      }
    }
    return {};
  }

 private:
  static Status error(const Expr& e, const std::string& message) {
    return fail(Errc::invalid_config, std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + message,
                "cel.check");
  }

  std::optional<std::string> qualified_name(const Expr& e) {
    if (e.type == Expr::Type::ident) return e.name;
    if (e.type != Expr::Type::select || e.test_only) return std::nullopt;
    auto inner = qualified_name(*e.args[0]);
    if (!inner) return std::nullopt;
    return *inner + "." + e.name;
  }

  // "identity.rolez" where identity is closed and has no field rolez.
  Status check_field(const Expr& e) {
    const std::string& q = e.qualified;
    const auto dot = q.rfind('.');
    const std::string parent = q.substr(0, dot);
    if (std::find(env_.closed.begin(), env_.closed.end(), parent) == env_.closed.end()) return {};
    const auto root = parent.substr(0, parent.find('.'));
    if (std::find(scope_.begin(), scope_.end(), root) != scope_.end()) return {};  // a macro variable
    std::string fields;
    for (const auto& v : env_.variables) {
      if (v == q) return {};
      if (v.size() > parent.size() + 1 && v.starts_with(parent) && v[parent.size()] == '.' &&
          v.find('.', parent.size() + 1) == std::string::npos)
        fields += (fields.empty() ? "" : ", ") + v.substr(parent.size() + 1);
    }
    return error(e, "no field '" + e.name + "' in " + parent + " (fields: " + fields + ")");
  }

  Status check_ident(const Expr& e) {
    std::string_view name = e.name;
    if (name.starts_with('.')) name.remove_prefix(1);
    if (std::find(scope_.begin(), scope_.end(), name) != scope_.end()) return {};
    if (env_.allow_undeclared || is_type_name(name)) return {};
    for (const auto& v : env_.variables) {
      std::string_view d = v;
      if (d == name || (d.size() > name.size() && d.starts_with(name) && d[name.size()] == '.')) return {};
    }
    return error(e, "undeclared reference to '" + std::string(name) + "'");
  }

  Status check_call(Expr& e) {
    for (auto& a : e.args) GH_CHECK(check(*a));
    FnInfo info = lookup_function(e.name);
    if (info.fn == Fn::unknown) {
      // Unchecked programs (allow_undeclared) fail at run time instead, so `f(x) || true` holds.
      if (env_.allow_undeclared) return {};
      return error(e, "unknown function '" + e.name + "'");
    }
    const std::size_t n = e.args.size() - (e.has_target ? 1 : 0);
    const std::uint8_t arities = e.has_target ? info.member_arities : info.global_arities;
    if (n >= 8 || !(arities & (1u << n)))
      return error(e, "'" + e.name + "' does not take " + std::to_string(n) + " argument(s)" +
                          (e.has_target ? " as a method" : ""));
    e.fn = static_cast<std::uint16_t>(info.fn);
    if (info.fn == Fn::matches) {
      const Expr& pattern = *e.args.back();
      if (pattern.type == Expr::Type::constant && pattern.constant.kind() == Kind::string_v) {
        re2::RE2::Options opts;
        opts.set_log_errors(false);
        auto re = std::make_shared<re2::RE2>(
            re2::StringPiece(pattern.constant.as_string().data(), pattern.constant.as_string().size()), opts);
        if (!re->ok()) return error(pattern, "invalid regular expression: " + re->error());
        e.regex = re.get();
        e.regex_owner = std::move(re);
      }
    }
    return {};
  }

  const Env& env_;
  std::vector<std::string> scope_;  // macro variables in scope
};

}  // namespace

Result<Program> compile(std::string_view expr, const Env& env) {
  GH_TRY(auto root, parse(expr));
  Checker checker(env);
  GH_CHECK(checker.check(*root));
  Program p;
  p.root_ = std::shared_ptr<const Expr>(std::move(root));
  p.source_ = std::string(expr);
  return p;
}

}  // namespace gatehouse::cel
