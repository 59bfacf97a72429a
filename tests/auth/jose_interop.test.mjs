// Tokens minted by npm `jose` (an independent JOSE implementation) against the C++ verifier:
// every supported algorithm must be accepted, every classic attack rejected with its reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import * as jose from 'jose';
import { verify } from './cli.mjs';

const ISS = 'https://as.example';
const AUD = 'https://gw.example/mcp';
const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const b64 = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

let dir;
let jwksPath;
const keys = {};  // alg -> { privateKey, publicKey, jwk }

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-jose-'));
  for (const alg of ALGS) {
    const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await jose.exportJWK(publicKey)), kid: `k-${alg}`, use: 'sig' };
    keys[alg] = { publicKey, privateKey, jwk };
  }
  // A key pinned to RS256 by its "alg" member.
  const pinned = await jose.generateKeyPair('RS256', { extractable: true });
  keys.pinned = { ...pinned, jwk: { ...(await jose.exportJWK(pinned.publicKey)), kid: 'pinned', alg: 'RS256' } };
  // A symmetric key in the set: must be ignored (no HMAC ever).
  const oct = { kty: 'oct', kid: 'oct', k: b64('secret-secret-secret-secret-1234') };
  jwksPath = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwksPath, JSON.stringify({ keys: [...Object.values(keys).map((k) => k.jwk), oct] }));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const base = () => ['--jwks', jwksPath, '--iss', ISS, '--aud', AUD];

async function mint(alg, { claims = {}, header = {}, key = keys[alg], exp = '5m' } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new jose.SignJWT({
    scope: 'tools:read tools:call', roles: ['admin'], client_id: 'cli', iss: ISS, aud: AUD, sub: 'alice', iat: now,
    ...claims,
  }).setProtectedHeader({ alg, kid: key.jwk.kid, typ: 'at+jwt', ...header });
  if (exp) jwt.setExpirationTime(exp);
  return jwt.sign(key.privateKey);
}

async function expectReject(token, reason, extra = []) {
  const { code, out } = await verify([...base(), ...extra, '--token', token]);
  assert.equal(out.error, reason, JSON.stringify(out));
  assert.equal(code, 1);
  assert.equal(out.code, 'unauthenticated');
}

for (const alg of ALGS) {
  test(`accepts ${alg} from jose`, async () => {
    const { code, out } = await verify([...base(), '--at-jwt', '--token', await mint(alg)]);
    assert.equal(code, 0, JSON.stringify(out));
    assert.equal(out.subject, 'alice');
    assert.equal(out.issuer, ISS);
    assert.equal(out.client_id, 'cli');
    assert.deepEqual(out.scopes, ['tools:read', 'tools:call']);
    assert.deepEqual(out.roles, ['admin']);
    assert.match(out.principal_key, /^[0-9a-f]{64}$/);
  });
}

test('rejects alg none (empty signature and any signature)', async () => {
  const payload = b64({ iss: ISS, aud: AUD, sub: 'alice', exp: Math.floor(Date.now() / 1000) + 300 });
  await expectReject(`${b64({ alg: 'none' })}.${payload}.`, 'jwt.malformed');
  await expectReject(`${b64({ alg: 'none', kid: 'k-RS256' })}.${payload}.${b64('x')}`, 'jwt.alg_not_allowed');
  await expectReject(`${b64({ alg: 'None' })}.${payload}.${b64('x')}`, 'jwt.alg_not_allowed');
});

test('rejects HS256 signed with the RSA public key as the secret', async () => {
  const secrets = [
    new TextEncoder().encode(JSON.stringify(keys.RS256.jwk)),
    new TextEncoder().encode(await jose.exportSPKI(keys.RS256.publicKey)),
  ];
  for (const secret of secrets) {
    for (const kid of ['k-RS256', 'oct']) {
      const token = await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256', kid })
        .setIssuer(ISS).setAudience(AUD).setSubject('mallory').setExpirationTime('5m').sign(secret);
      await expectReject(token, 'jwt.alg_not_allowed');
    }
  }
});

test('rejects wrong issuer and audience', async () => {
  await expectReject(await mint('ES256', { claims: { iss: 'https://evil.example' } }), 'jwt.bad_issuer');
  await expectReject(await mint('ES256', { claims: { iss: `${ISS}/` } }), 'jwt.bad_issuer');
  await expectReject(await mint('ES256', { claims: { aud: 'https://gw.example' } }), 'jwt.bad_audience');
  await expectReject(await mint('ES256', { claims: { aud: [`${AUD}/`, 'other'] } }), 'jwt.bad_audience');
  const { code } = await verify([...base(), '--token', await mint('ES256', { claims: { aud: ['other', AUD] } })]);
  assert.equal(code, 0);
});

