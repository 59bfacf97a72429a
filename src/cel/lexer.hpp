// CEL tokenizer: turns an expression into tokens with line:col positions, decoding numeric
// and string/bytes literals (raw, triple-quoted, all escapes) so the parser sees values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::cel {

enum class Tok : std::uint8_t {
  end, ident, int_lit, uint_lit, double_lit, string_lit, bytes_lit,
  lparen, rparen, lbracket, rbracket, lbrace, rbrace, dot, comma, colon, question,
  plus, minus, star, slash, percent, bang, eq, ne, lt, le, gt, ge, and_, or_,
  kw_in, kw_true, kw_false, kw_null, reserved,
};

struct Token {
  Tok kind = Tok::end;
  int line = 1;
  int col = 1;
  std::string_view text;  // source slice
  std::string str;        // decoded string/bytes literal, or identifier (backticks removed)
  std::uint64_t u = 0;    // int/uint literal magnitude (int: may be 2^63 for a negated literal)
  double d = 0;
  bool quoted = false;    // `backtick` identifier
};

// Error messages start with "line:col: ".
Result<std::vector<Token>> tokenize(std::string_view src);

}  // namespace gatehouse::cel
