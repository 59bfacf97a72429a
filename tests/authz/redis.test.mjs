// Global rate limits through Redis: two gatehouse processes share one budget kept in a real
// redis-server; when Redis dies, the configured failure mode decides (open: calls pass;
// closed: calls are refused), and a config reload switches the mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startExample, freePort } from '../lib/server.mjs';
import { startGatehouse, waitForLog } from '../lib/gatehouse.mjs';
import { post, LEGACY_VERSION } from '../lib/raw.mjs';

const KEY = 'admin-key-for-the-quickstart';

async function startRedis(t) {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { try { proc.kill('SIGKILL'); } catch {} });
  let out = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10000);
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) { clearTimeout(timer); resolve(); }
    });
    proc.on('exit', () => reject(new Error(`redis-server exited: ${out}`)));
  });
  return { port, kill: () => new Promise((r) => { proc.once('exit', r); proc.kill('SIGKILL'); }) };
}

function yaml(echoUrl, redisPort, failure) {
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
    rate_limits:
      - { name: shared, key: 'mcp.method == "tools/call" ? identity.subject : null', rate: 1/m, burst: 4, store: redis }
backends:
  - name: tools
    targets: [ { name: echo, http: { url: "${echoUrl}" } } ]
redis: { url: "redis://127.0.0.1:${redisPort}", failure: ${failure} }
admin: { address: 127.0.0.1, port: 0 }
`;
}

async function session(url) {
  const auth = { authorization: `Bearer ${KEY}` };
  const init = await post(url, {
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'redis', version: '1' } },
  }, auth);
  assert.equal(init.status, 200, init.text);
  const headers = { ...auth, 'mcp-session-id': init.headers.get('mcp-session-id'), 'mcp-protocol-version': LEGACY_VERSION };
  let id = 10;
  return () => post(url, { jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } }, headers);
}

test('two gateways share one Redis budget; Redis down: fail open, then fail closed after a reload', async (t) => {
  const redis = await startRedis(t);
  const echo = await startExample(t, 'echo');
  const gw1 = await startGatehouse(t, yaml(echo.url, redis.port, 'open'));
  const gw2 = await startGatehouse(t, yaml(echo.url, redis.port, 'open'));
  const call1 = await session(gw1.url());
  const call2 = await session(gw2.url());

  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await (i % 2 ? call2 : call1)()).status);
  assert.deepEqual(statuses, [200, 200, 200, 200], 'the budget of 4 is spent across both gateways');
  const over1 = await call1();
  const over2 = await call2();
  assert.equal(over1.status, 429);
  assert.equal(over2.status, 429, 'the other gateway sees the same spent budget');
  assert.equal(over2.json.error.code, -32029);

  await redis.kill();
  assert.equal((await call1()).status, 200, 'Redis unreachable + failure: open lets calls through');

  gw1.rewrite(yaml(echo.url, redis.port, 'closed'));
  await waitForLog(gw1, (lines) => lines.find((l) => l.msg === 'config.reloaded'));
  const refused = await call1();
  assert.equal(refused.status, 429, 'Redis unreachable + failure: closed refuses');
  assert.equal((await fetch(gw1.adminUrl('/healthz'))).status, 200, 'the gateway keeps serving');
});
