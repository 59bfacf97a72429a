// Relationship checks through the gatehouse binary with the official MCP SDK client: an
// embedded OpenFGA model decides which tools each caller may use (team ownership, a role from
// the token as a contextual tuple), lists are filtered by the same check, a denied call looks
// like an unknown tool, decisions are audited, and the SQLite store persists tuples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startExample, exampleCommand } from '../lib/server.mjs';
import { startGatehouse, tempDir, waitForLog } from '../lib/gatehouse.mjs';

const sha = (s) => createHash('sha256').update(s).digest('hex');

const MODEL = `model
  schema 1.1

type user

type role
  relations
    define member: [user]

type team
  relations
    define member: [user]

type server
  relations
    define owner: [team]
    define caller: [role#member] or member from owner

type tool
  relations
    define server: [server]
    define can_call: caller from server
`;

const TUPLES = `
- { user: "team:payments", relation: owner, object: "server:echo" }
- { user: "user:alice", relation: member, object: "team:payments" }
- { user: "server:echo", relation: server, object: "tool:echo/echo" }
- { user: "server:time", relation: server, object: "tool:time/get_time" }
- { user: "role:oncall#member", relation: caller, object: "server:time" }
`;

function yaml(dir, echoUrl, store) {
  const time = exampleCommand('time', ['--stdio']);
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
            - { name: alice, sha256: "${sha('alice-key')}" }
            - { name: bob, sha256: "${sha('bob-key')}", roles: [oncall] }
            - { name: eve, sha256: "${sha('eve-key')}" }
    fga:
      model_file: ${path.join(dir, 'servers.fga')}
      tuples_file: ${path.join(dir, 'tuples.yaml')}
      store: ${store}
      check: { user: 'user:{identity.subject}', relation: can_call, object: 'tool:{mcp.target}/{mcp.tool}' }
backends:
  - name: tools
    targets:
      - name: echo
        http: { url: "${echoUrl}" }
      - name: time
        stdio: { command: "${time.command}", args: [${time.args.map((a) => JSON.stringify(a)).join(', ')}] }
admin: { address: 127.0.0.1, port: 0 }
`;
}

async function connectAs(t, url, key) {
  const client = new Client({ name: 'fga-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  }));
  t.after(() => client.close().catch(() => {}));
  return client;
}

const toolNames = async (c) => (await c.listTools()).tools.map((x) => x.name).sort();

for (const storeKind of ['memory', 'sqlite']) {
  test(`relationships decide tool access (${storeKind} store)`, async (t) => {
    const dir = tempDir(t);
    writeFileSync(path.join(dir, 'servers.fga'), MODEL);
    writeFileSync(path.join(dir, 'tuples.yaml'), TUPLES);
    const store = storeKind === 'memory' ? '{ kind: memory }' : `{ kind: sqlite, path: ${path.join(dir, 'fga.db')} }`;
    const echo = await startExample(t, 'echo');
    const gw = await startGatehouse(t, yaml(dir, echo.url, store), { dir });

    // alice is in the team that owns the echo server.
    const alice = await connectAs(t, gw.url(), 'alice-key');
    assert.deepEqual(await toolNames(alice), ['echo_echo']);
    const r = await alice.callTool({ name: 'echo_echo', arguments: { text: 'owned' } });
    assert.match(JSON.stringify(r.content), /owned/);
    await assert.rejects(alice.callTool({ name: 'time_get_time', arguments: {} }), /Unknown tool: time_get_time/);

    // bob's token carries the oncall role: a contextual tuple makes him a caller of time.
    const bob = await connectAs(t, gw.url(), 'bob-key');
    assert.deepEqual(await toolNames(bob), ['time_get_time']);
    const time = await bob.callTool({ name: 'time_get_time', arguments: {} });
    assert.equal(time.isError ?? false, false);

    // eve has no relationship at all.
    const eve = await connectAs(t, gw.url(), 'eve-key');
    assert.deepEqual(await toolNames(eve), []);

    const audit = await waitForLog(gw, (lines) => {
      const a = lines.filter((l) => l.policy === 'fga');
      return a.some((l) => l.decision === 'deny') && a.some((l) => l.decision === 'allow') ? a : null;
    });
    assert.ok(audit.some((l) => l.rule === 'user:alice can_call tool:echo/echo' && l.decision === 'allow'));
    assert.ok(audit.some((l) => l.rule === 'user:alice can_call tool:time/get_time' && l.decision === 'deny'));
  });
}

test('a broken model is refused with its position; the running config keeps serving', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'servers.fga'), MODEL);
  writeFileSync(path.join(dir, 'tuples.yaml'), TUPLES);
  const echo = await startExample(t, 'echo');
  const gw = await startGatehouse(t, yaml(dir, echo.url, '{ kind: memory }'), { dir });
  const alice = await connectAs(t, gw.url(), 'alice-key');
  assert.deepEqual(await toolNames(alice), ['echo_echo']);

  writeFileSync(path.join(dir, 'servers.fga'), MODEL.replace('[role#member]', '[nosuchtype]'));
  gw.rewrite(yaml(dir, echo.url, '{ kind: memory }') + '\n# touched\n');
  const rejected = await waitForLog(gw, (lines) => lines.find((l) => l.msg === 'config.reload_rejected'));
  assert.match(rejected.error, /servers\.fga/);
  assert.deepEqual(await toolNames(alice), ['echo_echo']);
});
