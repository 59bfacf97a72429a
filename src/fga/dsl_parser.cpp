#include "fga/dsl_parser.hpp"

#include <cctype>
#include <string>
#include <vector>

#include "fga/validate.hpp"

namespace gatehouse::fga {
namespace {

bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

struct Line {
  int number = 0;    // 1-based
  std::string text;  // comment stripped, trailing space trimmed
  size_t indent = 0;
};

// Drops `# comment` (a '#' at line start or after a space; `group#member` keeps its '#').
std::string strip_comment(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
      s = s.substr(0, i);
      break;
    }
  }
  size_t end = s.size();
  while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r')) --end;
  return std::string(s.substr(0, end));
}

Unexpected syntax(int line, size_t col, const std::string& msg) {
  return fail(Errc::bad_request,
              "syntax error at line " + std::to_string(line) + ", column " +
                  std::to_string(col + 1) + ": " + msg,
              "fga.dsl_syntax");
}

// Cursor over one line of a `define` expression.
class ExprParser {
 public:
  ExprParser(const Line& line, size_t pos) : line_(line), s_(line.text), pos_(pos), start_(pos) {}

  Result<Rewrite> parse_all(std::vector<RelationRef>& direct) {
    direct_ = &direct;
    GH_TRY(Rewrite r, parse_expr());
    skip_space();
    if (pos_ != s_.size()) return error("unexpected '" + std::string(s_.substr(pos_)) + "'");
    return r;
  }

