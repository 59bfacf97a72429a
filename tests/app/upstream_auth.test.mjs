// Upstream credentials: the client's own token never reaches the MCP server behind the
// gateway (the default, MCP security best practice), and a target configured with a static
// header gets it (here from an environment variable) on every request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { post, LEGACY_VERSION } from '../lib/raw.mjs';
import { recordingUpstream } from '../lib/recording_upstream.mjs';

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
