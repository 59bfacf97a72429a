// The FGA stage on a PostgreSQL tuple store, through the gatehouse binary and the official
// MCP SDK client, against a real server started for the test: tuples loaded at start are in
// the database, relationships allow and deny, and when the database goes away calls are
// denied (fail closed), not allowed and not a 500, while a route without FGA keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startExample } from '../lib/server.mjs';
import { startGatehouse, tempDir, waitForLog, logLines } from '../lib/gatehouse.mjs';
import { startPostgres } from '../lib/postgres.mjs';

const sha = (s) => createHash('sha256').update(s).digest('hex');

const MODEL = `model
  schema 1.1

type user

type team
  relations
    define member: [user]

type tool
  relations
    define caller: [user, team#member]
`;

// A quote in an id: it must reach the database as data.
const TUPLES = `
- { user: "team:payments#member", relation: caller, object: "tool:echo/echo" }
- { user: "user:alice", relation: member, object: "team:payments" }
- { user: "user:o'hara", relation: caller, object: "tool:echo/echo" }
`;

function yaml(dir, echoUrl, dsn) {
  return `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes:
  - name: guarded
    listener: main
    path: /mcp
    backend: tools
    auth:
      providers:
        - name: keys
          api_keys:
            - { name: alice, sha256: "${sha('alice-key')}" }
            - { name: eve, sha256: "${sha('eve-key')}" }
    fga:
      model_file: ${path.join(dir, 'tools.fga')}
      tuples_file: ${path.join(dir, 'tuples.yaml')}
      store: { kind: postgres, dsn: "${dsn}" }
      cache: { ttl: 0s }   # this test watches the database change under the gateway
      check: { user: 'user:{identity.subject}', relation: caller, object: 'tool:{mcp.target}/{mcp.tool}' }
  - name: plain
    listener: main
    path: /plain
    backend: tools
backends:
  - name: tools
    targets:
      - name: echo
        http: { url: "${echoUrl}" }
admin: { address: 127.0.0.1, port: 0 }
`;
}

async function connect(t, url, key) {
  const client = new Client({ name: 'fga-pg-test', version: '1' });
  const headers = key ? { authorization: `Bearer ${key}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  t.after(() => client.close().catch(() => {}));
  return client;
}

const echo = (c, text) => c.callTool({ name: 'echo', arguments: { text } });

test('postgres tuple store: allow, deny, tuples in the database, fail closed when it is down', async (t) => {
  const pg = await startPostgres(t);
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'tools.fga'), MODEL);
  writeFileSync(path.join(dir, 'tuples.yaml'), TUPLES);
  const upstream = await startExample(t, 'echo');
  const gw = await startGatehouse(t, yaml(dir, upstream.url, pg.dsn), { dir });
  // The dsn is never logged.
  assert.ok(!gw.stderr().includes(pg.dsn), 'the dsn appears in the log');

  // Tuples from tuples_file are rows of the route's store.
  const rows = pg.psql("SELECT store, user_id, relation, object FROM fga_tuples ORDER BY user_id").trim().split('\n');
  assert.deepEqual(rows, [
    'guarded|team:payments#member|caller|tool:echo/echo',
    'guarded|user:alice|member|team:payments',
    "guarded|user:o'hara|caller|tool:echo/echo",
  ]);

  const alice = await connect(t, gw.url('main', '/mcp'), 'alice-key');
  assert.deepEqual((await alice.listTools()).tools.map((x) => x.name), ['echo']);
  const ok = await echo(alice, 'through postgres');
  assert.match(JSON.stringify(ok.content), /through postgres/);
  const eve = await connect(t, gw.url('main', '/mcp'), 'eve-key');
  await assert.rejects(echo(eve, 'nope'), /Unknown tool: echo/);

  // A second gateway on the same database: the schema exists, its tuples_file rows are
  // already there (conflicts at load are fine), and it decides the same way.
  const gw2 = await startGatehouse(t, yaml(dir, upstream.url, pg.dsn), { dir: tempDir(t) });
  const alice2 = await connect(t, gw2.url('main', '/mcp'), 'alice-key');
  assert.match(JSON.stringify((await echo(alice2, 'second gateway')).content), /second gateway/);
  assert.equal(pg.psql('SELECT count(*) FROM fga_tuples').trim(), '3');

  // A tuple written into the database by someone else is seen on the next check (cache off).
  pg.psql("INSERT INTO fga_tuples VALUES ('guarded', 'tool', 'tool:echo/echo', 'caller', 'user:eve', false, '', '')");
  assert.match(JSON.stringify((await echo(eve, 'now allowed')).content), /now allowed/);

  // The database goes away: the same call alice made is denied, not allowed and not a 500.
  await pg.stop();
  await assert.rejects(echo(alice, 'db down'), (e) => {
    assert.match(String(e.message), /Unknown tool: echo/);
    return true;
  });
  assert.deepEqual((await alice.listTools()).tools.map((x) => x.name), []);
  const failed = await waitForLog(gw, (lines) => lines.find((l) => l.msg === 'fga.check_failed'));
  assert.match(failed.error, /postgres/);
  assert.ok(!gw.stderr().includes(pg.dsn), 'the dsn appears in the log');
  const denied = logLines(gw.stderr()).filter((l) => l.policy === 'fga' && l.decision === 'deny' && l.reason === 'fga.error');
  assert.ok(denied.length > 0, 'no fga.error denial audited');

  // Another route, without FGA, keeps serving; the gateway is alive.
  const plain = await connect(t, gw.url('main', '/plain'));
  assert.match(JSON.stringify((await echo(plain, 'still here')).content), /still here/);
  assert.equal(gw.proc.exitCode, null);
});

test('a postgres store that cannot be reached at load is refused naming the field', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'tools.fga'), MODEL);
  writeFileSync(path.join(dir, 'tuples.yaml'), TUPLES);
  const upstream = await startExample(t, 'echo');
  // Port 1: nothing listens. The password must not appear in the error.
  const dsn = 'postgresql://gh:hunter2-secret@127.0.0.1:1/gatehouse?connect_timeout=2';
  await assert.rejects(startGatehouse(t, yaml(dir, upstream.url, dsn), { dir }), (e) => {
    assert.match(e.message, /routes\[0\]\.fga\.store\.dsn: postgres connect/);
    assert.ok(!e.message.includes('hunter2-secret'), 'the password appears in the error');
    return true;
  });
});