 private:
  Unexpected error(const std::string& msg) const { return syntax(line_.number, pos_, msg); }

  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }

  std::string_view peek_word() {
    skip_space();
    size_t e = pos_;
    while (e < s_.size() && is_ident_char(s_[e])) ++e;
    return s_.substr(pos_, e - pos_);
  }

  bool accept_word(std::string_view w) {
    if (peek_word() != w) return false;
    pos_ += w.size();
    return true;
  }

  bool accept_char(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Result<std::string> ident(const char* what) {
    std::string_view w = peek_word();
    if (w.empty()) return error(std::string("expected ") + what);
    pos_ += w.size();
    return std::string(w);
  }

  // A binary operator keyword at the cursor, without consuming it.
  std::string_view peek_operator() {
    size_t save = pos_;
    std::string_view w = peek_word();
    if (w == "or" || w == "and") {
      pos_ = save;
      return w;
    }
    if (w == "but") {
      pos_ += 3;
      bool is_but_not = peek_word() == "not";
      pos_ = save;
      return is_but_not ? std::string_view("but not") : std::string_view();
    }
    pos_ = save;
    return {};
  }

  bool at_space() const { return pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t'); }

  // OpenFGA's grammar wants whitespace on both sides of an operator, and `but not` is one
  // token with exactly one space: `a or(b)`, `[user]or b` and `a but  not b` are refused.
  Status consume_operator(std::string_view op) {
    skip_space();  // (peek_word may have skipped it already: look behind)
    if (s_[pos_ - 1] != ' ' && s_[pos_ - 1] != '\t')
      return error("expected a space before '" + std::string(op) + "'");
    if (s_.substr(pos_, op.size()) != op) return error("expected '" + std::string(op) + "'");
    pos_ += op.size();
    if (!at_space()) return error("expected a space after '" + std::string(op) + "'");
    return {};
  }

  // expr := term ( ('or' term)+ | ('and' term)+ | 'but not' term )?
  Result<Rewrite> parse_expr() {
    GH_TRY(Rewrite first, parse_term());
    std::string_view op = peek_operator();
    if (op.empty()) return first;
    Rewrite node;
    node.children.push_back(std::move(first));
    if (op == "but not") {
      GH_CHECK(consume_operator(op));
      GH_TRY(Rewrite sub, parse_term());
      node.kind = RewriteKind::difference;
      node.children.push_back(std::move(sub));
    } else {
      node.kind = op == "or" ? RewriteKind::union_of : RewriteKind::intersection;
      while (peek_operator() == op) {
        GH_CHECK(consume_operator(op));
        GH_TRY(Rewrite next, parse_term());
        node.children.push_back(std::move(next));
      }
    }
    std::string_view more = peek_operator();
    if (!more.empty())
      return error("cannot mix '" + std::string(op) + "' and '" + std::string(more) +
                   "' without parentheses");
    return node;
  }

  Result<Rewrite> parse_term() {
    skip_space();
    if (accept_char('(')) {
      // Bounded so a hostile model cannot overflow the stack (found by fga_dsl_fuzz).
      if (++depth_ > kMaxDepth) return error("parentheses nested too deeply");
      GH_TRY(Rewrite inner, parse_expr());
      if (!accept_char(')')) return error("expected ')'");
      --depth_;
      return inner;
    }
    if (pos_ < s_.size() && s_[pos_] == '[') {
      // OpenFGA's grammar (relationDef vs relationDefNoDirect) admits `[...]` only as the
      // expression's leftmost operand, possibly inside leading parentheses:
      // `[user] or viewer`, `([user] or viewer) and x`; never `viewer or [user]`.
      if (!only_open_parens_before(pos_))
        return error("direct assignment '[...]' must be the first operand of the expression");
      ++pos_;
      GH_CHECK(parse_direct_list());
      return Rewrite{RewriteKind::direct, {}, {}, {}};
    }
    std::string_view w = peek_word();
    if (w.empty()) return error("expected a relation, '[' or '('");
    if (w == "or" || w == "and" || w == "but" || w == "from" || w == "with")
      return error("unexpected keyword '" + std::string(w) + "'");
    GH_TRY(std::string name, ident("a relation name"));
    if (accept_word("from")) {
      GH_TRY(std::string tupleset, ident("a tupleset relation after 'from'"));
      Rewrite r;
      r.kind = RewriteKind::tuple_to_userset;
      r.relation = std::move(name);
      r.tupleset = std::move(tupleset);
      return r;
    }
    Rewrite r;
    r.kind = RewriteKind::computed;
    r.relation = std::move(name);
    return r;
  }

  Status parse_direct_list() {
    for (;;) {
      RelationRef ref;
      GH_TRY(ref.type, ident("a type"));
      // `user:*` and `group#member` are written without spaces (`:*` is one token).
      if (pos_ < s_.size() && s_[pos_] == ':') {
        ++pos_;
        if (pos_ >= s_.size() || s_[pos_] != '*') return error("expected '*' right after ':'");
        ++pos_;
        ref.wildcard = true;
      } else if (pos_ < s_.size() && s_[pos_] == '#') {
        ++pos_;
        if (pos_ < s_.size() && s_[pos_] == ' ') return error("expected a relation after '#'");
        GH_TRY(ref.relation, ident("a relation after '#'"));
      }
      if (accept_word("with")) {
        GH_TRY(ref.condition, ident("a condition name after 'with'"));
      }
      direct_->push_back(std::move(ref));
      if (accept_char(',')) continue;
      if (accept_char(']')) return {};
      return error("expected ',' or ']'");
    }
  }

  bool only_open_parens_before(size_t at) const {
    for (size_t i = start_; i < at; ++i)
      if (s_[i] != '(' && s_[i] != ' ' && s_[i] != '\t') return false;
    return true;
  }

  const Line& line_;
  std::string_view s_;
  size_t pos_;
  size_t start_;  // first column of the expression (after "define name:")
  static constexpr int kMaxDepth = 32;
  int depth_ = 0;
  std::vector<RelationRef>* direct_ = nullptr;
};

const char* const kParamTypes[] = {"int",    "uint",     "double",    "bool", "string", "bytes",
                                   "duration", "timestamp", "any", "ipaddress"};

Result<ParamType> parse_param_type(std::string_view s, int line, size_t col) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return v;
  };
  s = trim(s);
  size_t lt = s.find('<');
  ParamType t;
  if (lt != std::string_view::npos) {
    if (s.back() != '>') return syntax(line, col, "expected '>' in parameter type");
    t.name = std::string(trim(s.substr(0, lt)));
    if (t.name != "list" && t.name != "map")
      return syntax(line, col, "only list<T> and map<T> take a type argument");
    GH_TRY(ParamType inner, parse_param_type(s.substr(lt + 1, s.size() - lt - 2), line, col));
    t.generics.push_back(std::move(inner));
    return t;
  }
  t.name = std::string(s);
  for (const char* k : kParamTypes)
    if (t.name == k) return t;
  if (t.name == "list" || t.name == "map")
    return syntax(line, col, "'" + t.name + "' needs a type argument");
  return syntax(line, col, "unknown parameter type '" + t.name + "'");
}

class DslParser {
 public:
  explicit DslParser(std::string_view text) {
    int n = 0;
    size_t start = 0;
    while (start <= text.size()) {
      size_t nl = text.find('\n', start);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view raw = text.substr(start, nl - start);
      Line l;
      l.number = ++n;
      l.text = strip_comment(raw);
      while (l.indent < l.text.size() && (l.text[l.indent] == ' ' || l.text[l.indent] == '\t'))
        ++l.indent;
      raw_.push_back(std::string(raw));
      lines_.push_back(std::move(l));
      start = nl + 1;
    }
  }

