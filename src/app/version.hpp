#pragma once
namespace gatehouse::app {
inline constexpr const char* kVersion = "0.1.0";
}
