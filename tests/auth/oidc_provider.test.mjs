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

const UPSTREAM = 'http://127.0.0.1:18081/upstream';
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));

test('upstream credentials: RFC 8693 token exchange against the same AS, cached per principal', async () => {
  const before = as.counters.tokenExchange;
  const v = verifier(['--upstream', 'token_exchange', '--token-endpoint', `${as.issuer}/token`,
    '--client-id', 'gatehouse', '--client-secret', 'gatehouse-secret', '--upstream-audience', UPSTREAM]);
  const token = await as.clientCredentialsToken();
  const r = await v.check(token);
  assert.equal(r.subject, 'machine', JSON.stringify(r));
  assert.match(r.upstream.value, /^Bearer /);
  const exchanged = r.upstream.value.slice('Bearer '.length);
  assert.notEqual(exchanged, token, 'the client token is never forwarded');
  const c = claimsOf(exchanged);
  assert.equal(c.aud, UPSTREAM);
  assert.equal(c.sub, 'machine');
  assert.deepEqual(c.act, { sub: 'gatehouse' });
  // The exchanged token is itself a valid access token for the upstream audience.
  const { code } = await verify(['--discover', '--iss', as.issuer, '--aud', UPSTREAM, '--token', exchanged]);
  assert.equal(code, 0);
  // Same principal and scopes (even with a new token): served from the cache.
  const again = await v.check(await as.clientCredentialsToken());
  assert.equal(again.upstream.value, r.upstream.value);
  assert.equal(again.upstream_requests, 1);
  assert.equal(as.counters.tokenExchange - before, 1);
  // Narrower scopes: a new exchange.
  const narrow = await v.check(await as.clientCredentialsToken({ scope: 'tools:read' }));
  assert.notEqual(narrow.upstream.value, r.upstream.value);
  assert.equal(claimsOf(narrow.upstream.value.slice(7)).scope, 'tools:read');
  assert.equal(as.counters.tokenExchange - before, 2);
});

test('upstream credentials: exchange refused for an audience the AS does not allow', async () => {
  const v = verifier(['--upstream', 'token_exchange', '--token-endpoint', `${as.issuer}/token`,
    '--client-id', 'gatehouse', '--client-secret', 'gatehouse-secret', '--upstream-audience', 'http://127.0.0.1:1/elsewhere']);
  const r = await v.check(await as.clientCredentialsToken());
  assert.equal(r.subject, 'machine');
  assert.equal(r.upstream_error, 'upstream_auth.denied');
  assert.equal(r.upstream, undefined);
});

test('upstream credentials: the gateway\'s own client credentials, fetched once', async () => {
  const v = verifier(['--upstream', 'client_credentials', '--token-endpoint', `${as.issuer}/token`,
    '--client-id', 'gatehouse', '--client-secret', 'gatehouse-secret', '--upstream-resource', RESOURCE,
    '--upstream-scope', 'tools:read']);
  const first = await v.check(await as.clientCredentialsToken());
  const c = claimsOf(first.upstream.value.slice(7));
  assert.equal(c.sub, 'gatehouse');
  assert.equal(c.client_id, 'gatehouse');
  assert.equal(c.scope, 'tools:read');
  const second = await v.check(await as.clientCredentialsToken({ scope: 'tools:call' }));
  assert.equal(second.upstream.value, first.upstream.value);
  assert.equal(second.upstream_requests, 1);
});

test('opaque tokens: RFC 7662 introspection at the same AS, cached, inactive rejected', async () => {
  const OPAQUE = 'http://127.0.0.1:18082/opaque';
  const opaque = await as.clientCredentialsToken({ resource: OPAQUE });
  assert.equal(opaque.split('.').length, 1, 'an opaque token');
  const intro = ['--introspect', `${as.issuer}/token/introspection`, '--introspect-client', 'gatehouse:gatehouse-secret',
    '--iss', as.issuer, '--aud', OPAQUE];
  const { code, out } = await verify([...intro, '--token', opaque]);
  assert.equal(code, 0, JSON.stringify(out));
  assert.equal(out.method, 'introspection');
  assert.equal(out.subject, 'machine');
  assert.equal(out.client_id, 'machine');
  assert.deepEqual(out.scopes, ['tools:read', 'tools:call']);
  // For another resource the same token is not accepted (audience).
  const other = await verify(['--introspect', `${as.issuer}/token/introspection`, '--introspect-client',
    'gatehouse:gatehouse-secret', '--iss', as.issuer, '--aud', 'http://127.0.0.1:18083/else', '--token', opaque]);
  assert.equal(other.out.error, 'jwt.bad_audience');
  // Unknown token: inactive, 401 invalid_token.
  const unknown = await verify([...intro, '--token', 'not-issued-by-this-as']);
  assert.equal(unknown.out.error, 'introspection.inactive');
  assert.equal(unknown.out.status, 401);
  assert.match(unknown.out.www_authenticate, /^Bearer error="invalid_token"/);
  // Wrong gateway credentials at the AS: the AS refuses, we answer 503 (not the client's fault).
  const badClient = await verify(['--introspect', `${as.issuer}/token/introspection`, '--introspect-client',
    'gatehouse:wrong', '--iss', as.issuer, '--aud', OPAQUE, '--token', opaque]);
  assert.equal(badClient.out.status, 503);
  // Cached: with the AS stopped, a long-lived verifier still accepts what it introspected.
  const lived = startVerifier(intro);
  verifiers.push(lived);
  assert.equal((await lived.check(opaque)).client_id, 'machine');
  await as.stop();
  assert.equal((await lived.check(opaque)).client_id, 'machine');
  const down = await lived.check('another-opaque-token');
  assert.equal(down.status, 503);
  await as.restart();
});