  Result<Model> parse() {
    Model m;
    GH_CHECK(parse_header(m));
    TypeDef* current = nullptr;
    bool in_relations = false;
    while (i_ < lines_.size()) {
      const Line& l = lines_[i_];
      std::string_view body = std::string_view(l.text).substr(l.indent);
      if (body.empty()) {
        ++i_;
        continue;
      }
      std::string_view word = first_word(body);
      if (word == "type") {
        if (l.indent != 0) return syntax(l.number, l.indent, "'type' must not be indented");
        TypeDef t;
        t.line = l.number;
        std::string_view rest = body.substr(4);
        size_t p = rest.find_first_not_of(' ');
        if (p == std::string_view::npos || body.size() <= 4 || body[4] != ' ')
          return syntax(l.number, l.indent + 4, "expected a type name");
        rest = rest.substr(p);
        size_t e = 0;
        while (e < rest.size() && is_ident_char(rest[e])) ++e;
        if (e == 0 || e != rest.size())
          return syntax(l.number, l.indent + 5 + p - 1 + e, "invalid type name");
        t.name = std::string(rest);
        m.types.push_back(std::move(t));
        current = &m.types.back();
        in_relations = false;
        ++i_;
      } else if (word == "relations") {
        if (!current) return syntax(l.number, l.indent, "'relations' outside a type");
        if (body != "relations") return syntax(l.number, l.indent + 9, "unexpected text");
        if (in_relations || !current->relations.empty())
          return syntax(l.number, l.indent, "duplicate 'relations'");
        in_relations = true;
        ++i_;
      } else if (word == "define") {
        if (!current || !in_relations)
          return syntax(l.number, l.indent, "'define' outside a type's relations");
        GH_TRY(RelationDef rel, parse_define(l));
        current->relations.push_back(std::move(rel));
        ++i_;
      } else if (word == "condition") {
        if (l.indent != 0) return syntax(l.number, l.indent, "'condition' must not be indented");
        GH_TRY(ConditionDef c, parse_condition());
        m.conditions.push_back(std::move(c));
        current = nullptr;
        in_relations = false;
      } else if (word == "module" || word == "extend") {
        return syntax(l.number, l.indent, "modules (schema 1.2) are not supported");
      } else {
        return syntax(l.number, l.indent, "unexpected '" + std::string(word) + "'");
      }
    }
    return m;
  }

 private:
  static std::string_view first_word(std::string_view s) {
    size_t e = 0;
    while (e < s.size() && is_ident_char(s[e])) ++e;
    return s.substr(0, e == 0 ? std::min<size_t>(1, s.size()) : e);
  }

  Status parse_header(Model& m) {
    while (i_ < lines_.size() && lines_[i_].text.empty()) ++i_;
    if (i_ >= lines_.size()) return syntax(static_cast<int>(lines_.size()), 0, "expected 'model'");
    const Line& l = lines_[i_];
    if (std::string_view(l.text).substr(l.indent) != "model")
      return syntax(l.number, l.indent, "expected 'model'");
    ++i_;
    while (i_ < lines_.size() && lines_[i_].text.empty()) ++i_;
    if (i_ >= lines_.size()) return syntax(l.number + 1, 0, "expected 'schema 1.1'");
    const Line& s = lines_[i_];
    std::string_view body = std::string_view(s.text).substr(s.indent);
    if (s.indent == 0 || body.substr(0, 7) != "schema ")
      return syntax(s.number, s.indent, "expected an indented 'schema 1.1'");
    std::string_view version = body.substr(7);
    while (!version.empty() && version.front() == ' ') version.remove_prefix(1);
    if (version == "1.0" || version == "1.2")
      return syntax(s.number, s.indent + 7, "schema " + std::string(version) + " is not supported");
    if (version != "1.1") return syntax(s.number, s.indent + 7, "expected schema version 1.1");
    m.schema_version = "1.1";
    ++i_;
    return {};
  }

  Result<RelationDef> parse_define(const Line& l) {
    size_t pos = l.indent + 6;
    const std::string& s = l.text;
    if (pos >= s.size() || s[pos] != ' ') return syntax(l.number, pos, "expected a relation name");
    while (pos < s.size() && s[pos] == ' ') ++pos;
    size_t e = pos;
    while (e < s.size() && is_ident_char(s[e])) ++e;
    if (e == pos) return syntax(l.number, pos, "expected a relation name");
    RelationDef rel;
    rel.name = s.substr(pos, e - pos);
    rel.line = l.number;
    rel.column = static_cast<int>(pos) + 1;
    pos = e;
    while (pos < s.size() && s[pos] == ' ') ++pos;
    if (pos >= s.size() || s[pos] != ':') return syntax(l.number, pos, "expected ':'");
    ++pos;
    ExprParser p(l, pos);
    GH_TRY(rel.rewrite, p.parse_all(rel.directly_related));
    return rel;
  }

