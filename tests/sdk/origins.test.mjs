// DNS-rebinding protection with an allow list from the command line: loopback origins and
// hosts always pass, --allow-origin / --allow-host add exact ones, anything else is 403 with
// a JSON-RPC error body, and the server keeps serving.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { exampleCommand, freePort, spawnTracked } from '../lib/server.mjs';
import { ACCEPT_BOTH, post } from '../lib/raw.mjs';

const T = { timeout: 30000 };

async function startEcho(t, extra) {
  const port = await freePort();
  const { command, args } = exampleCommand('echo', ['--http', `127.0.0.1:${port}`, ...extra]);
  const child = spawnTracked(t, command, args);
  const url = `http://127.0.0.1:${port}/mcp`;
  for (let i = 0; ; i++) {
    try { await fetch(url, { method: 'GET' }); break; } catch {
      if (i > 100) throw new Error(`echo did not start: ${child.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { url, port };
}

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } };

// fetch cannot set Host: plain http.request can.
function postWithHost(port, host, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: {
      host, 'content-type': 'application/json', accept: ACCEPT_BOTH } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('Origin and Host allow lists', () => {
  it('--allow-origin and --allow-host admit exactly what they name', T, async (t) => {
    const { url, port } = await startEcho(t, ['--allow-origin', 'https://app.example.com', '--allow-host', 'mcp.example.com']);
    const ok = await post(url, initialize, { origin: 'https://app.example.com' });
    assert.equal(ok.status, 200, ok.text);
    const loop = await post(url, initialize, { origin: `http://localhost:${port}` });
    assert.equal(loop.status, 200, loop.text);
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'http://app.example.com', 'null']) {
      const r = await post(url, initialize, { origin });
      assert.equal(r.status, 403, `Origin ${origin}: ${r.status}`);
      assert.ok(r.json?.error, `Origin ${origin}: JSON-RPC error body`);
    }
    assert.equal((await postWithHost(port, 'mcp.example.com:443', initialize)).status, 200);
    assert.equal((await postWithHost(port, 'MCP.example.com', initialize)).status, 200);
    for (const host of ['evil.example', 'mcp.example.com.evil.example', '127.0.0.1.evil.example']) {
      assert.equal((await postWithHost(port, host, initialize)).status, 403, `Host ${host}`);
    }
    assert.equal((await post(url, initialize)).status, 200, 'still serving');
  });

  it('without a list only loopback origins pass', T, async (t) => {
    const { url, port } = await startEcho(t, []);
    assert.equal((await post(url, initialize, { origin: 'https://app.example.com' })).status, 403);
    assert.equal((await postWithHost(port, 'mcp.example.com', initialize)).status, 403);
    assert.equal((await post(url, initialize, { origin: `http://127.0.0.1:${port}` })).status, 200);
  });
});
