// Upstream credentials: the client's own token never reaches the MCP server behind the
// gateway (the default, MCP security best practice), and a target configured with a static
// header gets it (here from an environment variable) on every request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { post, LEGACY_VERSION } from '../lib/raw.mjs';
import { recordingUpstream } from '../lib/recording_upstream.mjs';
import * as jose from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startOidcProvider } from '../lib/oidc.mjs';
import { freePort } from '../lib/server.mjs';

const sha = (s) => createHash('sha256').update(s).digest('hex');

test('the client token is stripped; a static upstream header is added', async (t) => {
  const stripped = await recordingUpstream(t);
  const withKey = await recordingUpstream(t);
  const gw = await startGatehouse(t, `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes:
  - name: plain
    listener: main
    path: /mcp
    backend: plain
    auth: &auth
      providers:
        - name: keys
          api_keys: [ { name: client, sha256: "${sha('client-secret-key')}" } ]
  - name: keyed
    listener: main
    path: /keyed
    backend: keyed
    auth: *auth
backends:
  - name: plain
    targets: [ { name: plain, http: { url: "${stripped.url}" } } ]
  - name: keyed
    upstream_auth: { mode: static, header: X-Upstream-Key, value_env: UPSTREAM_KEY }
    targets: [ { name: keyed, http: { url: "${withKey.url}" } } ]
`, { env: { ...process.env, UPSTREAM_KEY: 'upstream-secret-value' } });

  const auth = { authorization: 'Bearer client-secret-key' };
  for (const p of ['/mcp', '/keyed']) {
    const url = gw.url('main', p);
    const init = await post(url, {
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'ua', version: '1' } },
    }, auth);
    assert.equal(init.status, 200, init.text);
    const headers = { ...auth, 'mcp-session-id': init.headers.get('mcp-session-id'), 'mcp-protocol-version': LEGACY_VERSION };
    const list = await post(url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, headers);
    assert.equal(list.json.result.tools[0].name, 'ping');
  }

  for (const up of [stripped, withKey]) {
    assert.ok(up.seen.length >= 2);
    for (const r of up.seen) {
      assert.equal(r.headers.authorization, undefined, 'the client token is never forwarded');
      assert.ok(!JSON.stringify(r.headers).includes('client-secret-key'));
    }
  }
  assert.ok(withKey.seen.every((r) => r.headers['x-upstream-key'] === 'upstream-secret-value'));
  assert.ok(stripped.seen.every((r) => r.headers['x-upstream-key'] === undefined));
  assert.ok(!gw.stderr().includes('upstream-secret-value'), 'the upstream secret is never logged');
});

// The per-caller modes against a real authorization server (oidc-provider): explicit
// passthrough, the gateway's own client credentials, and RFC 8693 token exchange (the
// upstream sees the caller as subject and the gateway as actor). Tokens are cached: more
// calls do not mean more token requests. A refused exchange fails that target, nothing else.
test('passthrough, client credentials and token exchange with oidc-provider', async (t) => {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const pass = await recordingUpstream(t);
  const cc = await recordingUpstream(t);
  const tx = await recordingUpstream(t);
  const refused = await recordingUpstream(t);
  const as = await startOidcProvider({ resource, exchangeAudiences: [tx.url], upstreamResources: [cc.url] });
  t.after(() => as.close());
  const clientToken = await as.clientCredentialsToken();

  const route = (name) => `
  - name: ${name}
    listener: main
    path: /${name}
    backend: ${name}
    auth: { providers: [ { name: idp, issuer: "${as.issuer}", audience: "${resource}" } ] }`;
  const gw = await startGatehouse(t, `
listeners: [ { name: main, address: 127.0.0.1, port: ${port} } ]
routes:${route('pass')}${route('cc')}${route('tx')}${route('refused')}
backends:
  - name: pass
    upstream_auth: { mode: passthrough }
    targets: [ { name: pass, http: { url: "${pass.url}" } } ]
  - name: cc
    upstream_auth: { mode: client_credentials, token_url: "${as.issuer}/token", client_id: gatehouse, client_secret: gatehouse-secret, scope: "tools:call", resource: "${cc.url}" }
    targets: [ { name: cc, http: { url: "${cc.url}" } } ]
  - name: tx
    upstream_auth: { mode: token_exchange, token_url: "${as.issuer}/token", client_id: gatehouse, client_secret: gatehouse-secret, audience: "${tx.url}" }
    targets: [ { name: tx, http: { url: "${tx.url}" } } ]
  - name: refused
    upstream_auth: { mode: token_exchange, token_url: "${as.issuer}/token", client_id: gatehouse, client_secret: gatehouse-secret, audience: "http://127.0.0.1:9/not-allowed" }
    targets: [ { name: refused, http: { url: "${refused.url}" } } ]
`);

  const connect = async (path) => {
    const client = new Client({ name: 'upstream-auth', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/${path}`), {
      requestInit: { headers: { authorization: `Bearer ${clientToken}` } },
    }));
    t.after(() => client.close().catch(() => {}));
    return client;
  };
  for (const path of ['pass', 'cc', 'tx']) {
    const client = await connect(path);
    for (let i = 0; i < 3; i += 1) {
      const r = await client.callTool({ name: 'ping', arguments: {} });
      assert.equal(r.content[0].text, 'pong');
    }
  }

  // passthrough: exactly the caller's token, on every request.
  assert.ok(pass.seen.length >= 4);
  assert.ok(pass.seen.every((r) => r.headers.authorization === `Bearer ${clientToken}`));

  // client credentials: the gateway's own token for the upstream resource, one grant.
  const jwks = jose.createRemoteJWKSet(new URL(`${as.issuer}/jwks`));
  const ccTokens = new Set(cc.seen.map((r) => r.headers.authorization));
  assert.equal(ccTokens.size, 1, 'one cached token for every call');
  const ccToken = [...ccTokens][0].replace(/^Bearer /, '');
  assert.notEqual(ccToken, clientToken);
  const { payload: ccClaims } = await jose.jwtVerify(ccToken, jwks, { issuer: as.issuer, audience: cc.url });
  assert.equal(ccClaims.client_id, 'gatehouse');
  assert.equal(as.counters.clientCredentials, 2, 'the test client\'s grant and the gateway\'s, no more');

  // token exchange: the caller as subject, the gateway as actor, for the upstream audience.
  const txTokens = new Set(tx.seen.map((r) => r.headers.authorization));
  assert.equal(txTokens.size, 1);
  const txToken = [...txTokens][0].replace(/^Bearer /, '');
  const { payload: txClaims } = await jose.jwtVerify(txToken, jwks, { issuer: as.issuer, audience: tx.url });
  const { sub: callerSubject } = jose.decodeJwt(clientToken);
  assert.equal(txClaims.sub, callerSubject);
  assert.deepEqual(txClaims.act, { sub: 'gatehouse' });
  assert.equal(as.counters.tokenExchange, 1, 'exchanged once, then cached');

  // A refused exchange: the client gets an error, the upstream sees nothing, the rest serves.
  await assert.rejects(connect('refused'));
  assert.equal(refused.seen.length, 0);
  const again = await connect('tx');
  assert.equal((await again.callTool({ name: 'ping', arguments: {} })).content[0].text, 'pong');

  const stderr = gw.stderr();
  assert.ok(!stderr.includes(clientToken) && !stderr.includes(ccToken) && !stderr.includes(txToken), 'no token is logged');
  assert.ok(!stderr.includes('gatehouse-secret'), 'the client secret is not logged');
  assert.ok(gw.logs().some((l) => l.msg === 'relay.upstream_credentials_failed' && l.target === 'refused'));
});