  // condition name(p1: type, p2: type) { expression }  (the body may span lines)
  Result<ConditionDef> parse_condition() {
    const Line& l = lines_[i_];
    const std::string& s = l.text;
    ConditionDef c;
    c.line = l.number;
    size_t pos = 9;
    while (pos < s.size() && s[pos] == ' ') ++pos;
    size_t e = pos;
    while (e < s.size() && is_ident_char(s[e])) ++e;
    if (e == pos) return syntax(l.number, pos, "expected a condition name");
    c.name = s.substr(pos, e - pos);
    pos = e;
    while (pos < s.size() && s[pos] == ' ') ++pos;
    if (pos >= s.size() || s[pos] != '(') return syntax(l.number, pos, "expected '('");
    size_t close = s.find(')', pos);
    if (close == std::string::npos) return syntax(l.number, s.size(), "expected ')'");
    std::string_view params = std::string_view(s).substr(pos + 1, close - pos - 1);
    size_t base = pos + 1;
    size_t start = 0;
    while (start <= params.size()) {
      // Split on commas that are not inside <...>.
      size_t depth = 0, j = start;
      while (j < params.size() && !(params[j] == ',' && depth == 0)) {
        if (params[j] == '<') ++depth;
        if (params[j] == '>' && depth > 0) --depth;
        ++j;
      }
      std::string_view item = params.substr(start, j - start);
      size_t colon = item.find(':');
      if (colon == std::string_view::npos)
        return syntax(l.number, base + start, "expected 'name: type' parameter");
      std::string_view pname = item.substr(0, colon);
      while (!pname.empty() && pname.front() == ' ') pname.remove_prefix(1);
      while (!pname.empty() && pname.back() == ' ') pname.remove_suffix(1);
      bool valid = !pname.empty();
      for (char ch : pname) valid = valid && is_ident_char(ch);
      if (!valid) return syntax(l.number, base + start, "invalid parameter name");
      GH_TRY(ParamType type, parse_param_type(item.substr(colon + 1), l.number, base + start + colon + 1));
      for (const auto& existing : c.params)
        if (existing.name == pname)
          return syntax(l.number, base + start, "duplicate parameter '" + std::string(pname) + "'");
      c.params.push_back({std::string(pname), std::move(type)});
      if (j >= params.size()) break;
      start = j + 1;
    }
    pos = close + 1;
    while (pos < s.size() && s[pos] == ' ') ++pos;
    if (pos >= s.size() || s[pos] != '{') return syntax(l.number, pos, "expected '{'");
    // The expression is the raw text up to the matching '}' (CEL has no braces in strings
    // we need to honour beyond map literals, which nest).
    std::string expr;
    int depth = 1;
    size_t li = i_;
    size_t col = pos + 1;
    for (;;) {
      const std::string& raw = raw_[li];
      bool done = false;
      for (; col < raw.size(); ++col) {
        char ch = raw[col];
        if (ch == '{') ++depth;
        if (ch == '}' && --depth == 0) {
          std::string_view rest = std::string_view(raw).substr(col + 1);
          std::string trailing = strip_comment(rest);
          if (trailing.find_first_not_of(" \t") != std::string::npos)
            return syntax(static_cast<int>(li) + 1, col + 1, "unexpected text after '}'");
          done = true;
          break;
        }
        expr.push_back(ch);
      }
      if (done) break;
      if (++li >= raw_.size()) return syntax(l.number, pos, "unterminated condition body");
      expr.push_back('\n');
      col = 0;
    }
    size_t b = expr.find_first_not_of(" \t\r\n");
    size_t en = expr.find_last_not_of(" \t\r\n");
    if (b == std::string::npos) return syntax(l.number, pos, "empty condition expression");
    c.expression = expr.substr(b, en - b + 1);
    i_ = li + 1;
    return c;
  }

  std::vector<Line> lines_;
  std::vector<std::string> raw_;
  size_t i_ = 0;
};

}  // namespace

Result<Model> parse_dsl(std::string_view text) { return DslParser(text).parse(); }

Result<Model> load_dsl(std::string_view text) {
  GH_TRY(Model m, parse_dsl(text));
  GH_CHECK(validate_model(m));
  return m;
}

}  // namespace gatehouse::fga
