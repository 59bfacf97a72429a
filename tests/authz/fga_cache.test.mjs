// The fga decision cache with the embedded engine on a SQLite store, through the gatehouse
// binary: a tuple deleted in the database under the running gateway stays allowed on a route
// with ttl 30s (cached) and is denied at once on a route with ttl 0; a config reload (a new
// snapshot, empty caches) shows the change on the cached route too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startExample } from '../lib/server.mjs';
import { startGatehouse, tempDir, waitForLog } from '../lib/gatehouse.mjs';

const sha = (s) => createHash('sha256').update(s).digest('hex');

const MODEL = `model
  schema 1.1

type user

type team
  relations
    define member: [user]

type tool
  relations
    define owner: [team]
    define can_call: member from owner
`;

const TUPLES = `
- { user: "team:payments", relation: owner, object: "tool:echo/echo" }
- { user: "user:alice", relation: member, object: "team:payments" }
`;

// Two routes on one SQLite file (each route is its own store in it); `seed` loads the tuples.
function yaml(dir, echoUrl, seed) {
  const route = (name, p, ttl) => `
  - name: ${name}
    listener: main
    path: ${p}
    backend: tools
    auth:
      providers:
        - name: keys
          api_keys: [ { name: alice, sha256: "${sha('alice-key')}" } ]
    fga:
      model_file: ${path.join(dir, 'model.fga')}
      ${seed ? `tuples_file: ${path.join(dir, 'tuples.yaml')}` : ''}
      store: { kind: sqlite, path: ${path.join(dir, 'fga.db')} }
      cache: { ttl: ${ttl} }
      check: { user: 'user:{identity.subject}', relation: can_call, object: 'tool:{mcp.target}/{mcp.tool}' }`;
  return `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes:${route('cached', '/cached', '30s')}${route('uncached', '/uncached', '0')}
backends:
  - name: tools
    targets: [ { name: echo, http: { url: "${echoUrl}" } } ]
admin: { address: 127.0.0.1, port: 0 }
`;
}

async function connectAs(t, url, key) {
  const client = new Client({ name: 'fga-cache-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  }));
  t.after(() => client.close().catch(() => {}));
  return client;
}

const echo = (c, text) => c.callTool({ name: 'echo', arguments: { text } });

test('embedded engine: cached decisions hide a store change until a reload; ttl 0 sees it at once', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'model.fga'), MODEL);
  writeFileSync(path.join(dir, 'tuples.yaml'), TUPLES);
  const up = await startExample(t, 'echo');
  const gw = await startGatehouse(t, yaml(dir, up.url, true), { dir });
  const cached = await connectAs(t, gw.url('main', '/cached'), 'alice-key');
  const uncached = await connectAs(t, gw.url('main', '/uncached'), 'alice-key');
  assert.match(JSON.stringify((await echo(cached, 'one')).content), /one/);
  assert.match(JSON.stringify((await echo(uncached, 'one')).content), /one/);

  // alice leaves the team, in the database, under the running gateway (both routes' stores).
  execFileSync('sqlite3', [path.join(dir, 'fga.db'), "DELETE FROM fga_tuples WHERE user = 'user:alice'"]);

  await assert.rejects(echo(uncached, 'two'), /Unknown tool: echo/, 'ttl 0 sees the change at once');
  assert.match(JSON.stringify((await echo(cached, 'two')).content), /two/, 'ttl 30s answers from the cache');

  // The reload (without the seed, so the deleted tuple stays deleted) starts with empty caches.
  const before = gw.logs().filter((l) => l.msg === 'config.reloaded').length;
  gw.rewrite(yaml(dir, up.url, false));
  await waitForLog(gw, (lines) => lines.filter((l) => l.msg === 'config.reloaded').length > before, 15000);
  await assert.rejects(echo(cached, 'three'), /Unknown tool: echo/, 'after the reload the cache is empty');

  // /metrics counts hits and misses over the process's life, across the reload: hits are
  // the cached route's 'two' (and the SDK's calls are one each: no list filtering here);
  // misses: one, one, two (ttl 0 asks every time: not stored, still a miss), three.
  const metrics = await (await fetch(gw.adminUrl('/metrics'))).text();
  const count = (result) => Number((metrics.match(new RegExp(`gatehouse_fga_decision_cache_total\\{result="${result}"\\} (\\d+)`)) ?? [])[1]);
  assert.equal(count('hit'), 1, metrics.split('\n').filter((l) => l.includes('fga_decision')).join('\n'));
  assert.equal(count('miss'), 4);
});
