// Result<T>: a value or an Error, for everything untrusted input can make fail.
// Programming errors are asserts, not Results. (std::expected is C++23; this is the
// small subset the code base needs, with the same spelling where it overlaps.)
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/error.hpp"

namespace gatehouse {

// Wraps an Error so `return fail(...)` converts to any Result<T>.
struct Unexpected {
  Error error;
};

inline Unexpected fail(Error e) { return Unexpected{std::move(e)}; }
inline Unexpected fail(Errc code, std::string message, std::string reason = {}) {
  return Unexpected{Error(code, std::move(message), std::move(reason))};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Unexpected u) : state_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT
  template <typename U>
    requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, Result> &&
             !std::is_same_v<std::decay_t<U>, Unexpected> && !std::is_same_v<std::decay_t<U>, T>)
  Result(U&& value) : state_(std::in_place_index<0>, T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(state_); }
  const T& value() const& { assert(ok()); return std::get<0>(state_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(state_); }
  Error&& take_error() { assert(!ok()); return std::get<1>(std::move(state_)); }
  Unexpected propagate() const { return Unexpected{error()}; }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : error_(std::move(u.error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }
  Error&& take_error() { assert(!ok_); return std::move(error_); }
  Unexpected propagate() const { return Unexpected{error_}; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace gatehouse

// Early return of an error: GH_TRY(auto x, parse(...)); GH_CHECK(validate(...));
#define GH_CONCAT_INNER(a, b) a##b
#define GH_CONCAT(a, b) GH_CONCAT_INNER(a, b)
#define GH_TRY_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                 \
  if (!tmp.ok()) return tmp.propagate(); \
  decl = std::move(tmp).value()
#define GH_TRY(decl, expr) GH_TRY_IMPL(GH_CONCAT(gh_try_, __LINE__), decl, expr)
#define GH_CHECK(expr)                                      \
  do {                                                      \
    auto gh_check_ = (expr);                                \
    if (!gh_check_.ok()) return gh_check_.propagate();      \
  } while (0)
