// A real authorization server (npm oidc-provider) issues client-credentials JWT access
// tokens; the C++ library discovers its metadata and JWKS over HTTP (Boost.Beast) and
// validates them. Then the AS rotates keys and goes down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { startOidcProvider, generateSigningKey } from '../lib/oidc.mjs';
import { verify, startVerifier } from './cli.mjs';

const RESOURCE = 'http://127.0.0.1:18080/mcp';
let as;
let keyA;
const verifiers = [];

before(async () => {
  keyA = await generateSigningKey('RS256', 'key-a');
  as = await startOidcProvider({ resource: RESOURCE, roles: ['admin', 'ops'], keys: [keyA] });
});
after(async () => {
  for (const v of verifiers) v.close();
  await as?.close();
});

const args = (extra = []) => ['--discover', '--iss', as.issuer, '--aud', RESOURCE, '--at-jwt', ...extra];
function verifier(extra) {
  const v = startVerifier(args(extra));
  verifiers.push(v);
  return v;
}

test('discovers the issuer and accepts its client-credentials token', async () => {
  const token = await as.clientCredentialsToken();
  const { code, out } = await verify([...args(), '--token', token]);
  assert.equal(code, 0, JSON.stringify(out));
  assert.equal(out.issuer, as.issuer);
  assert.equal(out.subject, 'machine');
  assert.equal(out.client_id, 'machine');
  assert.deepEqual(out.roles, ['admin', 'ops']);
  assert.deepEqual(out.scopes, ['tools:read', 'tools:call']);
  assert.equal(out.claims.aud, RESOURCE);
});

test('rejects its token for another audience or issuer', async () => {
  const token = await as.clientCredentialsToken();
  let r = await verify(['--discover', '--iss', as.issuer, '--aud', 'http://127.0.0.1:18080/other', '--token', token]);
  assert.equal(r.out.error, 'jwt.bad_audience');
  r = await verify(['--jwks-url', `${as.issuer}/jwks`, '--iss', `${as.issuer}/`, '--aud', RESOURCE, '--token', token]);
  assert.equal(r.out.error, 'jwt.bad_issuer');
  // Discovery insists the metadata names the issuer asked about.
  r = await verify(['--discover', '--iss', `${as.issuer}/`, '--aud', RESOURCE, '--token', token]);
  assert.equal(r.out.error, 'jwt.bad_issuer');
});

test('key rotation: new kid refetched (at a bounded rate), removed key rejected', async () => {
  const slow = verifier(['--min-refetch-ms', '60000']);
  const fast = verifier(['--min-refetch-ms', '0']);
  const oldToken = await as.clientCredentialsToken();
  assert.equal((await slow.check(oldToken)).subject, 'machine');
  assert.equal((await fast.check(oldToken)).subject, 'machine');

  const keyB = await generateSigningKey('ES256', 'key-b');
  await as.restart({ keys: [keyB] });
  const newToken = await as.clientCredentialsToken();
  assert.equal(JSON.parse(Buffer.from(newToken.split('.')[0], 'base64url')).kid, 'key-b');

  // The fast verifier refetches on the unknown kid and accepts.
  assert.equal((await fast.check(newToken)).subject, 'machine');
  // The slow one fetched less than a minute ago: it may not hammer the AS, so 401 for now.
  assert.equal((await slow.check(newToken)).error, 'jwt.unknown_kid');
  // A fresh verifier sees only key-b: the old token no longer verifies.
  const { code, out } = await verify([...args(), '--no-cache', '--token', oldToken]);
  assert.equal(code, 1);
  assert.equal(out.error, 'jwt.unknown_kid');
});

test('AS down: cached keys keep working, unknown kid is a 401 reason, never a crash', async () => {
  const v = verifier(['--min-refetch-ms', '0']);
  const before1 = await as.clientCredentialsToken();
  const before2 = await as.clientCredentialsToken({ scope: 'tools:read' });
  assert.equal((await v.check(before1)).subject, 'machine');
  await as.stop();

  // Not seen before (no token-cache hit) but signed with a key the cache holds.
  const r2 = await v.check(before2);
  assert.equal(r2.subject, 'machine', JSON.stringify(r2));
  assert.deepEqual(r2.scopes, ['tools:read']);

  // A token for this issuer under a kid we never saw: refetch fails, 401 unknown_kid.
  const { privateKey } = await jose.generateKeyPair('ES256');
  const stranger = await new jose.SignJWT({ client_id: 'x' })
    .setProtectedHeader({ alg: 'ES256', kid: 'never-seen', typ: 'at+jwt' })
    .setIssuer(as.issuer).setAudience(RESOURCE).setSubject('mallory').setExpirationTime('5m').sign(privateKey);
  const r3 = await v.check(stranger);
  assert.equal(r3.error, 'jwt.unknown_kid');
  assert.equal(r3.code, 'unauthenticated');

  // A verifier that never reached the AS: the same, with no keys at all.
  const { code, out } = await verify([...args(), '--token', before1]);
  assert.equal(code, 1);
  assert.equal(out.error, 'jwt.unknown_kid');
  await as.restart();
});
