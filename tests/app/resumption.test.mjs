// Resuming an interrupted stream through the gateway (2025 era, Last-Event-ID): the gateway
// hands out its own event ids that carry each target's position, and a GET with one resumes
// the target's stream there, so the client gets the events it missed from the real server
// (the TS reference server with an event store) and nothing twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { post, legacyInitialize, parseSse, ACCEPT_BOTH } from '../lib/raw.mjs';
import { spawnTracked, freePort } from '../lib/server.mjs';

const reference = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'reference-server.mjs');

async function startReference(t) {
  const port = await freePort();
  const child = spawnTracked(t, process.execPath, [reference, '--tools', 'everything', '--http', `127.0.0.1:${port}`]);
  const deadline = Date.now() + 10000;
  while (!/listening on/.test(child.stderr())) {
    if (Date.now() > deadline) throw new Error(`reference server did not start: ${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return `http://127.0.0.1:${port}/mcp`;
}

/** Opens a GET stream and collects its events until `enough(events)` or the deadline. */
async function readStream(url, headers, enough, ms = 5000) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  let res;
  try {
    res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
  } catch {
    clearTimeout(timer);
    return { status: 0, events: [] };  // no answer before the deadline
  }
  let text = '';
  let events = [];
  try {
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      text += decoder.decode(chunk, { stream: true });
      events = parseSse(text).filter((e) => e.data.trim());
      if (enough(events)) break;
    }
  } catch { /* deadline: return what arrived */ }
  clearTimeout(timer);
  ac.abort();
  return { status: res.status, events };
}

test('Last-Event-ID resumes the target stream through the gateway', async (t) => {
  const upstream = await startReference(t);
  const gw = await startGatehouse(t, `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes: [ { name: r, listener: main, path: /mcp, backend: b } ]
backends:
  - name: b
    targets: [ { name: every, http: { url: "${upstream}" }, timeout: 10s } ]
`);
  const url = gw.url('main', '/mcp');
  const { headers } = await legacyInitialize(url);

  const call = await post(url, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'test_tool_with_logging', arguments: {} } },
    { ...headers, accept: ACCEPT_BOTH });
  assert.equal(call.status, 200, call.text);
  const events = parseSse(call.text).filter((e) => e.data.trim());
  assert.equal(events.length, 4, `three log notifications and the result: ${call.text}`);
  for (const e of events) assert.match(e.id ?? '', /^gh1\.[A-Za-z0-9_-]+$/, 'every event carries a gateway event id');
  assert.equal(new Set(events.map((e) => e.id)).size, 4, 'event ids are distinct');
  assert.ok(!events.some((e) => e.id.includes('_')), 'the upstream id is not shown as is');

  // The client "lost" the stream after the first event: resume from there.
  const resumed = await readStream(url, { ...headers, 'last-event-id': events[0].id }, (ev) => ev.length >= 3);
  assert.equal(resumed.status, 200);
  const replayed = resumed.events.map((e) => JSON.parse(e.data));
  assert.deepEqual(replayed.map((m) => m.params?.data ?? m.result?.content?.[0]?.text),
    ['Tool processing data', 'Tool execution completed', 'Tool with logging executed successfully'],
    JSON.stringify(replayed));
  assert.equal(replayed[2].id, 7, 'the replayed response keeps the client request id');
  for (const e of resumed.events) assert.match(e.id ?? '', /^gh1\./);

  // Resuming from a replayed event's id goes on from there.
  const again = await readStream(url, { ...headers, 'last-event-id': resumed.events[1].id }, (ev) => ev.length >= 1);
  assert.equal(again.events.length, 1);
  assert.equal(JSON.parse(again.events[0].data).id, 7);

  // A forged or garbage id is ignored (a plain GET stream: the reference server sends its
  // headers with the first event, so none arrive here) or refused; nothing is replayed.
  for (const bad of ['not-ours', 'gh1.%%%', `gh1.${Buffer.from('{"every":7}').toString('base64url')}`, 'gh1.' + 'A'.repeat(8000)]) {
    const r = await readStream(url, { ...headers, 'last-event-id': bad }, () => true, 1000);
    assert.ok([0, 200, 400, 431].includes(r.status), `${bad.slice(0, 20)}: ${r.status}`);
    assert.equal(r.events.length, 0, `${bad.slice(0, 20)}: ${JSON.stringify(r.events)}`);
  }
  const list = await post(url, { jsonrpc: '2.0', id: 8, method: 'tools/list' }, headers);
  assert.equal(list.status, 200, 'the session still serves');
});
