// The evaluator: a walk over the checked tree. Strict functions see no error arguments;
// && and || are commutative and absorb errors (false && error == false), ?: evaluates one
// branch, and the comprehension macros follow the spec's accumulation rules.
#include <algorithm>

#include "cel/cel.hpp"
#include "cel/functions.hpp"

namespace gatehouse::cel {

namespace {

constexpr std::string_view kTypeNames[] = {"int", "uint", "double", "bool", "string", "bytes", "list",
                                           "map", "null_type", "type"};

class Evaluator {
 public:
  explicit Evaluator(const Activation& act) : act_(act) {}

  Value eval(const Expr& e) {
    switch (e.type) {
      case Expr::Type::constant: return e.constant;
      case Expr::Type::ident: return ident(e);
      case Expr::Type::select: return select(e);
      case Expr::Type::call: return call(e);
      case Expr::Type::list: return list(e);
      case Expr::Type::map: return map(e);
      case Expr::Type::message: return Value::error("message construction is not supported");
      case Expr::Type::macro: return macro(e);
    }
    return Value::error("unknown expression");
  }

 private:
  Value ident(const Expr& e) {
    std::string_view name = e.name;
    if (name.starts_with('.')) name.remove_prefix(1);
    for (auto it = locals_.rbegin(); it != locals_.rend(); ++it)
      if (it->first == name) return it->second;
    Value v;
    if (act_.find(name, &v)) return v;
    for (auto t : kTypeNames)
      if (t == name) return Value::type(t);
    return Value::error("undeclared reference to '" + std::string(name) + "'");
  }

  Value select(const Expr& e) {
    // A dotted variable ("request.args") wins over selecting from "request".
    if (!e.qualified.empty() && act_.has_dotted_names() && !shadowed(e.qualified)) {
      Value v;
      if (act_.find(e.qualified, &v)) return e.test_only ? Value::boolean(true) : v;
    }
    Value operand = eval(*e.args[0]);
    if (operand.is_error()) return operand;
    if (operand.kind() == Kind::map_v) {
      Value out;
      const bool found = operand.map_find_string(e.name, &out);
      if (e.test_only) return Value::boolean(found);
      if (!found) return Value::error("no such key: " + e.name);
      return out;
    }
    return Value::error("type '" + std::string(type_name(operand)) + "' does not support field selection");
  }

  bool shadowed(std::string_view qualified) const {
    const auto first = qualified.substr(0, qualified.find('.'));
    return std::any_of(locals_.begin(), locals_.end(), [&](const auto& l) { return l.first == first; });
  }

  Value call(const Expr& e) {
    const Fn fn = static_cast<Fn>(e.fn);
    if (fn == Fn::and_ || fn == Fn::or_) return logic(e, fn == Fn::or_);
    if (fn == Fn::cond) {
      Value c = eval(*e.args[0]);
      if (c.is_error()) return c;
      if (!c.is_bool()) return no_overload("_?_:_");
      return eval(*e.args[c.as_bool() ? 1 : 2]);
    }
    Value args[4];
    const std::size_t n = e.args.size();
    if (n > 4) return no_overload(e.name);
    for (std::size_t i = 0; i < n; ++i) {
      args[i] = eval(*e.args[i]);
      if (args[i].is_error()) return args[i];
    }
    return call_builtin(fn, args, n, e.regex);
  }

  // a || b: true if either is true, whatever the other; else an error if either is one.
  Value logic(const Expr& e, bool is_or) {
    Value a = eval(*e.args[0]);
    if (a.is_bool() && a.as_bool() == is_or) return a;
    Value b = eval(*e.args[1]);
    if (b.is_bool() && b.as_bool() == is_or) return b;
    if (a.is_bool() && b.is_bool()) return Value::boolean(!is_or);
    if (a.is_error()) return a;
    if (b.is_error()) return b;
    return no_overload(is_or ? "_||_" : "_&&_");
  }

  Value list(const Expr& e) {
    std::vector<Value> items;
    items.reserve(e.args.size());
    for (const auto& a : e.args) {
      Value v = eval(*a);
      if (v.is_error()) return v;
      items.push_back(std::move(v));
    }
    return Value::list(std::move(items));
  }

