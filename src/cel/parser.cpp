// CEL grammar:
//   Expr     = Or ["?" Or ":" Expr]        Or = And {"||" And}     And = Rel {"&&" Rel}
//   Rel      = Add {relop Add}             Add = Mul {("+"|"-") Mul}
//   Mul      = Unary {("*"|"/"|"%") Unary} Unary = Member | "!"+ Member | "-"+ Member
//   Member   = Primary {"." IDENT ["(" args ")"] | "[" Expr "]" | "{" fields "}"}
//   Primary  = ["."] IDENT ["(" args ")"] | "(" Expr ")" | "[" list "]" | "{" map "}" | literal
#include "cel/parser.hpp"

#include <limits>

#include "cel/lexer.hpp"

namespace gatehouse::cel {
namespace {

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  Result<ExprPtr> run() {
    GH_TRY(auto e, expr());
    if (cur().kind != Tok::end) return error(cur(), "unexpected token '" + std::string(cur().text) + "'");
    return e;
  }

 private:
  const Token& cur() const { return toks_[pos_]; }
  const Token& ahead(std::size_t n) const { return toks_[std::min(pos_ + n, toks_.size() - 1)]; }
  bool accept(Tok k) {
    if (cur().kind != k) return false;
    ++pos_;
    return true;
  }

  Unexpected error(const Token& t, std::string_view msg) const {
    return fail(Errc::invalid_config,
                std::to_string(t.line) + ":" + std::to_string(t.col) + ": " + std::string(msg), "cel.parse");
  }
  Status expect(Tok k, std::string_view what) {
    if (accept(k)) return {};
    if (cur().kind == Tok::end) return error(cur(), "expected " + std::string(what) + " but the expression ended");
    return error(cur(), "expected " + std::string(what) + " near '" + std::string(cur().text) + "'");
  }

  static ExprPtr node(Expr::Type type, const Token& at) {
    auto e = std::make_unique<Expr>();
    e->type = type;
    e->line = at.line;
    e->col = at.col;
    return e;
  }
  static ExprPtr call(const Token& at, std::string fn, std::vector<ExprPtr> args) {
    auto e = node(Expr::Type::call, at);
    e->name = std::move(fn);
    e->args = std::move(args);
    return e;
  }
  static ExprPtr binary(const Token& at, std::string fn, ExprPtr a, ExprPtr b) {
    std::vector<ExprPtr> args;
    args.push_back(std::move(a));
    args.push_back(std::move(b));
    return call(at, std::move(fn), std::move(args));
  }

