// The gateway with real clients: the official SDK clients (2025 era v1, 2026-07-28 era v2)
// through gateway-harness (the Gateway on real sockets) to several targets at once: the TS
// reference server over Streamable HTTP and over stdio, plus failure modes and SIGTERM drain.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CreateMessageRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { spawnTracked, freePort } from '../lib/server.mjs';
import { connectLegacyHttp, connectModernHttp, firstText } from '../lib/clients.mjs';

const T = { timeout: 30000 };
const src = process.env.GATEHOUSE_SOURCE_DIR ?? path.resolve('..', '..');
const build = process.env.GATEHOUSE_BUILD_DIR ?? path.join(src, 'build-gateway');
const harness = path.join(build, 'tests', 'gateway', 'gateway-harness');
const reference = path.join(src, 'tests', 'lib', 'reference-server.mjs');

async function startReferenceHttp(t, tools) {
  const port = await freePort();
  const child = spawnTracked(t, process.execPath, [reference, '--tools', tools, '--http', `127.0.0.1:${port}`]);
  await waitFor(() => /listening on/.test(child.stderr()), `reference ${tools} did not start: ${child.stderr()}`);
  return { ...child, url: `http://127.0.0.1:${port}/mcp` };
}

async function waitFor(cond, message, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs the gateway with `spec` (see gateway_harness.cpp); returns { url, admin, proc, stderr }. */
async function startGateway(t, spec) {
  const child = spawnTracked(t, harness, [JSON.stringify({ listen: { address: '127.0.0.1', port: 0 }, admin: true, threads: 2, ...spec })]);
  let m;
  await waitFor(() => (m = /listening on 127\.0\.0\.1:(\d+) admin (\d+)/.exec(child.stderr())), `gateway did not start: ${child.stderr()}`);
  return { ...child, url: `http://127.0.0.1:${m[1]}/mcp`, admin: `http://127.0.0.1:${m[2]}` };
}

const stdioTime = { name: 'time', stdio: [process.execPath, reference, '--tools', 'time', '--stdio'], timeout_ms: 10000 };

describe('gateway: several targets behind one endpoint', () => {
  let gw, everything;
  before(async () => {
    everything = await startReferenceHttp(null, 'everything');
    gw = await startGateway(null, {
      key: 'itest-key',
      targets: [{ name: 'every', http: everything.url, timeout_ms: 10000 }, stdioTime],
    });
  });
  after(async () => { await gw?.stop(); await everything?.stop(); });

  it('2025 era: lists merge with prefixes, calls route to HTTP and stdio targets', T, async (t) => {
    const client = await connectLegacyHttp(t, gw.url);
    assert.equal(client.getServerVersion().name, 'gatehouse');
    const { tools } = await client.listTools();
    const names = tools.map((x) => x.name);
    assert.ok(names.includes('every_echo'), names.join());
    assert.ok(names.includes('time_get_time'), names.join());
    const echo = await client.callTool({ name: 'every_echo', arguments: { text: 'via gateway' } });
    assert.equal(firstText(echo), 'via gateway');
    const time = await client.callTool({ name: 'time_get_time', arguments: { timezone: 'UTC' } });
    assert.match(firstText(time), new RegExp(String(new Date().getUTCFullYear())));
    const unknown = await client.callTool({ name: 'nope_echo', arguments: {} }).catch((e) => e);
    assert.ok(unknown instanceof Error || unknown.isError, 'an unknown tool is an error');
  });

  it('2025 era: notifications (logging, progress) are relayed', T, async (t) => {
    const client = await connectLegacyHttp(t, gw.url);
    const logs = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logs.push(n.params); });
    const progress = [];
    const r = await client.callTool({ name: 'every_test_tool_with_progress', arguments: {} }, undefined, {
      onprogress: (p) => progress.push(p),
    });
    assert.match(firstText(r), /Progress completed/);
    assert.ok(progress.length >= 1, 'no progress notification reached the client');
    await client.callTool({ name: 'every_test_tool_with_logging', arguments: {} });
    assert.ok(logs.length >= 1, 'no log notification reached the client');
  });

  it('2025 era: sampling round trip through the gateway (id rewriting)', T, async (t) => {
    const client = await connectLegacyHttp(t, gw.url, { capabilities: { sampling: {} } });
    let seen = null;
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
      seen = req.params;
      return { role: 'assistant', content: { type: 'text', text: 'from the client' }, model: 'itest' };
    });
    const r = await client.callTool({ name: 'every_test_sampling', arguments: { prompt: 'hello?' } });
    assert.ok(seen, 'sampling/createMessage never reached the client');
    assert.match(firstText(r), /from the client/);
  });

  it('2026-07-28 era: discover, list, call and an MRTR sampling round trip, no session', T, async (t) => {
    const client = await connectModernHttp(t, gw.url, { capabilities: { sampling: {} } });
    const { tools } = await client.listTools();
    const names = tools.map((x) => x.name);
    assert.ok(names.includes('every_echo') && names.includes('time_get_time'), names.join());
    const echo = await client.callTool({ name: 'every_echo', arguments: { text: 'modern' } });
    assert.equal(firstText(echo), 'modern');
    const time = await client.callTool({ name: 'time_get_time', arguments: {} });
    assert.match(firstText(time), /UTC/);
    let sampled = 0;
    client.setRequestHandler('sampling/createMessage', async () => { sampled++; return { role: 'assistant', content: { type: 'text', text: 'mrtr' }, model: 'itest' }; });
    const s = await client.callTool({ name: 'every_test_sampling', arguments: { prompt: 'p' } });
    assert.equal(sampled, 1, JSON.stringify(s));
    assert.match(firstText(s), /mrtr/);
  });

  it('sessions: tampered or foreign ids are 404, DELETE ends the session', T, async () => {
    const init = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    assert.equal(init.status, 200);
    const sid = init.headers.get('mcp-session-id');
    assert.ok(sid);
    const list = (id) => fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    assert.equal((await list(sid)).status, 200);
    const flipped = sid.slice(0, 10) + (sid[10] === 'A' ? 'B' : 'A') + sid.slice(11);
    assert.equal((await list(flipped)).status, 404);
    assert.equal((await list('not-a-session')).status, 404);
    const del = await fetch(gw.url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
    assert.equal(del.status, 200);
  });

  it('admin: healthz, readyz, redacted config', T, async () => {
    assert.equal((await fetch(`${gw.admin}/healthz`)).status, 200);
    assert.equal((await fetch(`${gw.admin}/readyz`)).status, 200);
    const config = await (await fetch(`${gw.admin}/config`)).json();
    assert.deepEqual(config.routes[0].targets.map((x) => x.name), ['every', 'time']);
  });
});

