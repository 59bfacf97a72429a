// The whole MCP authorization flow through the gatehouse binary with the unmodified official
// SDK client against a real authorization server (oidc-provider), including the gateway's
// authorization-server helpers for IdPs without open dynamic registration:
//   plain    IdP with open registration: 401 -> resource metadata -> IdP metadata -> register
//            -> code + PKCE -> tools;
//   forward  IdP that needs an initial access token (like Keycloak): the gateway serves the
//            metadata under its own URL and forwards registrations with the token;
//   fixed    IdP without registration (like Entra ID): the gateway hands out one
//            pre-registered public client to clients whose redirect URI it allows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { startOidcProvider, headlessOAuthClient } from '../lib/oidc.mjs';
import { recordingUpstream } from '../lib/recording_upstream.mjs';
import { freePort } from '../lib/server.mjs';

const IAT = 'iat-secret-value-never-logged';
const REDIRECT = 'http://127.0.0.1:9/callback';

async function setup(t, { registration, clients, helper }) {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const as = await startOidcProvider({ resource, registration, clients });
  t.after(() => as.close());
  const up = await recordingUpstream(t);
  const gw = await startGatehouse(t, `
listeners: [ { name: main, address: 127.0.0.1, port: ${port} } ]
routes:
  - name: r
    listener: main
    path: /mcp
    backend: b
    auth:
      scopes: [ "tools:read", "tools:call" ]
      providers: [ { name: idp, issuer: "${as.issuer}", audience: "${resource}" } ]
${helper ?? ''}
backends:
  - name: b
    targets: [ { name: rec, http: { url: "${up.url}" } } ]
`, { env: { ...process.env, IAT } });
  return { as, gw, up, resource, base: `http://127.0.0.1:${port}` };
}

/** The SDK's whole flow, headless; returns the OAuth client provider after tools/list worked. */
async function sdkFlow(t, resource) {
  const provider = headlessOAuthClient({ redirectUrl: REDIRECT });
  const first = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider });
  await assert.rejects(new Client({ name: 'itest', version: '1' }).connect(first), UnauthorizedError);
  assert.ok(provider.clientId, `registered: ${provider.log.join(', ')}`);
  assert.ok(provider.authorizationCode, 'authorization code obtained');
  assert.ok(provider.log.includes(`authorize S256 resource=${resource}`), provider.log.join('\n'));
  await first.finishAuth(provider.authorizationCode);
  const client = new Client({ name: 'itest', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider }));
  t.after(() => client.close().catch(() => {}));
  assert.deepEqual((await client.listTools()).tools.map((x) => x.name), ['ping']);
  return provider;
}

async function json(url, init) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10000) });
  return { status: res.status, headers: res.headers, body: await res.json().catch(() => undefined) };
}

test('plain: the SDK client completes the flow through the gateway against an open IdP', async (t) => {
  const { as, gw, up, resource, base } = await setup(t, {});
  const prm = await json(`${base}/.well-known/oauth-protected-resource/mcp`);
  assert.deepEqual(prm.body.authorization_servers, [as.issuer]);
  await sdkFlow(t, resource);
  assert.ok(up.seen.length > 0);
  assert.ok(up.seen.every((r) => r.headers.authorization === undefined), 'the token stays at the gateway');
  assert.equal((await json(`${base}/.well-known/oauth-authorization-server/oauth/mcp`)).status, 404,
    'no helper endpoints unless configured');
  assert.ok(gw.logs().length > 0);
});

