// The CEL abstract syntax tree. Nodes are heap-allocated once at compile time and never move,
// so string constants can be views into their own node; the compiler fills in resolved
// function ids so evaluation never looks names up.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cel/value.hpp"

namespace re2 { class RE2; }

namespace gatehouse::cel {

enum class MacroKind : std::uint8_t { none, all, exists, exists_one, map, map_filter, filter };

struct Expr {
  enum class Type : std::uint8_t { constant, ident, select, call, list, map, message, macro };

  Type type = Type::constant;
  int line = 1;
  int col = 1;
  Value constant;                             // constant
  std::string name;                           // ident, select field, call function, message type, macro var
  std::string text;                           // storage for string/bytes constants
  std::vector<std::unique_ptr<Expr>> args;    // see below
  std::vector<std::string> fields;            // message field names
  bool has_target = false;                    // call: args[0] is the receiver
  bool test_only = false;                     // select inside has()
  MacroKind macro = MacroKind::none;
  // call: args = [target?] + arguments; list: items; map: k0, v0, k1, v1...; message: values;
  // select: [operand]; macro: [range, step, filter-or-transform?].

  // Filled by the compiler.
  std::uint16_t fn = 0;       // resolved builtin for calls
  std::string qualified;      // select/ident: the dotted name "a.b.c" when the chain is all identifiers
  // matches() with a literal pattern: compiled once (owned by regex_owner).
  std::shared_ptr<const void> regex_owner;
  const re2::RE2* regex = nullptr;
};

using ExprPtr = std::unique_ptr<Expr>;

}  // namespace gatehouse::cel
