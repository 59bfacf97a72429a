// gatehouse-everything with four HTTP threads (GATEHOUSE_SDK_THREADS=4): one session used from
// many fresh TCP connections at once, so its requests land on other threads than the one that
// owns the session (SO_REUSEPORT spreads connections). Every answer must still reach the right
// request: plain JSON results, SSE streams with progress, a server-to-client elicitation whose
// answer arrives on yet another connection, 2026-07-28 requests, and DELETE from elsewhere.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { startExample } from '../lib/server.mjs';
import { ACCEPT_BOTH, LEGACY_VERSION, MODERN_VERSION, modernBody, modernHeaders, parseSse } from '../lib/raw.mjs';

const T = { timeout: 60000 };
const THREADS = 4;

// One request on its own TCP connection (agent: false), answer read whole unless `onEvent`
// is given (then SSE events are handed over as they come).
function request(url, { method = 'POST', headers = {}, body, onEvent } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method, agent: false, timeout: 20000,
      headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH, ...headers },
    }, (res) => {
      let text = '';
      let seen = 0;
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
        if (!onEvent) return;
        const complete = text.slice(0, text.lastIndexOf('\n\n') + 2);
        const events = parseSse(complete).filter((e) => e.data.trim());
        for (; seen < events.length; seen++) onEvent(JSON.parse(events[seen].data));
      });
      res.on('end', () => {
        const type = res.headers['content-type'] ?? '';
        const messages = type.includes('text/event-stream')
          ? parseSse(text).filter((e) => e.data.trim()).map((e) => JSON.parse(e.data))
          : (text.trim() ? [JSON.parse(text)] : []);
        resolve({ status: res.statusCode, headers: res.headers, type, messages, json: messages.at(-1) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

describe(`everything with ${THREADS} HTTP threads, one session from many connections`, () => {
  let srv;
  let session;
  before(async () => {
    srv = await startExample(undefined, 'everything', 'http', { env: { GATEHOUSE_SDK_THREADS: String(THREADS) } });
    const init = await request(srv.url, {
      body: { jsonrpc: '2.0', id: 0, method: 'initialize', params: {
        protocolVersion: LEGACY_VERSION, capabilities: { elicitation: {} }, clientInfo: { name: 'threads', version: '1' } } },
    });
    assert.equal(init.status, 200, JSON.stringify(init.json));
    session = { 'mcp-session-id': init.headers['mcp-session-id'], 'mcp-protocol-version': LEGACY_VERSION };
    const done = await request(srv.url, { headers: session, body: { jsonrpc: '2.0', method: 'notifications/initialized' } });
    assert.equal(done.status, 202);
  });
  after(() => srv?.stop());

  it('the server runs the threads it was asked for', T, () => {
    assert.match(srv.stderr(), /"msg":"sdk.listening".*"threads":4/);
  });

  it('120 parallel calls on fresh connections each get their own answer', T, async () => {
    const calls = [];
    for (let i = 1; i <= 120; i++) {
      const progress = i % 3 === 0;
      calls.push(request(srv.url, {
        headers: session,
        body: { jsonrpc: '2.0', id: 1000 + i, method: 'tools/call', params: progress
          ? { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: `p${i}` } }
          : { name: 'test_simple_text', arguments: {} } },
      }).then((r) => ({ i, progress, r })));
    }
    for (const { i, progress, r } of await Promise.all(calls)) {
      assert.equal(r.status, 200, `call ${i}: ${r.status}`);
      assert.equal(r.json?.id, 1000 + i, `call ${i} got another request's answer: ${JSON.stringify(r.json)}`);
      assert.ok(r.json.result?.content?.[0]?.text, `call ${i}: ${JSON.stringify(r.json)}`);
      if (progress) {
        // Streamed: its own progress notifications, then the result.
        assert.match(r.type, /text\/event-stream/, `call ${i} with progress must stream`);
        const tokens = r.messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progressToken);
        assert.ok(tokens.length >= 1 && tokens.every((t) => t === `p${i}`), `call ${i}: progress ${JSON.stringify(tokens)}`);
        assert.match(r.json.result.content[0].text, new RegExp(`token: p${i}\\)`));
      } else {
        // Answered at once with nothing before the result: plain JSON.
        assert.match(r.type, /application\/json/, `call ${i}: ${r.type}`);
      }
    }
  });

  it('elicitation: the client answers on another connection while the call streams', T, async () => {
    const posted = [];
    const call = request(srv.url, {
      headers: session,
      body: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'test_elicitation', arguments: { message: 'who?' } } },
      onEvent: (m) => {
        if (m.method !== 'elicitation/create') return;
        posted.push(request(srv.url, {
          headers: session,
          body: { jsonrpc: '2.0', id: m.id, result: { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } } },
        }));
      },
    });
    const r = await call;
    assert.equal(posted.length, 1, 'exactly one elicitation request');
    assert.equal((await posted[0]).status, 202);
    assert.equal(r.json?.id, 7);
    assert.match(r.json.result.content[0].text, /action=accept/);
    assert.match(r.json.result.content[0].text, /ada@example.com/);
  });

  it('2026-07-28 requests in parallel on fresh connections', T, async () => {
    const calls = [];
    for (let i = 1; i <= 40; i++) {
      calls.push(request(srv.url, {
        headers: modernHeaders('tools/call', 'test_simple_text'),
        body: modernBody(5000 + i, 'tools/call', { name: 'test_simple_text', arguments: {} }, { version: MODERN_VERSION }),
      }).then((r) => ({ i, r })));
    }
    for (const { i, r } of await Promise.all(calls)) {
      assert.equal(r.status, 200, `modern call ${i}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json?.id, 5000 + i);
      assert.equal(r.json.result?.resultType, 'complete');
    }
  });

  it('DELETE from another connection ends the session everywhere', T, async () => {
    const del = await request(srv.url, { method: 'DELETE', headers: session });
    assert.equal(del.status, 200);
    const after = await Promise.all([1, 2, 3, 4].map((i) => request(srv.url, {
      headers: session, body: { jsonrpc: '2.0', id: 9000 + i, method: 'ping' },
    })));
    for (const r of after) assert.equal(r.status, 404, `after DELETE: ${r.status} ${JSON.stringify(r.json)}`);
  });
});
