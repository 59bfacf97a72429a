// OpenFGA's HTTP API on the gateway's admin listener (/fga) over the stores its routes check,
// driven by the official @openfga/sdk next to the official MCP SDK client: the route's store is
// found by name, its model read, checks agree with the gateway, a tuple written through the API
// changes what the gateway allows (and deleting it changes it back), a SQLite store keeps the
// write across a restart, the token is enforced and never shown, the model cannot be replaced,
// and a reload serves the new snapshot's stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { OpenFgaClient, CredentialsMethod } from '@openfga/sdk';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startExample } from '../lib/server.mjs';
import { startGatehouse, tempDir, waitForLog } from '../lib/gatehouse.mjs';

const sha = (s) => createHash('sha256').update(s).digest('hex');
const TOKEN = 'fga-api-t0ken-for-the-test';
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

const MODEL = `model
  schema 1.1

type user

type tool
  relations
    define caller: [user]
`;

const TUPLES = `
- { user: "user:alice", relation: caller, object: "tool:echo/echo" }
`;

function yaml(dir, echoUrl, { extraRoute = false } = {}) {
  const route = (name, p, store) => `
  - name: ${name}
    listener: main
    path: ${p}
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
      store: ${store}
      cache: { ttl: 0s }   # a write through the API shows on the next call
      check: { user: 'user:{identity.subject}', relation: caller, object: 'tool:{mcp.target}/{mcp.tool}' }`;
  return `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes:${route('guarded', '/mcp', `{ kind: sqlite, path: ${path.join(dir, 'fga.db')} }`)}${
    extraRoute ? route('scratch', '/scratch', '{ kind: memory }') : ''}
backends:
  - name: tools
    targets:
      - name: echo
        http: { url: "${echoUrl}" }
admin:
  address: 127.0.0.1
  port: 0
  fga_api: { enabled: true, token: "\${FGA_API_TOKEN}" }
`;
}

