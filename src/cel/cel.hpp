// Public CEL API: compile an expression once (parse + check against a declared environment,
// so bad rules fail at config load) and evaluate it many times against an Activation.
// Evaluation never throws; errors are error Values, and eval_bool fails closed.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "cel/ast.hpp"
#include "cel/value.hpp"
#include "core/result.hpp"

namespace gatehouse::cel {

// What an expression may refer to. Names may be dotted ("request.args"): a dotted name
// also declares that chain. allow_undeclared skips the unknown-identifier check.
struct Env {
  std::vector<std::string> variables;
  bool allow_undeclared = false;
  // Variables whose fields are exactly the declared "name.field" entries: selecting any
  // other field is a compile error (a typo such as identity.rolez fails at config load).
  std::vector<std::string> closed;
};

// A compiled expression; cheap to copy and safe to share between threads.
class Program {
 public:
  const Expr& root() const { return *root_; }
  const std::string& source() const { return source_; }

 private:
  friend Result<Program> compile(std::string_view expr, const Env& env);
  std::shared_ptr<const Expr> root_;
  std::string source_;
};

// Variables for one evaluation. JSON-backed variables are views: the JSON must outlive the
// activation and every Value read from it.
class Activation {
 public:
  void set(std::string name, Value v);
  void set_json(std::string name, const boost::json::value& j) { set(std::move(name), Value::from_json(j)); }
  // Every member of the object becomes a variable (e.g. {"identity": {...}, "mcp": {...}}).
  void set_json_members(const boost::json::object& obj);
  bool find(std::string_view name, Value* out) const;
  bool has_dotted_names() const { return dotted_; }

 private:
  std::vector<std::pair<std::string, Value>> vars_;  // few variables: a scan beats hashing
  bool dotted_ = false;
};

Result<Program> compile(std::string_view expr, const Env& env);
Value eval(const Program& program, const Activation& activation);
// A bool result, or an error for anything else (callers deny on error).
Result<bool> eval_bool(const Program& program, const Activation& activation);

}  // namespace gatehouse::cel