  Value map(const Expr& e) {
    auto data = std::make_shared<MapData>();
    for (std::size_t i = 0; i + 1 < e.args.size(); i += 2) {
      Value k = eval(*e.args[i]);
      if (k.is_error()) return k;
      const Kind kk = k.kind();
      if (kk != Kind::int_v && kk != Kind::uint_v && kk != Kind::bool_v && kk != Kind::string_v)
        return Value::error("unsupported key type: " + std::string(type_name(k)));
      Value v = eval(*e.args[i + 1]);
      if (v.is_error()) return v;
      for (const auto& [ek, ev] : data->entries)
        if (equal_values(ek, k)) return Value::error("Failed with repeated key");
      data->entries.emplace_back(std::move(k), std::move(v));
    }
    return Value::map(std::move(data));
  }

  Value macro(const Expr& e) {
    Value range = eval(*e.args[0]);
    if (range.is_error()) return range;
    std::vector<Value> elements;
    if (range.kind() == Kind::list_v) {
      elements.reserve(range.size());
      for (std::size_t i = 0; i < range.size(); ++i) elements.push_back(range.list_at(i));
    } else if (range.kind() == Kind::map_v) {
      range.map_for_each([&](const Value& k, const Value&) {
        elements.push_back(k);
        return true;
      });
    } else {
      return Value::error("macro " + e.name + ": range must be a list or a map");
    }
    locals_.emplace_back(e.name, Value());
    const std::size_t slot = locals_.size() - 1;
    Value result = run_macro(e, elements, slot);
    locals_.pop_back();
    return result;
  }

  Value run_macro(const Expr& e, const std::vector<Value>& elements, std::size_t slot) {
    switch (e.macro) {
      case MacroKind::all:
      case MacroKind::exists: {
        const bool stop_on = e.macro == MacroKind::exists;  // exists stops on true, all on false
        Value err;
        bool have_err = false;
        for (const auto& el : elements) {
          locals_[slot].second = el;
          Value r = eval(*e.args[1]);
          if (r.is_bool()) {
            if (r.as_bool() == stop_on) return r;
          } else if (!have_err) {
            err = r.is_error() ? r : no_overload(e.macro == MacroKind::all ? "all" : "exists");
            have_err = true;
          }
        }
        return have_err ? err : Value::boolean(!stop_on);
      }
      case MacroKind::exists_one: {
        int count = 0;
        for (const auto& el : elements) {
          locals_[slot].second = el;
          Value r = eval(*e.args[1]);
          if (r.is_error()) return r;
          if (!r.is_bool()) return no_overload("exists_one");
          if (r.as_bool()) ++count;
        }
        return Value::boolean(count == 1);
      }
      case MacroKind::map:
      case MacroKind::map_filter:
      case MacroKind::filter: {
        std::vector<Value> out;
        for (const auto& el : elements) {
          locals_[slot].second = el;
          if (e.macro != MacroKind::map) {
            Value keep = eval(*e.args[e.macro == MacroKind::filter ? 1 : 2]);
            if (keep.is_error()) return keep;
            if (!keep.is_bool()) return no_overload("filter");
            if (!keep.as_bool()) continue;
          }
          if (e.macro == MacroKind::filter) {
            out.push_back(el);
          } else {
            Value v = eval(*e.args[1]);
            if (v.is_error()) return v;
            out.push_back(std::move(v));
          }
        }
        return Value::list(std::move(out));
      }
      case MacroKind::none: break;
    }
    return Value::error("unknown macro");
  }

  const Activation& act_;
  std::vector<std::pair<std::string, Value>> locals_;
};

}  // namespace

void Activation::set(std::string name, Value v) {
  if (name.find('.') != std::string::npos) dotted_ = true;
  for (auto& [n, val] : vars_)
    if (n == name) {
      val = std::move(v);
      return;
    }
  vars_.emplace_back(std::move(name), std::move(v));
}

void Activation::set_json_members(const boost::json::object& obj) {
  // Sized once (with room for one more, e.g. the rule input's `now`): built per request.
  vars_.reserve(vars_.size() + obj.size() + 1);
  for (const auto& kv : obj) set(std::string(kv.key()), Value::from_json(kv.value()));
}

bool Activation::find(std::string_view name, Value* out) const {
  for (const auto& [n, v] : vars_)
    if (n == name) {
      *out = v;
      return true;
    }
  return false;
}

Value eval(const Program& program, const Activation& activation) {
  Evaluator ev(activation);
  return ev.eval(program.root());
}

Result<bool> eval_bool(const Program& program, const Activation& activation) {
  Value v = eval(program, activation);
  if (v.is_bool()) return v.as_bool();
  if (v.is_error()) return fail(Errc::internal, std::string(v.as_string()), "cel.eval");
  return fail(Errc::internal, "expression gave " + std::string(type_name(v)) + ", not bool", "cel.eval");
}

}  // namespace gatehouse::cel