describe('gateway: failure modes, replicas, reload, drain', () => {
  it('a target down at start: fail open leaves it out, fail closed refuses', T, async (t) => {
    const echo = await startReferenceHttp(t, 'echo');
    const deadUrl = `http://127.0.0.1:${await freePort()}/mcp`;
    const open = await startGateway(t, { targets: [{ name: 'echo', http: echo.url }, { name: 'dead', http: deadUrl, timeout_ms: 1000 }] });
    const client = await connectLegacyHttp(t, open.url);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((x) => x.name), ['echo_echo']);
    const closed = await startGateway(t, { targets: [{ name: 'echo', http: echo.url }, { name: 'dead', http: deadUrl, failure: 'closed', timeout_ms: 1000 }] });
    await assert.rejects(connectLegacyHttp(t, closed.url));
  });

  it('a target that dies mid-session: the others keep working', T, async (t) => {
    const echo = await startReferenceHttp(t, 'echo');
    const victim = await startReferenceHttp(t, 'echo');
    const gw = await startGateway(t, { targets: [{ name: 'a', http: echo.url }, { name: 'b', http: victim.url, timeout_ms: 2000 }] });
    const client = await connectLegacyHttp(t, gw.url);
    assert.equal((await client.listTools()).tools.length, 2);
    await victim.stop();
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((x) => x.name), ['a_echo']);
    assert.equal(firstText(await client.callTool({ name: 'a_echo', arguments: { text: 'still here' } })), 'still here');
    const dead = await client.callTool({ name: 'b_echo', arguments: { text: 'x' } }).catch((e) => e);
    assert.ok(dead instanceof Error || dead.isError, 'a call to the dead target is an error');
  });

  it('a session from one replica is served by another with the same key, not with another key', T, async (t) => {
    const echo = await startReferenceHttp(t, 'echo');
    const targets = [{ name: 'echo', http: echo.url }];
    const one = await startGateway(t, { key: 'shared', targets });
    const two = await startGateway(t, { key: 'shared', targets });
    const other = await startGateway(t, { key: 'different', targets });
    const init = await fetch(one.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    const sid = init.headers.get('mcp-session-id');
    const call = (url) => fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'replica' } } }),
    });
    const viaTwo = await call(two.url);
    assert.equal(viaTwo.status, 200);
    assert.match(await viaTwo.text(), /replica/);
    assert.equal((await call(other.url)).status, 404);
  });

  it('hot reload: a good file swaps targets, a bad one is rejected and the old keeps serving', T, async (t) => {
    const a = await startReferenceHttp(t, 'echo');
    const b = await startReferenceHttp(t, 'time');
    const dir = mkdtempSync(path.join(tmpdir(), 'gh-reload-'));
    const file = path.join(dir, 'spec.json');
    const gw = await startGateway(t, { reload_file: file, targets: [{ name: 'a', http: a.url }] });
    const names = async () => { const c = await connectLegacyHttp(t, gw.url); return (await c.listTools()).tools.map((x) => x.name).sort(); };
    assert.deepEqual(await names(), ['echo']);
    writeFileSync(file, JSON.stringify({ targets: [{ name: 'a', http: a.url }, { name: 'b', http: b.url }] }));
    gw.proc.kill('SIGHUP');
    await waitFor(() => /reloaded/.test(gw.stderr()), 'no reload');
    assert.deepEqual(await names(), ['a_echo', 'b_get_time']);
    writeFileSync(file, '{ not json');
    gw.proc.kill('SIGHUP');
    await waitFor(() => /reload rejected/.test(gw.stderr()), 'bad file not rejected');
    assert.deepEqual(await names(), ['a_echo', 'b_get_time']);
  });

  it('SIGTERM drains: an in-flight call completes, then the process exits', T, async (t) => {
    const gw = await startGateway(t, { grace_ms: 5000, targets: [{ name: 'slow', stdio: [process.execPath, path.join(src, 'tests', 'gateway', 'fixtures', 'stdio-server.mjs'), 'slow'] }] });
    const client = await connectLegacyHttp(t, gw.url);
    const pending = client.callTool({ name: 'echo', arguments: { text: 'late', slowMs: 700 } });
    await new Promise((r) => setTimeout(r, 150));
    gw.proc.kill('SIGTERM');
    const r = await pending;
    assert.equal(firstText(r), 'slow: late');
    const exit = await gw.exited;
    assert.equal(exit.code, 0, gw.stderr());
    assert.match(gw.stderr(), /drained/);
  });
});
