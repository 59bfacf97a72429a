// Rate limits through the gatehouse binary: buckets keyed by CEL over the identity and the
// call, 429 with Retry-After and RateLimit headers plus a JSON-RPC error, separate budgets per
// subject, budgets kept across a config reload, and the refusals counted in /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startExample } from '../lib/server.mjs';
import { startGatehouse, waitForLog } from '../lib/gatehouse.mjs';
import { post, LEGACY_VERSION } from '../lib/raw.mjs';

const ADMIN_KEY = 'admin-key-for-the-quickstart';
const USER_KEY = 'user-key-for-the-quickstart';

function yaml(echoUrl, burst) {
  return `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    auth:
      providers:
        - name: keys
          api_keys:
            - { name: admin, sha256: "ce2ed8e5446cfb982fad7f4bf52df1f14b9d6c98a63bb7dd3836d91c7f54df23", roles: [admin] }
            - { name: user, sha256: "5b24806f649a68679155b08cdbc5e085905f4f4eb1486e1cb9f529a2c524880c", roles: [user] }
    rate_limits:
      - { name: calls-per-subject, key: 'mcp.method == "tools/call" ? identity.subject : null', rate: 1/m, burst: ${burst} }
backends:
  - name: tools
    targets: [ { name: echo, http: { url: "${echoUrl}" } } ]
admin: { address: 127.0.0.1, port: 0 }
`;
}

async function session(url, key) {
  const auth = { authorization: `Bearer ${key}` };
  const init = await post(url, {
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'rl', version: '1' } },
  }, auth);
  assert.equal(init.status, 200, init.text);
  const headers = { ...auth, 'mcp-session-id': init.headers.get('mcp-session-id'), 'mcp-protocol-version': LEGACY_VERSION };
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  let id = 10;
  return {
    call: () => post(url, { jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } }, headers),
    list: () => post(url, { jsonrpc: '2.0', id: ++id, method: 'tools/list' }, headers),
  };
}

test('a subject over its budget gets 429 with Retry-After; others and other methods are not affected', async (t) => {
  const echo = await startExample(t, 'echo');
  const gw = await startGatehouse(t, yaml(echo.url, 3));
  const admin = await session(gw.url(), ADMIN_KEY);
  for (let i = 0; i < 3; i++) {
    const r = await admin.call();
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.result, r.text);
    assert.match(r.headers.get('ratelimit') ?? '', /remaining=\d+|r=\d+/i);
  }
  const limited = await admin.call();
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.ok(limited.headers.get('ratelimit-policy'));
  assert.equal(limited.json.error.code, -32029);
  assert.equal(typeof limited.json.id, 'number', 'the refusal answers the request by its id');

  assert.equal((await admin.list()).status, 200, 'lists are not keyed by this rule (key is null)');
  const user = await session(gw.url(), USER_KEY);
  assert.equal((await user.call()).status, 200, 'another subject has its own bucket');

  const metrics = await (await fetch(gw.adminUrl('/metrics'))).text();
  assert.match(metrics, /gatehouse_ratelimit_hits_total\{rule="calls-per-subject"\} 1/);
  const line = gw.logs().find((l) => l.log === 'access' && l.status === 429);
  assert.equal(line.decision, 'limited');
  assert.equal(line.rule, 'calls-per-subject');

  // A reload (here: a larger burst) keeps the buckets: the spent budget is not handed back.
  gw.rewrite(yaml(echo.url, 4));
  await waitForLog(gw, (lines) => lines.find((l) => l.msg === 'config.reloaded'));
  const afterReload = await admin.call();
  assert.equal(afterReload.status, 429, 'the admin has spent its budget; a reload does not refill it');
});