test('rejects expired, not-yet-valid and issued-in-the-future tokens', async () => {
  const now = Math.floor(Date.now() / 1000);
  await expectReject(await mint('RS256', { exp: now - 120 }), 'jwt.expired');
  await expectReject(await mint('RS256', { claims: { nbf: now + 3600 } }), 'jwt.not_yet_valid');
  await expectReject(await mint('RS256', { claims: { iat: now + 3600 } }), 'jwt.issued_in_future');
  await expectReject(await mint('RS256', { exp: null }), 'jwt.missing_claim');
  // Within the configured skew: accepted.
  const { code } = await verify([...base(), '--leeway', '60', '--token', await mint('RS256', { exp: now - 30 })]);
  assert.equal(code, 0);
});

test('rejects unknown kid, tampered payload and a foreign key under a known kid', async () => {
  const stranger = await jose.generateKeyPair('RS256');
  await expectReject(await mint('RS256', { key: { ...stranger, jwk: { kid: 'nobody' } } }), 'jwt.unknown_kid');
  await expectReject(await mint('RS256', { key: { ...stranger, jwk: { kid: 'k-RS256' } } }), 'jwt.bad_signature');
  const [h, , s] = (await mint('ES256')).split('.');
  const forged = b64({ iss: ISS, aud: AUD, sub: 'root', roles: ['admin'], exp: Math.floor(Date.now() / 1000) + 300 });
  await expectReject(`${h}.${forged}.${s}`, 'jwt.bad_signature');
  // A key embedded in the header is never trusted.
  const attacker = await jose.generateKeyPair('RS256', { extractable: true });
  const embedded = await mint('RS256', {
    key: { ...attacker, jwk: { kid: 'k-RS256' } },
    header: { jwk: await jose.exportJWK(attacker.publicKey), jku: 'https://evil.example/jwks' },
  });
  await expectReject(embedded, 'jwt.bad_signature');
});

test('rejects algorithm/key-type mismatch and key alg pinning', async () => {
  // ES256 signature presented under the RSA key's kid.
  await expectReject(await mint('ES256', { key: { ...keys.ES256, jwk: { kid: 'k-RS256' } } }), 'jwt.key_mismatch');
  // RSA key pinned to RS256 (JWK "alg") used with PS256: a valid PSS signature, by the right key.
  const input = `${b64({ alg: 'PS256', kid: 'pinned' })}.${b64({ iss: ISS, aud: AUD, sub: 'alice', exp: Math.floor(Date.now() / 1000) + 300 })}`;
  const pss = crypto.sign('sha256', Buffer.from(input), {
    key: crypto.KeyObject.from(keys.pinned.privateKey), padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32,
  });
  await expectReject(`${input}.${pss.toString('base64url')}`, 'jwt.key_mismatch');
  const { code } = await verify([...base(), '--token', await mint('RS256', { key: keys.pinned })]);
  assert.equal(code, 0);
  // Algorithm allow list.
  await expectReject(await mint('RS256'), 'jwt.alg_not_allowed', ['--alg', 'ES256,EdDSA']);
});

test('rejects a missing at+jwt typ and missing required claims when configured', async () => {
  await expectReject(await mint('EdDSA', { header: { typ: 'JWT' } }), 'jwt.bad_typ', ['--at-jwt']);
  await expectReject(await mint('EdDSA'), 'jwt.missing_claim', ['--require', 'tenant.id']);
  const { code, out } = await verify([...base(), '--require', 'tenant.id', '--roles', 'tenant.roles', '--token',
    await mint('EdDSA', { claims: { tenant: { id: 't1', roles: ['viewer'] } } })]);
  assert.equal(code, 0);
  assert.deepEqual(out.roles, ['viewer']);
});

test('rejects oversized and garbage tokens', async () => {
  await expectReject(await mint('ES256', { claims: { pad: 'x'.repeat(17 * 1024) } }), 'jwt.too_large');
  for (const garbage of ['x', 'a.b', 'a.b.c', '...', 'e30.e30.e30', `${b64({ alg: 'RS256' })}.${b64('[]')}.${b64('s')}`,
    `${b64({ alg: 'RS256' })}.${b64({})}.${b64('s')}.${b64('s')}.${b64('s')}`, 'Zm9v+/.e30.e30']) {
    await expectReject(garbage, 'jwt.malformed');
  }
  // Not even a bearer credential (RFC 6750 token68 syntax): rejected before JWT parsing.
  await expectReject('Zm9v+/==.e30.e30', 'bearer.malformed');
});