async function connect(t, url, key) {
  const client = new Client({ name: 'fga-api-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  t.after(() => client.close().catch(() => {}));
  return client;
}

const echo = (c, text) => c.callTool({ name: 'echo', arguments: { text } });
const allowed = async (c, text) => JSON.stringify((await echo(c, text)).content).includes(text);
const denied = (c) => assert.rejects(echo(c, 'nope'), /Unknown tool: echo/);

const fgaClient = (gw, extra = {}, token = TOKEN) =>
  new OpenFgaClient({
    apiUrl: gw.adminUrl('/fga'),
    credentials: token === null ? undefined : { method: CredentialsMethod.ApiToken, config: { token } },
    ...extra,
  });

async function routeStore(gw, name) {
  const { stores } = await fgaClient(gw).listStores();
  return stores.find((s) => s.name === name);
}

test('the OpenFGA API on the admin listener writes and queries the gateway route stores', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'tools.fga'), MODEL);
  writeFileSync(path.join(dir, 'tuples.yaml'), TUPLES);
  const upstream = await startExample(t, 'echo');
  const env = { FGA_API_TOKEN: TOKEN };
  let gw = await startGatehouse(t, yaml(dir, upstream.url), { dir, env });

  // The store is the route's, by name, with a stable ULID-shaped id; its model is the config's.
  const store = await routeStore(gw, 'guarded');
  assert.ok(store, 'the route store is listed');
  assert.match(store.id, ULID);
  const fga = fgaClient(gw, { storeId: store.id });
  const { authorization_models: models } = await fga.readAuthorizationModels();
  assert.equal(models.length, 1);
  assert.match(models[0].id, ULID);
  const { authorization_model: model } = await fga.readAuthorizationModel({ authorizationModelId: models[0].id });
  assert.deepEqual(model.type_definitions.map((d) => d.type), ['user', 'tool']);

  // Checks through the API agree with the gateway.
  const alice = await connect(t, gw.url('main', '/mcp'), 'alice-key');
  const eve = await connect(t, gw.url('main', '/mcp'), 'eve-key');
  const eveTuple = { user: 'user:eve', relation: 'caller', object: 'tool:echo/echo' };
  assert.equal((await fga.check({ user: 'user:alice', relation: 'caller', object: 'tool:echo/echo' })).allowed, true);
  assert.equal((await fga.check(eveTuple)).allowed, false);
  assert.ok(await allowed(alice, 'alice may'));
  await denied(eve);

  // A tuple written through the API grants the call; deleting it takes the grant away.
  await fga.writeTuples([eveTuple]);
  assert.equal((await fga.check(eveTuple)).allowed, true);
  assert.ok(await allowed(eve, 'eve now may'));
  const read = await fga.read({ object: 'tool:echo/echo' });
  assert.deepEqual(read.tuples.map((x) => x.key.user).sort(), ['user:alice', 'user:eve']);
  await fga.deleteTuples([eveTuple]);
  await denied(eve);
  assert.equal((await fga.check(eveTuple)).allowed, false);
  const { changes } = await fga.readChanges();
  assert.deepEqual(changes.map((c) => c.operation), ['TUPLE_OPERATION_WRITE', 'TUPLE_OPERATION_DELETE']);

  // The model comes from the config: not replaceable, the store not deletable, none created.
  await assert.rejects(fga.writeAuthorizationModel({ schema_version: '1.1', type_definitions: [{ type: 'user' }] }), (e) => {
    assert.equal(e.statusCode, 400);
    assert.match(e.apiErrorMessage, /gateway config/);
    return true;
  });
  await assert.rejects(fga.deleteStore(), (e) => e.statusCode === 400);
  await assert.rejects(fgaClient(gw).createStore({ name: 'mine' }), (e) => e.statusCode === 400);

  // Without the token, or with a wrong one: 401. The token is neither logged nor dumped.
  await assert.rejects(fgaClient(gw, { storeId: store.id }, 'wrong').check(eveTuple), (e) => e.statusCode === 401);
  await assert.rejects(fgaClient(gw, {}, null).listStores(), (e) => e.statusCode === 401);
  const raw = await fetch(gw.adminUrl(`/fga/stores/${store.id}/check`), { method: 'POST', body: JSON.stringify({ tuple_key: eveTuple }) });
  assert.equal(raw.status, 401);
  const dump = await (await fetch(gw.adminUrl('/config'))).text();
  assert.ok(dump.includes('"fga_api"') && !dump.includes(TOKEN), dump);
  assert.ok(!gw.stderr().includes(TOKEN), 'the token appears in the log');
  // The other admin paths still answer.
  assert.equal((await fetch(gw.adminUrl('/metrics'))).status, 200);

  // SQLite keeps a write across a restart; the store and model ids stay.
  await fga.writeTuples([eveTuple]);
  await gw.stop();
  gw = await startGatehouse(t, yaml(dir, upstream.url), { dir, env });
  const again = await routeStore(gw, 'guarded');
  assert.equal(again.id, store.id);
  const fga2 = fgaClient(gw, { storeId: store.id });
  assert.equal((await fga2.readAuthorizationModels()).authorization_models[0].id, models[0].id);
  assert.deepEqual((await fga2.read({ user: 'user:eve', relation: 'caller', object: 'tool:echo/echo' })).tuples.length, 1);
  const eve2 = await connect(t, gw.url('main', '/mcp'), 'eve-key');
  assert.ok(await allowed(eve2, 'still allowed after restart'));

  // A reload serves the new snapshot's stores: a memory route appears, with its tuples_file.
  gw.rewrite(yaml(dir, upstream.url, { extraRoute: true }));
  await waitForLog(gw, (lines) => lines.some((l) => l.msg === 'config.reloaded'));
  const scratch = await routeStore(gw, 'scratch');
  assert.ok(scratch, 'the new route store is listed after the reload');
  const fga3 = fgaClient(gw, { storeId: scratch.id });
  assert.equal((await fga3.check({ user: 'user:alice', relation: 'caller', object: 'tool:echo/echo' })).allowed, true);
  assert.equal((await fga3.check(eveTuple)).allowed, false);  // the memory store has only tuples_file
  assert.equal((await fga2.check(eveTuple)).allowed, true);    // the SQLite store kept its write
});
