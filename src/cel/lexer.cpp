// Tokenizer for CEL (cel-spec langdef.md "Lexical structure").
#include "cel/lexer.hpp"

#include <charconv>
#include <cstdlib>

namespace gatehouse::cel {
namespace {

bool is_ident_start(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int hex_val(char c) { return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10; }

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> out;
    for (;;) {
      skip_space();
      Token t;
      t.line = line_;
      t.col = col();
      if (pos_ >= src_.size()) {
        out.push_back(t);
        return out;
      }
      const std::size_t start = pos_;
      GH_CHECK(next(t));
      t.text = src_.substr(start, pos_ - start);
      out.push_back(std::move(t));
    }
  }

 private:
  int col() const { return static_cast<int>(pos_ - line_start_) + 1; }
  char peek(std::size_t ahead = 0) const { return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0'; }

  Unexpected error(const Token& t, std::string_view msg) const {
    return fail(Errc::invalid_config,
                std::to_string(t.line) + ":" + std::to_string(t.col) + ": " + std::string(msg), "cel.parse");
  }

  void newline_at(std::size_t i) {
    ++line_;
    line_start_ = i + 1;
  }

  void skip_space() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == '\n') {
        newline_at(pos_);
        ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        ++pos_;
      } else if (c == '/' && peek(1) == '/') {
        while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
      } else {
        return;
      }
    }
  }

  Status next(Token& t) {
    const char c = src_[pos_];
    // String and bytes literals, with optional r/b prefixes in either order.
    {
      std::size_t i = pos_;
      bool raw = false, bytes = false;
      for (int k = 0; k < 2 && i < src_.size(); ++k) {
        char p = src_[i] | 0x20;
        if (p == 'r' && !raw) { raw = true; ++i; }
        else if (p == 'b' && !bytes) { bytes = true; ++i; }
        else break;
      }
      if (i < src_.size() && (src_[i] == '"' || src_[i] == '\'')) {
        pos_ = i;
        return string_literal(t, raw, bytes);
      }
    }
    if (is_ident_start(c)) {
      std::size_t s = pos_;
      while (pos_ < src_.size() && (is_ident_start(src_[pos_]) || is_digit(src_[pos_]))) ++pos_;
      std::string_view w = src_.substr(s, pos_ - s);
      t.str = std::string(w);
      if (w == "in") t.kind = Tok::kw_in;
      else if (w == "true") t.kind = Tok::kw_true;
      else if (w == "false") t.kind = Tok::kw_false;
      else if (w == "null") t.kind = Tok::kw_null;
      else if (w == "as" || w == "break" || w == "const" || w == "continue" || w == "else" ||
               w == "for" || w == "function" || w == "if" || w == "import" || w == "let" ||
               w == "loop" || w == "package" || w == "namespace" || w == "return" ||
               w == "var" || w == "void" || w == "while")
        t.kind = Tok::reserved;
      else t.kind = Tok::ident;
      return {};
    }
    if (c == '`') {
      std::size_t s = ++pos_;
      while (pos_ < src_.size() && src_[pos_] != '`') {
        char q = src_[pos_];
        if (!(is_ident_start(q) || is_digit(q) || q == '.' || q == '-' || q == '/' || q == ' ')) {
          return error(t, "invalid character in quoted identifier");
        }
        ++pos_;
      }
      if (pos_ >= src_.size() || pos_ == s) return error(t, "unterminated quoted identifier");
      t.kind = Tok::ident;
      t.quoted = true;
      t.str = std::string(src_.substr(s, pos_ - s));
      ++pos_;
      return {};
    }
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return number(t);
    ++pos_;
    switch (c) {
      case '(': t.kind = Tok::lparen; return {};
      case ')': t.kind = Tok::rparen; return {};
      case '[': t.kind = Tok::lbracket; return {};
      case ']': t.kind = Tok::rbracket; return {};
      case '{': t.kind = Tok::lbrace; return {};
      case '}': t.kind = Tok::rbrace; return {};
      case '.': t.kind = Tok::dot; return {};
      case ',': t.kind = Tok::comma; return {};
      case ':': t.kind = Tok::colon; return {};
      case '?': t.kind = Tok::question; return {};
      case '+': t.kind = Tok::plus; return {};
      case '-': t.kind = Tok::minus; return {};
      case '*': t.kind = Tok::star; return {};
      case '/': t.kind = Tok::slash; return {};
      case '%': t.kind = Tok::percent; return {};
      case '!':
        if (peek() == '=') { ++pos_; t.kind = Tok::ne; } else { t.kind = Tok::bang; }
        return {};
      case '=':
        if (peek() == '=') { ++pos_; t.kind = Tok::eq; return {}; }
        break;
      case '<':
        if (peek() == '=') { ++pos_; t.kind = Tok::le; } else { t.kind = Tok::lt; }
        return {};
      case '>':
        if (peek() == '=') { ++pos_; t.kind = Tok::ge; } else { t.kind = Tok::gt; }
        return {};
      case '&':
        if (peek() == '&') { ++pos_; t.kind = Tok::and_; return {}; }
        break;
      case '|':
        if (peek() == '|') { ++pos_; t.kind = Tok::or_; return {}; }
        break;
      default: break;
    }
    return error(t, "unexpected character '" + std::string(1, c) + "'");
  }

  Status number(Token& t) {
    const std::size_t s = pos_;
    if (src_[pos_] == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      pos_ += 2;
      const std::size_t ds = pos_;
      while (pos_ < src_.size() && is_hex(src_[pos_])) ++pos_;
      if (pos_ == ds) return error(t, "malformed hex literal");
      return integer(t, src_.substr(ds, pos_ - ds), 16);
    }
    while (pos_ < src_.size() && is_digit(src_[pos_])) ++pos_;
    bool is_float = false;
    if (peek() == '.' && is_digit(peek(1))) {
      is_float = true;
      ++pos_;
      while (pos_ < src_.size() && is_digit(src_[pos_])) ++pos_;
    }
    if ((peek() | 0x20) == 'e') {
      std::size_t e = pos_ + 1;
      if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
      if (e < src_.size() && is_digit(src_[e])) {
        is_float = true;
        pos_ = e;
        while (pos_ < src_.size() && is_digit(src_[pos_])) ++pos_;
      } else {
        return error(t, "malformed exponent");
      }
    }
    if (is_float) {
      std::string text(src_.substr(s, pos_ - s));
      t.kind = Tok::double_lit;
      t.d = std::strtod(text.c_str(), nullptr);  // strtod handles ".5" and overflow to inf
      return {};
    }
    return integer(t, src_.substr(s, pos_ - s), 10);
  }

  Status integer(Token& t, std::string_view digits, int base) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    if (ec != std::errc() || p != digits.data() + digits.size()) return error(t, "integer literal out of range");
    if (peek() == 'u' || peek() == 'U') {
      ++pos_;
      t.kind = Tok::uint_lit;
    } else {
      if (v > (std::uint64_t{1} << 63)) return error(t, "integer literal out of range");
      t.kind = Tok::int_lit;
    }
    t.u = v;
    return {};
  }

  Status string_literal(Token& t, bool raw, bool bytes) {
    const char q = src_[pos_];
    const bool triple = peek(1) == q && peek(2) == q;
    pos_ += triple ? 3 : 1;
    t.kind = bytes ? Tok::bytes_lit : Tok::string_lit;
    std::string& out = t.str;
    for (;;) {
      if (pos_ >= src_.size()) return error(t, "unterminated string literal");
      char c = src_[pos_];
      if (c == q && (!triple || (peek(1) == q && peek(2) == q))) {
        pos_ += triple ? 3 : 1;
        return {};
      }
      if (c == '\n' || c == '\r') {
        if (!triple) return error(t, "newline in string literal");
        if (c == '\n') newline_at(pos_);
        out += c;
        ++pos_;
        continue;
      }
      if (c != '\\' || raw) {
        out += c;
        ++pos_;
        continue;
      }
      // Escape sequence.
      char e = peek(1);
      pos_ += 2;
      switch (e) {
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case '\\': case '\'': case '"': case '`': case '?': out += e; break;
        case 'x': case 'X': case 'u': case 'U': {
          const int n = (e == 'x' || e == 'X') ? 2 : (e == 'u' ? 4 : 8);
          std::uint32_t cp = 0;
          for (int k = 0; k < n; ++k) {
            if (!is_hex(peek())) return error(t, "malformed escape sequence");
            cp = cp * 16 + static_cast<std::uint32_t>(hex_val(src_[pos_++]));
          }
          GH_CHECK(emit(t, out, cp, bytes && n == 2));
          break;
        }
        case '0': case '1': case '2': case '3': {
          std::uint32_t cp = static_cast<std::uint32_t>(e - '0');
          for (int k = 0; k < 2; ++k) {
            char o = peek();
            if (o < '0' || o > '7') return error(t, "malformed octal escape");
            cp = cp * 8 + static_cast<std::uint32_t>(o - '0');
            ++pos_;
          }
          GH_CHECK(emit(t, out, cp, bytes));
          break;
        }
        default: return error(t, "invalid escape sequence");
      }
    }
  }

  Status emit(const Token& t, std::string& out, std::uint32_t cp, bool raw_byte) {
    if (raw_byte) {
      out += static_cast<char>(cp);
      return {};
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return error(t, "invalid code point in escape");
    append_utf8(out, cp);
    return {};
  }

  std::string_view src_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  int line_ = 1;
};

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view src) { return Lexer(src).run(); }

}  // namespace gatehouse::cel
