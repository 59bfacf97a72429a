// Session lifetime on the Streamable HTTP endpoint (2025 era): sessions a client abandons
// without DELETE are closed once idle (--session-idle-timeout), a session with an open
// stream is never idle, and past --max-sessions new sessions get 503 while existing ones
// keep working.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { exampleCommand, freePort, spawnTracked } from '../lib/server.mjs';
import { ACCEPT_BOTH, legacyInitialize, post } from '../lib/raw.mjs';

const T = { timeout: 30000 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startEcho(t, extra) {
  const port = await freePort();
  const { command, args } = exampleCommand('echo', ['--http', `127.0.0.1:${port}`, ...extra]);
  const child = spawnTracked(t, command, args);
  const url = `http://127.0.0.1:${port}/mcp`;
  for (let i = 0; ; i++) {
    try { await fetch(url, { method: 'GET' }); break; } catch (e) {
      if (i > 100) throw new Error(`echo did not start: ${child.stderr()}`);
      await sleep(50);
    }
  }
  return { url, child };
}

const call = (url, headers, id) => post(url, {
  jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: `t${id}` } },
}, headers);

describe('session lifetime', () => {
  it('an abandoned session is closed after the idle timeout; one with an open stream is kept', T, async (t) => {
    const { url } = await startEcho(t, ['--session-idle-timeout', '1']);
    const abandoned = await legacyInitialize(url);
    const watched = await legacyInitialize(url);
    // The watched session's client keeps its GET stream open the whole time.
    const ctl = new AbortController();
    const stream = await fetch(url, { method: 'GET', headers: { accept: 'text/event-stream', ...watched.headers }, signal: ctl.signal });
    assert.equal(stream.status, 200);
    await sleep(1500);
    await legacyInitialize(url);  // opening a session looks for idle ones
    const gone = await call(url, abandoned.headers, 1);
    assert.equal(gone.status, 404, `idle session must be gone: ${gone.status} ${gone.text}`);
    assert.equal(gone.json?.error?.code, -32001);
    const kept = await call(url, watched.headers, 2);
    assert.equal(kept.status, 200, `a session with an open stream is not idle: ${kept.status} ${kept.text}`);
    assert.equal(kept.json?.result?.content?.[0]?.text, 't2');
    ctl.abort();
  });

  it('past --max-sessions a new session gets 503 and the others keep working', T, async (t) => {
    const { url } = await startEcho(t, ['--max-sessions', '2']);
    const a = await legacyInitialize(url);
    const b = await legacyInitialize(url);
    const third = await post(url, {
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
    }, { accept: ACCEPT_BOTH });
    assert.equal(third.status, 503, `${third.status} ${third.text}`);
    assert.ok(third.json?.error, 'a JSON-RPC error body');
    assert.equal((await call(url, a.headers, 3)).json?.result?.content?.[0]?.text, 't3');
    assert.equal((await call(url, b.headers, 4)).json?.result?.content?.[0]?.text, 't4');
    // DELETE frees a place.
    const del = await fetch(url, { method: 'DELETE', headers: a.headers });
    assert.equal(del.status, 200);
    await legacyInitialize(url);
  });
});
