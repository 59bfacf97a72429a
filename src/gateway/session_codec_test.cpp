#include "gateway/session_codec.hpp"

#include <gtest/gtest.h>

namespace gatehouse::gateway {
namespace {

SessionState sample() {
  SessionState s;
  s.protocol_version = "2025-11-25";
  s.issued_at = 1'700'000'000;
  s.expires_at = 1'700'003'600;
  s.principal = "";
  s.targets = {{"echo", "abc-123", "2025-11-25"}, {"time", "", "2025-06-18"}};
  return s;
}

TEST(Base64Url, RoundTripsAllLengths) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    auto enc = base64url_encode(bytes);
    EXPECT_EQ(enc.find_first_of("+/="), std::string::npos);
    auto dec = base64url_decode(enc);
    ASSERT_TRUE(dec);
    EXPECT_EQ(*dec, bytes);
    bytes += static_cast<char>(i * 37 + 200);
  }
}

TEST(Base64Url, RejectsForeignAlphabetPaddingAndNonCanonicalTails) {
  EXPECT_FALSE(base64url_decode("ab+c"));
  EXPECT_FALSE(base64url_decode("ab/c"));
  EXPECT_FALSE(base64url_decode("YQ=="));
  EXPECT_FALSE(base64url_decode("Y"));       // impossible length
  EXPECT_TRUE(base64url_decode("YQ"));       // "a"
  EXPECT_FALSE(base64url_decode("YR"));      // same byte, non-zero trailing bits
  EXPECT_EQ(base64url_decode("YWI").value_or(""), "ab");
  EXPECT_FALSE(base64url_decode("YWJ"));     // "ab" with a non-zero trailing bit
  EXPECT_FALSE(base64url_decode("YW.j"));    // a foreign character inside a full group
  EXPECT_FALSE(base64url_decode(std::string_view("YW\0j", 4)));
}

TEST(SessionState, EncodeDecodeRoundTrip) {
  auto s = sample();
  auto dec = decode_session_state(encode_session_state(s));
  ASSERT_TRUE(dec);
  EXPECT_EQ(*dec, s);
}

