// 2026-07-28 multi round-trip requests through the gateway: the upstream's requestState
// reaches the client sealed, comes back to the upstream unwrapped on the retry, and cannot be
// read, forged, tampered with, or replayed by another caller or on another tool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { post, modernHeaders, modernBody } from '../lib/raw.mjs';

const sha = (s) => createHash('sha256').update(s).digest('hex');
const UPSTREAM_STATE = 'upstream-round-1-do-not-show';

// A stateless 2026-07-28 server: `confirm` asks the user first (input_required with a
// requestState), and completes when retried with that state and the answer.
async function mrtrUpstream(t) {
  const calls = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const msg = JSON.parse(body || '{}');
      let result;
      if (msg.method === 'tools/list') {
        result = { tools: [{ name: 'confirm', inputSchema: { type: 'object' } }, { name: 'other', inputSchema: { type: 'object' } }] };
      } else if (msg.method === 'tools/call') {
        calls.push({ name: msg.params.name, requestState: msg.params.requestState });
        const answered = msg.params.inputResponses?.user?.action === 'accept';
        if (msg.params.requestState === UPSTREAM_STATE && answered) {
          result = { resultType: 'complete', content: [{ type: 'text', text: 'confirmed' }] };
        } else if (msg.params.requestState !== undefined) {
          result = { resultType: 'complete', content: [{ type: 'text', text: 'bad state' }], isError: true };
        } else {
          result = {
            resultType: 'input_required',
            inputRequests: { user: { method: 'elicitation/create', params: { mode: 'form', message: 'Sure?', requestedSchema: { type: 'object', properties: {} } } } },
            requestState: UPSTREAM_STATE,
          };
        }
      } else {
        result = {};
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  return { url: `http://127.0.0.1:${server.address().port}/mcp`, calls };
}

test('requestState is sealed, bound to the caller and the tool, and unwrapped for the upstream', async (t) => {
  const up = await mrtrUpstream(t);
  const gw = await startGatehouse(t, `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
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
    targets: [ { name: mrtr, http: { url: "${up.url}" } } ]
`);
  const url = gw.url('main', '/mcp');
  const call = (key, id, name, extra = {}) => post(url, modernBody(id, 'tools/call', { name, arguments: {}, ...extra }),
    { ...modernHeaders('tools/call', name), authorization: `Bearer ${key}` });

  const first = await call('alice-key', 1, 'confirm');
  assert.equal(first.status, 200, first.text);
  const r1 = first.json.result;
  assert.equal(r1.resultType, 'input_required');
  assert.ok(r1.inputRequests.user, 'the input request reaches the client');
  assert.equal(typeof r1.requestState, 'string');
  assert.ok(!first.text.includes(UPSTREAM_STATE), 'the upstream state is not readable by the client');

  const answer = { inputResponses: { user: { action: 'accept', content: {} } } };
  const retry = await call('alice-key', 2, 'confirm', { requestState: r1.requestState, ...answer });
  assert.equal(retry.json.result.content[0].text, 'confirmed', retry.text);
  assert.equal(up.calls.at(-1).requestState, UPSTREAM_STATE, 'the upstream got its own state back');

  const upstreamCalls = up.calls.length;
  const refusals = [
    ['bob replays alice\'s state', await call('bob-key', 3, 'confirm', { requestState: r1.requestState, ...answer })],
    ['on another tool', await call('alice-key', 4, 'other', { requestState: r1.requestState, ...answer })],
    ['tampered', await call('alice-key', 5, 'confirm', { requestState: `${r1.requestState.slice(0, -2)}AA`, ...answer })],
    ['forged', await call('alice-key', 6, 'confirm', { requestState: UPSTREAM_STATE, ...answer })],
    ['not a string', await call('alice-key', 7, 'confirm', { requestState: 42, ...answer })],
  ];
  for (const [what, r] of refusals) {
    assert.equal(r.json?.error?.code, -32602, `${what}: ${r.text}`);
    assert.match(r.json.error.message, /Invalid requestState/, what);
  }
  assert.equal(up.calls.length, upstreamCalls, 'no refused retry reached the upstream');
  // The same state may be used again by its owner (a client retrying after a network error).
  const again = await call('alice-key', 8, 'confirm', { requestState: r1.requestState, ...answer });
  assert.equal(again.json.result.content[0].text, 'confirmed');
});
