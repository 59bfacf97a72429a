// Structured logging: one JSON object per line on stderr, level changeable at run time.
// Fields are typed so callers never format strings on a disabled level.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace gatehouse::log {

enum class Level : std::uint8_t { trace, debug, info, warn, error, off };

std::optional<Level> parse_level(std::string_view name);
std::string_view to_string(Level level);

void set_level(Level level);
Level level();
inline bool enabled(Level l) { return l >= level(); }

struct Field {
  using Value = std::variant<std::string_view, std::int64_t, double, bool>;
  std::string_view key;
  Value value;

  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <typename I>
    requires std::is_integral_v<I>
  Field(std::string_view k, I v) : key(k), value(static_cast<std::int64_t>(v)) {}
};

// Writes {"ts":..., "level":..., "msg": event, fields...} as one line.
void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});

// Appends `text` to `out` escaped as the inside of a JSON string.
void append_json_escaped(std::string& out, std::string_view text);

inline void trace(std::string_view e, std::initializer_list<Field> f = {}) { if (enabled(Level::trace)) write(Level::trace, e, f); }
inline void debug(std::string_view e, std::initializer_list<Field> f = {}) { if (enabled(Level::debug)) write(Level::debug, e, f); }
inline void info(std::string_view e, std::initializer_list<Field> f = {}) { if (enabled(Level::info)) write(Level::info, e, f); }
inline void warn(std::string_view e, std::initializer_list<Field> f = {}) { if (enabled(Level::warn)) write(Level::warn, e, f); }
inline void error(std::string_view e, std::initializer_list<Field> f = {}) { if (enabled(Level::error)) write(Level::error, e, f); }

}  // namespace gatehouse::log