TEST(SessionState, DecodeRejectsTruncationAndTrailingBytes) {
  auto bytes = encode_session_state(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(decode_session_state(std::string_view(bytes).substr(0, n))) << n;
  EXPECT_FALSE(decode_session_state(bytes + "x"));
}

TEST(SessionCodec, RoundTrip) {
  auto codec = SessionCodec::create("a shared secret");
  auto s = sample();
  auto id = codec.seal(s);
  auto back = codec.unseal(id, s.issued_at + 10);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
}

TEST(SessionCodec, SameStateSealsToDifferentIds) {
  auto codec = SessionCodec::create("k");
  EXPECT_NE(codec.seal(sample()), codec.seal(sample()));
}

TEST(SessionCodec, EveryTamperedCharacterIsUnknown) {
  auto codec = SessionCodec::create("a shared secret");
  auto s = sample();
  auto id = codec.seal(s);
  for (std::size_t i = 0; i < id.size(); ++i) {
    std::string bad = id;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    auto r = codec.unseal(bad, s.issued_at);
    ASSERT_FALSE(r.ok()) << "position " << i;
    EXPECT_EQ(r.error().code, Errc::not_found);
  }
}

TEST(SessionCodec, EveryTamperedByteIsUnknown) {
  auto codec = SessionCodec::create("a shared secret");
  auto s = sample();
  auto raw = *base64url_decode(codec.seal(s));
  for (std::size_t i = 0; i < raw.size(); ++i) {
    for (int bit : {0x01, 0x80}) {
      std::string bad = raw;
      bad[i] = static_cast<char>(bad[i] ^ bit);
      EXPECT_FALSE(codec.unseal(base64url_encode(bad), s.issued_at).ok()) << i;
    }
  }
  EXPECT_FALSE(codec.unseal(base64url_encode(raw.substr(0, raw.size() - 1)), s.issued_at).ok());
  EXPECT_FALSE(codec.unseal(base64url_encode(raw + "x"), s.issued_at).ok());
}

TEST(SessionCodec, OtherKeyIsUnknown) {
  auto a = SessionCodec::create("secret one");
  auto b = SessionCodec::create("secret two");
  auto s = sample();
  auto r = b.unseal(a.seal(s), s.issued_at);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_EQ(r.error().message, "unknown session");
  // Two replicas with the same secret serve each other's sessions.
  auto a2 = SessionCodec::create("secret one");
  EXPECT_TRUE(a2.unseal(a.seal(s), s.issued_at).ok());
}

TEST(SessionCodec, RandomKeysDifferPerProcessInstance) {
  auto a = SessionCodec::create("");
  auto b = SessionCodec::create("");
  auto s = sample();
  EXPECT_TRUE(a.unseal(a.seal(s), s.issued_at).ok());
  EXPECT_FALSE(b.unseal(a.seal(s), s.issued_at).ok());
}

TEST(SessionCodec, ExpiredIsUnknown) {
  auto codec = SessionCodec::create("k");
  auto s = sample();
  auto id = codec.seal(s);
  EXPECT_TRUE(codec.unseal(id, s.expires_at - 1).ok());
  EXPECT_FALSE(codec.unseal(id, s.expires_at).ok());
  s.expires_at = 0;  // never expires
  EXPECT_TRUE(codec.unseal(codec.seal(s), 4'000'000'000).ok());
}

TEST(SessionCodec, BoundToPrincipal) {
  auto codec = SessionCodec::create("k");
  auto s = sample();
  s.principal = "hash-of-alice";
  auto id = codec.seal(s);
  EXPECT_TRUE(codec.unseal(id, s.issued_at, "hash-of-alice").ok());
  EXPECT_FALSE(codec.unseal(id, s.issued_at, "hash-of-bob").ok());
  EXPECT_FALSE(codec.unseal(id, s.issued_at, "").ok());
}

TEST(SessionCodec, GarbageIsUnknown) {
  auto codec = SessionCodec::create("k");
  for (std::string_view g : {"", "x", "AAAA", "not a session", "====",
                             "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
    auto r = codec.unseal(g, 0);
    ASSERT_FALSE(r.ok()) << g;
    EXPECT_EQ(r.error().code, Errc::not_found);
  }
  EXPECT_FALSE(codec.unseal(std::string(20000, 'A'), 0).ok());
}

TEST(SealedBox, AadBindsContext) {
  auto box = SealedBox::derive("k", "request-state");
  auto t = box.seal("state", "target=a;principal=p");
  EXPECT_EQ(box.open(t, "target=a;principal=p").value_or(""), "state");
  EXPECT_FALSE(box.open(t, "target=b;principal=p"));
  EXPECT_FALSE(box.open(t));
  // Purposes derive different keys from one secret.
  EXPECT_FALSE(SealedBox::derive("k", "session").open(t, "target=a;principal=p"));
}

// One thread keeps a keyed cipher context per direction: boxes used in turn must each be
// re-keyed, and a seal between two opens must not disturb them.
TEST(SealedBox, BoxesTakingTurnsOnOneThreadKeepTheirKeys) {
  auto a = SealedBox::derive("k", "session");
  auto b = SealedBox::derive("k", "request-state");
  for (int i = 0; i < 3; ++i) {
    auto ta = a.seal("from a");
    auto tb = b.seal("from b");
    EXPECT_EQ(a.open(ta).value_or(""), "from a");
    EXPECT_FALSE(a.open(tb));
    EXPECT_EQ(b.open(tb).value_or(""), "from b");
    EXPECT_FALSE(b.open(ta));
    EXPECT_EQ(a.open(ta).value_or(""), "from a");
    EXPECT_NE(a.seal("same"), a.seal("same"));  // a fresh nonce each time
  }
}

}  // namespace
}  // namespace gatehouse::gateway