test('forward: registrations reach an IdP that needs an initial access token', async (t) => {
  const { as, gw, resource, base } = await setup(t, {
    registration: { enabled: true, initialAccessToken: IAT },
    helper: `      authorization_server:
        registration: { mode: forward, initial_access_token: "\${IAT}" }`,
  });
  const asUrl = `${base}/oauth/mcp`;
  const prm = await json(`${base}/.well-known/oauth-protected-resource/mcp`);
  assert.deepEqual(prm.body.authorization_servers, [asUrl], 'clients are sent to the gateway helper');
  const meta = await json(`${base}/.well-known/oauth-authorization-server/oauth/mcp`);
  assert.equal(meta.status, 200);
  assert.equal(meta.body.issuer, asUrl, 'RFC 8414 §3.3: the issuer is the URL the client used');
  assert.equal(meta.body.registration_endpoint, `${asUrl}/register`);
  assert.equal(meta.body.token_endpoint, `${as.issuer}/token`, 'tokens still come from the IdP');
  assert.equal(meta.headers.get('access-control-allow-origin'), '*');

  // The IdP itself refuses a registration without the token: the proxy is what makes it work.
  const direct = await json(`${as.issuer}/reg`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [REDIRECT] }),
  });
  assert.equal(direct.status, 401, JSON.stringify(direct.body));

  const provider = await sdkFlow(t, resource);
  assert.ok(provider.clientId !== 'mcp-public');
  assert.ok(gw.logs().some((l) => l.msg === 'as.registration' && l.mode === 'forward' && l.client_id === provider.clientId));

  // Bad client metadata never reaches the IdP.
  for (const [body, error] of [
    [{ redirect_uris: ['http://evil.example/cb'] }, 'invalid_redirect_uri'],
    [{ redirect_uris: 'nope' }, 'invalid_redirect_uri'],
    ['{not json', 'invalid_client_metadata'],
  ]) {
    const r = await json(`${asUrl}/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, error);
  }
  assert.equal((await fetch(`${asUrl}/register`)).status, 405);
  assert.ok(!gw.stderr().includes(IAT), 'the initial access token is never logged');
});

test('fixed: one pre-registered public client for IdPs without registration', async (t) => {
  const { as, gw, resource, base } = await setup(t, {
    registration: { enabled: false },
    clients: [{
      client_id: 'mcp-public', token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    }],
    helper: `      authorization_server:
        add_token_auth_none: true
        registration: { mode: fixed, client_id: mcp-public, redirect_uris: [ "${REDIRECT}" ] }`,
  });
  const idpMeta = await json(`${as.issuer}/.well-known/openid-configuration`);
  assert.equal(idpMeta.body.registration_endpoint, undefined, 'the IdP offers no registration');
  const meta = await json(`${base}/oauth/mcp/.well-known/openid-configuration`);
  assert.equal(meta.body.registration_endpoint, `${base}/oauth/mcp/register`);
  assert.ok(meta.body.token_endpoint_auth_methods_supported.includes('none'));

  const provider = await sdkFlow(t, resource);
  assert.equal(provider.clientId, 'mcp-public');

  const other = await json(`${base}/oauth/mcp/register`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:7777/elsewhere'] }),
  });
  assert.equal(other.status, 400);
  assert.equal(other.body.error, 'invalid_redirect_uri');
  assert.ok(gw.logs().some((l) => l.msg === 'as.registration' && l.mode === 'fixed'));
});

test('a broken authorization_server block is refused with its place', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { gatehouseBinary, tempDir } = await import('../lib/gatehouse.mjs');
  const { writeFileSync } = await import('node:fs');
  const dir = tempDir(t);
  const file = `${dir}/bad.yaml`;
  writeFileSync(file, `
listeners: [ { name: main, address: 127.0.0.1, port: 8080 } ]
routes:
  - name: r
    listener: main
    path: /mcp
    backend: b
    auth:
      providers: [ { name: keys, api_keys: [ { name: a, sha256: "${'0'.repeat(64)}" } ] } ]
      authorization_server:
        registration: { mode: fixed }
backends: [ { name: b, targets: [ { name: t, http: { url: "http://127.0.0.1:1/mcp" } } ] } ]
`);
  const r = spawnSync(gatehouseBinary(), ['validate', '--config', file], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  const out = r.stdout + r.stderr;
  assert.match(out, /bad\.yaml:\d+:\d+: .*authorization_server.*needs a JWT provider/);
  assert.match(out, /registration\.client_id: required for mode fixed/);
  assert.match(out, /registration\.redirect_uris: required for mode fixed/);
});
