// Stable ULID-shaped ids for stores and models the gateway config defines: OpenFGA's SDKs
// check that ids look like ULIDs, and a client that remembered an id must find the same
// store after a restart or a reload, so the id is derived from a name, not drawn at random.
#pragma once

#include <string>
#include <string_view>

namespace gatehouse::fga {

// 26 characters of Crockford base32 (first one 0-7, as a 128-bit ULID has) from the first
// 128 bits of SHA-256(`seed`). Equal seeds give equal ids.
std::string stable_ulid(std::string_view seed);

// True when `id` has the ULID shape: 26 Crockford base32 characters, the first 0-7.
bool is_ulid(std::string_view id);

}  // namespace gatehouse::fga
