#include "fga/stable_id.hpp"

#include <openssl/sha.h>

#include <array>
#include <cstdint>

namespace gatehouse::fga {

namespace {
constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}  // namespace

std::string stable_ulid(std::string_view seed) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), digest.data());
  // 128 bits as 26 groups of 5 from the top, with two zero bits in front (130 = 26 * 5):
  // the first character then carries 3 bits, hence 0-7.
  unsigned __int128 v = 0;
  for (int i = 0; i < 16; ++i) v = (v << 8) | digest[static_cast<std::size_t>(i)];
  std::string out(26, '0');
  for (int i = 25; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kCrockford[static_cast<std::size_t>(v & 31)];
    v >>= 5;
  }
  return out;
}

bool is_ulid(std::string_view id) {
  if (id.size() != 26 || id[0] < '0' || id[0] > '7') return false;
  for (char c : id)
    if (kCrockford.find(c) == std::string_view::npos) return false;
  return true;
}

}  // namespace gatehouse::fga
