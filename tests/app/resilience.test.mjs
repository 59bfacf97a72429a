// Resilience and per-caller limits, as a user configures them: list calls retried after a
// transport failure, a failing target ejected (calls fail fast, the rest keep serving) and
// restored once a probe succeeds; sessions per principal and requests/streams in flight per
// principal answered with 429 and Retry-After.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { startGatehouse, waitForLog } from '../lib/gatehouse.mjs';
import { post, LEGACY_VERSION } from '../lib/raw.mjs';
import { recordingUpstream } from '../lib/recording_upstream.mjs';

const sha = (s) => createHash('sha256').update(s).digest('hex');

// An MCP server (2025 era, JSON answers, tool `ping`) whose failures the test controls:
// `failNext` answers 503 that many times, `down` drops every connection.
async function flakyUpstream(t) {
  const state = { failNext: 0, down: false, lists: 0, requests: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      state.requests += 1;
      const msg = JSON.parse(body || '{}');
      if (msg.method === 'tools/list') state.lists += 1;
      if (state.down) { req.socket.destroy(); return; }
      if (state.failNext > 0) { state.failNext -= 1; res.writeHead(503).end('busy'); return; }
      if (msg.id === undefined) { res.writeHead(202).end(); return; }
      let result = {};
      if (msg.method === 'initialize') {
        result = { protocolVersion: LEGACY_VERSION, capabilities: { tools: {} }, serverInfo: { name: 'flaky', version: '1' } };
      } else if (msg.method === 'tools/list') {
        result = { tools: [{ name: 'ping', inputSchema: { type: 'object' } }] };
      } else if (msg.method === 'tools/call') {
        result = { content: [{ type: 'text', text: 'pong' }] };
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  return { url: `http://127.0.0.1:${server.address().port}/mcp`, state };
}

async function initialize(url, headers = {}) {
  const r = await post(url, {
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'res', version: '1' } },
  }, headers);
  return { r, headers: { ...headers, 'mcp-session-id': r.headers.get('mcp-session-id'), 'mcp-protocol-version': LEGACY_VERSION } };
}

const toolNames = (r) => (r.json?.result?.tools ?? []).map((x) => x.name).sort();

test('list retries, outlier ejection and recovery of a failing target', async (t) => {
  const good = await recordingUpstream(t);
  const flaky = await flakyUpstream(t);
  const gw = await startGatehouse(t, `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes: [ { name: r, listener: main, path: /mcp, backend: two } ]
backends:
  - name: two
    prefix: always
    resilience: { list_retries: 1, eject_after: 2, eject_for: 1s }
    targets:
      - { name: good, http: { url: "${good.url}" } }
      - { name: flaky, http: { url: "${flaky.url}" } }
`);
  const url = gw.url('main', '/mcp');
  const { r: init, headers } = await initialize(url);
  assert.equal(init.status, 200, init.text);
  const list = () => post(url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, headers);

  // One 503: the list call is retried and the flaky target's tool is still listed.
  flaky.state.failNext = 1;
  assert.deepEqual(toolNames(await list()), ['flaky_ping', 'good_ping']);
  assert.equal(flaky.state.lists, 2, 'the failed list call was retried once');

  // Down: two failures in a row (one list call and its retry) eject the target.
  flaky.state.down = true;
  assert.deepEqual(toolNames(await list()), ['good_ping'], 'fail open: the rest is listed');
  await waitForLog(gw, (lines) => lines.find((l) => l.msg === 'relay.target_ejected' && l.target === 'flaky'));
  const seen = flaky.state.requests;
  const started = Date.now();
  assert.deepEqual(toolNames(await list()), ['good_ping']);
  const call = await post(url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'flaky_ping', arguments: {} } }, headers);
  assert.match(call.json.error.message, /left out after repeated failures/);
  assert.equal(flaky.state.requests, seen, 'an ejected target gets no traffic');
  assert.ok(Date.now() - started < 1000, 'calls to an ejected target fail fast');
  const good_call = await post(url, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'good_ping', arguments: {} } }, headers);
  assert.equal(good_call.json.result.content[0].text, 'pong');

  // Back up: after eject_for, one probe goes through and restores it.
  flaky.state.down = false;
  await new Promise((r) => setTimeout(r, 1100));
  assert.deepEqual(toolNames(await list()), ['flaky_ping', 'good_ping']);
  const again = await post(url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'flaky_ping', arguments: {} } }, headers);
  assert.equal(again.json.result.content[0].text, 'pong');
});

test('sessions and requests in flight per principal', async (t) => {
  const up = await recordingUpstream(t);
  const gw = await startGatehouse(t, `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
limits: { max_sessions_per_principal: 2, max_streams_per_principal: 1 }
routes:
  - name: r
    listener: main
    path: /mcp
    backend: b
    auth:
      providers:
        - name: keys
          api_keys: [ { name: alice, sha256: "${sha('alice-key')}" }, { name: bob, sha256: "${sha('bob-key')}" } ]
backends:
  - name: b
    targets: [ { name: up, http: { url: "${up.url}" } } ]
`);
  const url = gw.url('main', '/mcp');
  const alice = { authorization: 'Bearer alice-key' };
  const bob = { authorization: 'Bearer bob-key' };

  const s1 = await initialize(url, alice);
  const s2 = await initialize(url, alice);
  assert.equal(s1.r.status, 200);
  assert.equal(s2.r.status, 200);
  const third = await initialize(url, alice);
  assert.equal(third.r.status, 429, third.r.text);
  assert.equal(third.r.headers.get('retry-after'), '60');
  assert.match(third.r.json.error.message, /Too many sessions/);
  assert.equal((await initialize(url, bob)).r.status, 200, 'another principal is not affected');
  // DELETE ends one: a new session may start.
  const del = await fetch(url, { method: 'DELETE', headers: s1.headers });
  assert.equal(del.status, 200);
  assert.equal((await initialize(url, alice)).r.status, 200);

  // One request or stream in flight: while alice holds the GET stream open, her POST is
  // refused; bob's is not; when the stream closes, alice is served again.
  const stream = new AbortController();
  const get = await fetch(url, { headers: { ...s2.headers, accept: 'text/event-stream' }, signal: stream.signal });
  assert.equal(get.status, 200);
  const busy = await post(url, { jsonrpc: '2.0', id: 7, method: 'tools/list' }, s2.headers);
  assert.equal(busy.status, 429, busy.text);
  assert.equal(busy.headers.get('retry-after'), '1');
  assert.match(busy.json.error.message, /in flight/);
  const b = await initialize(url, bob);
  assert.equal((await post(url, { jsonrpc: '2.0', id: 8, method: 'tools/list' }, b.headers)).status, 200);
  stream.abort();
  let after;
  for (let i = 0; i < 50; i += 1) {
    after = await post(url, { jsonrpc: '2.0', id: 9, method: 'tools/list' }, s2.headers);
    if (after.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(after.status, 200, 'the stream closed: served again');
  assert.deepEqual(toolNames(after), ['ping']);
});