  // Guards every recursive entry point.
  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) { ++p.depth_; }
    ~DepthGuard() { --p.depth_; }
  };
  Status check_depth() {
    if (depth_ > kMaxNesting) return error(cur(), "expression nested too deeply");
    return {};
  }
  // Left-deep chains (a+b+c..., a.b.c..., !!!x) deepen the tree without recursing here, so
  // each link counts as one level; the evaluator's recursion stays bounded too.
  struct ChainDepth {
    Parser& p;
    int added = 0;
    explicit ChainDepth(Parser& parser) : p(parser) {}
    ~ChainDepth() { p.depth_ -= added; }
    Status link() {
      ++added;
      ++p.depth_;
      return p.check_depth();
    }
  };

  Result<ExprPtr> expr() {
    DepthGuard g(*this);
    GH_CHECK(check_depth());
    GH_TRY(auto c, logical(Tok::or_));
    if (cur().kind != Tok::question) return c;
    const Token& q = cur();
    ++pos_;
    GH_TRY(auto a, logical(Tok::or_));
    GH_CHECK(expect(Tok::colon, "':'"));
    GH_TRY(auto b, expr());
    std::vector<ExprPtr> args;
    args.push_back(std::move(c));
    args.push_back(std::move(a));
    args.push_back(std::move(b));
    return call(q, "_?_:_", std::move(args));
  }

  Result<ExprPtr> logical(Tok op) {
    auto operand = [&]() -> Result<ExprPtr> { return op == Tok::or_ ? logical(Tok::and_) : relation(); };
    GH_TRY(auto lhs, operand());
    ChainDepth chain(*this);
    while (cur().kind == op) {
      GH_CHECK(chain.link());
      const Token& at = cur();
      ++pos_;
      GH_TRY(auto rhs, operand());
      lhs = binary(at, op == Tok::or_ ? "_||_" : "_&&_", std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  Result<ExprPtr> relation() {
    GH_TRY(auto lhs, addition());
    ChainDepth chain(*this);
    for (;;) {
      const char* fn = nullptr;
      switch (cur().kind) {
        case Tok::lt: fn = "_<_"; break;
        case Tok::le: fn = "_<=_"; break;
        case Tok::gt: fn = "_>_"; break;
        case Tok::ge: fn = "_>=_"; break;
        case Tok::eq: fn = "_==_"; break;
        case Tok::ne: fn = "_!=_"; break;
        case Tok::kw_in: fn = "@in"; break;
        default: return lhs;
      }
      const Token& at = cur();
      ++pos_;
      GH_CHECK(chain.link());
      GH_TRY(auto rhs, addition());
      lhs = binary(at, fn, std::move(lhs), std::move(rhs));
    }
  }

  Result<ExprPtr> addition() {
    GH_TRY(auto lhs, multiplication());
    ChainDepth chain(*this);
    while (cur().kind == Tok::plus || cur().kind == Tok::minus) {
      GH_CHECK(chain.link());
      const Token& at = cur();
      ++pos_;
      GH_TRY(auto rhs, multiplication());
      lhs = binary(at, at.kind == Tok::plus ? "_+_" : "_-_", std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  Result<ExprPtr> multiplication() {
    GH_TRY(auto lhs, unary());
    ChainDepth chain(*this);
    for (;;) {
      const char* fn = nullptr;
      switch (cur().kind) {
        case Tok::star: fn = "_*_"; break;
        case Tok::slash: fn = "_/_"; break;
        case Tok::percent: fn = "_%_"; break;
        default: return lhs;
      }
      const Token& at = cur();
      ++pos_;
      GH_CHECK(chain.link());
      GH_TRY(auto rhs, unary());
      lhs = binary(at, fn, std::move(lhs), std::move(rhs));
    }
  }

  Result<ExprPtr> unary() {
    DepthGuard g(*this);
    GH_CHECK(check_depth());
    if (cur().kind == Tok::bang || cur().kind == Tok::minus) {
      const Token& at = cur();
      const Tok op = at.kind;
      std::size_t count = 0;
      ChainDepth chain(*this);
      while (cur().kind == op) {
        ++pos_;
        ++count;
        GH_CHECK(chain.link());
      }
      ExprPtr operand;
      // A negated numeric literal is folded so -9223372036854775808 is representable.
      const Tok next = ahead(1).kind;
      const bool literal_alone = next != Tok::dot && next != Tok::lbracket && next != Tok::lbrace;
      if (op == Tok::minus && literal_alone && (cur().kind == Tok::int_lit || cur().kind == Tok::double_lit)) {
        const Token& lit = cur();
        ++pos_;
        operand = node(Expr::Type::constant, at);
        if (lit.kind == Tok::int_lit) {
          operand->constant = Value::integer(static_cast<std::int64_t>(0 - lit.u));
        } else {
          operand->constant = Value::dbl(-lit.d);
        }
        --count;
      } else {
        GH_TRY(auto m, member());
        operand = std::move(m);
      }
      for (std::size_t i = 0; i < count; ++i) {
        std::vector<ExprPtr> args;
        args.push_back(std::move(operand));
        operand = call(at, op == Tok::bang ? "!_" : "-_", std::move(args));
      }
      return operand;
    }
    return member();
  }

  Result<std::vector<ExprPtr>> arg_list(Tok close) {
    std::vector<ExprPtr> args;
    if (accept(close)) return args;
    for (;;) {
      GH_TRY(auto a, expr());
      args.push_back(std::move(a));
      if (accept(Tok::comma)) {
        if (close != Tok::rparen && accept(close)) return args;  // trailing comma in lists
        continue;
      }
      GH_CHECK(expect(close, close == Tok::rparen ? "')'" : "']'"));
      return args;
    }
  }

  static bool is_ident_chain(const Expr& e) {
    if (e.type == Expr::Type::ident) return true;
    return e.type == Expr::Type::select && !e.test_only && is_ident_chain(*e.args[0]);
  }
  static std::string chain_name(const Expr& e) {
    if (e.type == Expr::Type::ident) return e.name;
    return chain_name(*e.args[0]) + "." + e.name;
  }

  Result<ExprPtr> member() {
    GH_TRY(auto e, primary());
    ChainDepth chain(*this);
    for (;;) {
      GH_CHECK(chain.link());
      const Token& at = cur();
      if (accept(Tok::dot)) {
        // Reserved words ("if", "package"...) are valid field and method names after a dot.
        if (cur().kind != Tok::ident && cur().kind != Tok::reserved)
          return error(cur(), "expected a field or method name after '.'");
        const Token& id = cur();
        ++pos_;
        if (!id.quoted && accept(Tok::lparen)) {
          GH_TRY(auto args, arg_list(Tok::rparen));
          GH_TRY(e, member_call(id, std::move(e), std::move(args)));
        } else {
          auto s = node(Expr::Type::select, id);
          s->name = id.str;
          s->args.push_back(std::move(e));
          e = std::move(s);
        }
      } else if (accept(Tok::lbracket)) {
        GH_TRY(auto index, expr());
        GH_CHECK(expect(Tok::rbracket, "']'"));
        e = binary(at, "_[_]", std::move(e), std::move(index));
      } else if (cur().kind == Tok::lbrace && is_ident_chain(*e)) {
        ++pos_;
        GH_TRY(e, message(at, chain_name(*e)));
      } else {
        return e;
      }
    }
  }

  Result<ExprPtr> message(const Token& at, std::string type_name) {
    auto m = node(Expr::Type::message, at);
    m->name = std::move(type_name);
    while (!accept(Tok::rbrace)) {
      if (cur().kind != Tok::ident) return error(cur(), "expected a field name in message literal");
      m->fields.push_back(cur().str);
      ++pos_;
      GH_CHECK(expect(Tok::colon, "':'"));
      GH_TRY(auto v, expr());
      m->args.push_back(std::move(v));
      if (!accept(Tok::comma)) {
        GH_CHECK(expect(Tok::rbrace, "'}'"));
        break;
      }
    }
    return m;
  }

  Result<ExprPtr> member_call(const Token& id, ExprPtr target, std::vector<ExprPtr> args) {
    MacroKind kind = MacroKind::none;
    const std::string& n = id.str;
    if (args.size() == 2 && n == "all") kind = MacroKind::all;
    else if (args.size() == 2 && n == "exists") kind = MacroKind::exists;
    else if (args.size() == 2 && n == "exists_one") kind = MacroKind::exists_one;
    else if (args.size() == 2 && n == "map") kind = MacroKind::map;
    else if (args.size() == 3 && n == "map") kind = MacroKind::map_filter;
    else if (args.size() == 2 && n == "filter") kind = MacroKind::filter;
    if (kind == MacroKind::none) {
      auto c = node(Expr::Type::call, id);
      c->name = n;
      c->has_target = true;
      c->args.push_back(std::move(target));
      for (auto& a : args) c->args.push_back(std::move(a));
      return c;
    }
    if (args[0]->type != Expr::Type::ident) {
      return error(id, n + "() macro: the first argument must be a simple name");
    }
    auto m = node(Expr::Type::macro, id);
    m->macro = kind;
    m->name = args[0]->name;
    m->args.push_back(std::move(target));
    if (kind == MacroKind::map_filter) {
      // x.map(v, filter, transform) is stored as [range, transform, filter].
      m->args.push_back(std::move(args[2]));
      m->args.push_back(std::move(args[1]));
    } else {
      m->args.push_back(std::move(args[1]));
    }
    return m;
  }

  Result<ExprPtr> primary() {
    DepthGuard g(*this);
    GH_CHECK(check_depth());
    const Token& t = cur();
    switch (t.kind) {
      case Tok::int_lit: {
        if (t.u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          return error(t, "integer literal out of range");
        }
        ++pos_;
        auto e = node(Expr::Type::constant, t);
        e->constant = Value::integer(static_cast<std::int64_t>(t.u));
        return e;
      }
      case Tok::uint_lit: {
        ++pos_;
        auto e = node(Expr::Type::constant, t);
        e->constant = Value::uinteger(t.u);
        return e;
      }
      case Tok::double_lit: {
        ++pos_;
        auto e = node(Expr::Type::constant, t);
        e->constant = Value::dbl(t.d);
        return e;
      }
      case Tok::string_lit:
      case Tok::bytes_lit: {
        ++pos_;
        auto e = node(Expr::Type::constant, t);
        e->text = t.str;
        e->constant = t.kind == Tok::string_lit ? Value::string_view(e->text) : Value::bytes_view(e->text);
        return e;
      }
      case Tok::kw_true:
      case Tok::kw_false: {
        ++pos_;
        auto e = node(Expr::Type::constant, t);
        e->constant = Value::boolean(t.kind == Tok::kw_true);
        return e;
      }
      case Tok::kw_null: {
        ++pos_;
        return node(Expr::Type::constant, t);
      }
      case Tok::lparen: {
        ++pos_;
        GH_TRY(auto e, expr());
        GH_CHECK(expect(Tok::rparen, "')'"));
        return e;
      }
      case Tok::lbracket: {
        ++pos_;
        auto e = node(Expr::Type::list, t);
        GH_TRY(e->args, arg_list(Tok::rbracket));
        return e;
      }
      case Tok::lbrace: {
        ++pos_;
        auto e = node(Expr::Type::map, t);
        while (!accept(Tok::rbrace)) {
          GH_TRY(auto k, expr());
          GH_CHECK(expect(Tok::colon, "':'"));
          GH_TRY(auto v, expr());
          e->args.push_back(std::move(k));
          e->args.push_back(std::move(v));
          if (!accept(Tok::comma)) {
            GH_CHECK(expect(Tok::rbrace, "'}'"));
            break;
          }
        }
        return e;
      }
      case Tok::dot:
      case Tok::ident: {
        const bool root = accept(Tok::dot);
        const Token& id = cur();
        if (id.kind != Tok::ident || id.quoted) return error(id, "expected an identifier");
        ++pos_;
        std::string name = (root ? "." : "") + id.str;
        if (accept(Tok::lparen)) {
          GH_TRY(auto args, arg_list(Tok::rparen));
          if (name == "has" && args.size() == 1) {
            if (args[0]->type != Expr::Type::select) return error(id, "has() argument must be a field selection");
            args[0]->test_only = true;
            return std::move(args[0]);
          }
          return call(id, std::move(name), std::move(args));
        }
        auto e = node(Expr::Type::ident, id);
        e->name = std::move(name);
        return e;
      }
      case Tok::reserved: return error(t, "reserved word '" + t.str + "' cannot be used here");
      case Tok::end: return error(t, "unexpected end of expression");
      default: return error(t, "unexpected token '" + std::string(t.text) + "'");
    }
  }

  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<ExprPtr> parse(std::string_view src) {
  if (src.size() > kMaxExprBytes) return fail(Errc::invalid_config, "1:1: expression too long", "cel.parse");
  GH_TRY(auto toks, tokenize(src));
  return Parser(std::move(toks)).run();
}

}  // namespace gatehouse::cel
