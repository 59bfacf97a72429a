// The fga policy asking a remote OpenFGA server instead of the embedded engine, through the
// gatehouse binary with the official MCP SDK client. The remote is gatehouse-fga-api (our
// implementation of OpenFGA's HTTP API, validated against the official @openfga/sdk in
// tests/fga/sdk.test.mjs); the store, model and tuples are written with @openfga/sdk. Covers:
// allow/deny/list filtering, fail-closed when the remote is gone (a JSON-RPC error, not a
// 500; other routes keep serving), the decision cache (a remote change is hidden until ttl or a
// reload; ttl 0 sees it at once), and the bearer token never reaching the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { OpenFgaClient } from '@openfga/sdk';
import { transformer } from '@openfga/syntax-transformer';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startExample, exampleCommand, spawnTracked, freePort } from '../lib/server.mjs';
import { startGatehouse, tempDir, waitForLog } from '../lib/gatehouse.mjs';

const sha = (s) => createHash('sha256').update(s).digest('hex');
const TOKEN = 'fga-bearer-Zq81xT0pSecret';

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

const TUPLES = [
  { user: 'team:payments', relation: 'owner', object: 'server:echo' },
  { user: 'user:alice', relation: 'member', object: 'team:payments' },
  { user: 'server:echo', relation: 'server', object: 'tool:echo/echo' },
  { user: 'server:time', relation: 'server', object: 'tool:time/get_time' },
  { user: 'role:oncall#member', relation: 'caller', object: 'server:time' },
];

// gatehouse-fga-api on a free port, with a store, the model and the tuples written by the SDK.
async function startRemote(t) {
  const port = await freePort();
  const bin = path.join(process.env.GATEHOUSE_BUILD_DIR ?? '../build', 'src/fga/gatehouse-fga-api');
  const proc = spawnTracked(t, bin, ['--listen', `127.0.0.1:${port}`]);
  for (let i = 0; i < 200 && !proc.stderr().includes('fga_api.listening'); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(proc.stderr(), /fga_api\.listening/);
  const apiUrl = `http://127.0.0.1:${port}`;
  const store = await new OpenFgaClient({ apiUrl }).createStore({ name: 'gateway' });
  const fga = new OpenFgaClient({ apiUrl, storeId: store.id });
  const model = await fga.writeAuthorizationModel(transformer.transformDSLToJSONObject(MODEL));
  await fga.write({ writes: TUPLES }, { authorizationModelId: model.authorization_model_id });
  return { ...proc, apiUrl, storeId: store.id, modelId: model.authorization_model_id, fga };
}

// Two fga routes on one remote (the second with its own cache setting) and a plain route.
function yaml(remote, { ttl = '0', ttl2 = '0', modelId = '', url = remote.apiUrl, ca = '' } = {}) {
  const time = exampleCommand('time', ['--stdio']);
  const keys = `
      providers:
        - name: keys
          api_keys:
            - { name: alice, sha256: "${sha('alice-key')}" }
            - { name: bob, sha256: "${sha('bob-key')}", roles: [oncall] }
            - { name: eve, sha256: "${sha('eve-key')}" }`;
  const fga = (cacheTtl) => `
    fga:
      remote: { url: "${url}", store_id: "${remote.storeId}", model_id: "${modelId}", token: "${TOKEN}", timeout: 1s${ca ? `, ca: "${ca}"` : ''} }
      cache: { ttl: ${cacheTtl} }
      check: { user: 'user:{identity.subject}', relation: can_call, object: 'tool:{mcp.target}/{mcp.tool}' }`;
  return `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    auth:${keys}${fga(ttl)}
  - name: second
    listener: main
    path: /second
    backend: tools
    auth:${keys}${fga(ttl2)}
  - name: open
    listener: main
    path: /open
    backend: tools
    auth:${keys}
backends:
  - name: tools
    targets:
      - name: echo
        http: { url: "${remote.echoUrl}" }
      - name: time
        stdio: { command: "${time.command}", args: [${time.args.map((a) => JSON.stringify(a)).join(', ')}] }
admin: { address: 127.0.0.1, port: 0 }
`;
}

async function connectAs(t, url, key) {
  const client = new Client({ name: 'fga-remote-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  }));
  t.after(() => client.close().catch(() => {}));
  return client;
}

const toolNames = async (c) => (await c.listTools()).tools.map((x) => x.name).sort();
const echo = (c, text) => c.callTool({ name: 'echo_echo', arguments: { text } });

// A refusal must be a JSON-RPC error answer (McpError carries its numeric code), never an
// HTTP failure of the transport.
async function assertRefused(promise, what) {
  const err = await promise.then(() => null, (e) => e);
  assert.ok(err, `${what}: expected a refusal, the call was allowed`);
  assert.equal(typeof err.code, 'number', `${what}: not a JSON-RPC error: ${err}`);
  assert.doesNotMatch(String(err.message), /HTTP \d{3}/, what);
}

async function setup(t, options, remote) {
  remote ??= await startRemote(t);
  const up = await startExample(t, 'echo');
  remote.echoUrl = up.url;
  const gw = await startGatehouse(t, yaml(remote, options));
  return { remote, gw };
}

// A throwaway CA and a server certificate for 127.0.0.1, made with the openssl CLI.
function pki(dir) {
  const openssl = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  for (const ca of ['ca', 'otherca'])
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', `/CN=${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.pem`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  writeFileSync(path.join(dir, 'fga.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=fga',
    '-keyout', 'fga.key', '-out', 'fga.csr']);
  openssl(['x509', '-req', '-in', 'fga.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1',
    '-extfile', 'fga.ext', '-out', 'fga.pem']);
}

// An https front for the remote (TLS terminated here, the request passed on as is); records
// the Authorization headers it saw.
async function httpsFront(t, dir, target) {
  const seen = [];
  const server = https.createServer({ key: readFileSync(path.join(dir, 'fga.key')), cert: readFileSync(path.join(dir, 'fga.pem')) },
    (req, res) => {
      seen.push(req.headers.authorization);
      const up = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode, ur.headers);
        ur.pipe(res);
      });
      up.on('error', () => { res.writeHead(502); res.end(); });
      req.pipe(up);
    });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }));
  return { url: `https://127.0.0.1:${server.address().port}`, seen };
}

test('a remote OpenFGA decides calls and lists; when it is gone calls are refused and other routes serve', async (t) => {
  const { remote, gw } = await setup(t, { ttl: '0', ttl2: '0' });

  const alice = await connectAs(t, gw.url('main', '/mcp'), 'alice-key');
  assert.deepEqual(await toolNames(alice), ['echo_echo']);
  assert.match(JSON.stringify((await echo(alice, 'owned')).content), /owned/);
  await assertRefused(alice.callTool({ name: 'time_get_time', arguments: {} }), 'alice -> time');

  // bob's role travels as a contextual tuple to the remote.
  const bob = await connectAs(t, gw.url('main', '/mcp'), 'bob-key');
  assert.deepEqual(await toolNames(bob), ['time_get_time']);
  assert.equal((await bob.callTool({ name: 'time_get_time', arguments: {} })).isError ?? false, false);
  await assertRefused(echo(bob, 'x'), 'bob -> echo');

  const eve = await connectAs(t, gw.url('main', '/mcp'), 'eve-key');
  assert.deepEqual(await toolNames(eve), []);

  const audit = await waitForLog(gw, (lines) => {
    const a = lines.filter((l) => l.policy === 'fga');
    return a.some((l) => l.decision === 'deny') && a.some((l) => l.decision === 'allow') ? a : null;
  });
  assert.ok(audit.some((l) => l.rule === 'user:alice can_call tool:echo/echo' && l.decision === 'allow'));

  // The remote hangs (stopped process: connections are accepted, nothing answers): the call
  // is refused after the remote's timeout (1s), not after the client's.
  remote.proc.kill('SIGSTOP');
  const started = Date.now();
  await assertRefused(echo(alice, 'hung'), 'alice -> echo with the remote hung');
  const waited = Date.now() - started;
  remote.proc.kill('SIGCONT');
  assert.ok(waited >= 900 && waited < 8000, `refused after ${waited} ms`);
  const timedOut = await waitForLog(gw, (lines) => lines.find((l) => l.msg === 'fga.remote_failed' && /timed out/.test(l.error)));
  assert.equal(timedOut.route, 'tools');
  assert.match(JSON.stringify((await echo(alice, 'back')).content), /back/);

  // The remote goes away: every fga decision fails closed.
  await remote.stop();
  await assertRefused(echo(alice, 'after'), 'alice -> echo with the remote down');
  await assertRefused(bob.callTool({ name: 'time_get_time', arguments: {} }), 'bob -> time with the remote down');
  assert.deepEqual(await toolNames(alice), []);
  const failed = await waitForLog(gw, (lines) => lines.find((l) => l.msg === 'fga.remote_failed'));
  assert.equal(failed.route, 'tools');
  const denied = gw.logs().filter((l) => l.policy === 'fga' && l.decision === 'deny' && l.reason === 'fga.remote_failed');
  assert.ok(denied.length > 0, 'the audit names fga.remote_failed');

  // A route without fga is not affected.
  const open = await connectAs(t, gw.url('main', '/open'), 'eve-key');
  const openTools = await toolNames(open);
  assert.ok(openTools.includes('echo_echo') && openTools.includes('time_get_time'), openTools.join());
  assert.match(JSON.stringify((await echo(open, 'still here')).content), /still here/);

  // The bearer token for the remote is sent but never logged.
  assert.equal(gw.stderr().includes(TOKEN), false, 'the fga token appears in the gateway log');
  assert.match(failed.error, /remote fga/, 'the failure lines carry the error (so the check above looked at real lines)');
});

test('remote decisions are cached per snapshot: a change shows after a reload, or at once with ttl 0', async (t) => {
  const { remote, gw } = await setup(t, { ttl: '30s', ttl2: '0' });
  const cached = await connectAs(t, gw.url('main', '/mcp'), 'alice-key');
  const uncached = await connectAs(t, gw.url('main', '/second'), 'alice-key');
  assert.match(JSON.stringify((await echo(cached, 'one')).content), /one/);
  assert.match(JSON.stringify((await echo(uncached, 'one')).content), /one/);

  // alice leaves the team on the remote.
  await remote.fga.write({ deletes: [{ user: 'user:alice', relation: 'member', object: 'team:payments' }] });
  assert.equal((await remote.fga.check({ user: 'user:alice', relation: 'can_call', object: 'tool:echo/echo' })).allowed, false);

  await assertRefused(echo(uncached, 'two'), 'ttl 0 sees the change at once');
  assert.match(JSON.stringify((await echo(cached, 'two')).content), /two/, 'ttl 30s still allows from the cache');

  // A reload builds a new snapshot with an empty cache.
  const before = gw.logs().filter((l) => l.msg === 'config.reloaded').length;
  gw.rewrite(yaml(remote, { ttl: '30s', ttl2: '0' }) + '\n# reloaded\n');
  await waitForLog(gw, (lines) => lines.filter((l) => l.msg === 'config.reloaded').length > before, 15000);
  await assertRefused(echo(cached, 'three'), 'after the reload the cache is empty');
  assert.equal(gw.stderr().includes(TOKEN), false, 'the fga token appears in the gateway log');
});

test('a pinned model id is sent; an unknown one fails closed', async (t) => {
  const remote = await startRemote(t);
  const up = await startExample(t, 'echo');
  remote.echoUrl = up.url;
  const gw = await startGatehouse(t, yaml(remote, { modelId: remote.modelId }));
  const alice = await connectAs(t, gw.url('main', '/mcp'), 'alice-key');
  assert.match(JSON.stringify((await echo(alice, 'pinned')).content), /pinned/);

  const before = gw.logs().filter((l) => l.msg === 'config.reloaded').length;
  gw.rewrite(yaml(remote, { modelId: '01HZZZZZZZZZZZZZZZZZZZZZZZ' }));
  await waitForLog(gw, (lines) => lines.filter((l) => l.msg === 'config.reloaded').length > before, 15000);
  await assertRefused(echo(alice, 'unknown model'), 'unknown model id');
  await waitForLog(gw, (lines) => lines.find((l) => l.msg === 'fga.remote_failed'));
});

test('an https remote is verified against the configured CA; another CA is refused', async (t) => {
  const dir = tempDir(t);
  pki(dir);
  const remote = await startRemote(t);
  const front = await httpsFront(t, dir, remote.apiUrl);
  const { gw } = await setup(t, { url: front.url, ca: path.join(dir, 'ca.pem') }, remote);
  const alice = await connectAs(t, gw.url('main', '/mcp'), 'alice-key');
  assert.deepEqual((await toolNames(alice)).filter((n) => n.startsWith('time_')), []);
  assert.match(JSON.stringify((await echo(alice, 'over tls')).content), /over tls/);
  assert.ok(front.seen.length >= 2, 'the calls went through the https front');
  assert.ok(front.seen.every((a) => a === `Bearer ${TOKEN}`), 'the bearer token reaches the remote');

  // The same front checked against a CA that did not sign it: every decision fails closed.
  const before = gw.logs().filter((l) => l.msg === 'config.reloaded').length;
  gw.rewrite(yaml(remote, { url: front.url, ca: path.join(dir, 'otherca.pem') }));
  await waitForLog(gw, (lines) => lines.filter((l) => l.msg === 'config.reloaded').length > before, 15000);
  await assertRefused(echo(alice, 'wrong ca'), 'a remote signed by another CA');
  const failed = await waitForLog(gw, (lines) => lines.find((l) => l.msg === 'fga.remote_failed' && /TLS|certificate/i.test(l.error)));
  assert.match(failed.error, /TLS handshake/);

  // A CA file that cannot be read is refused at reload; the running snapshot keeps serving.
  gw.rewrite(yaml(remote, { url: front.url, ca: path.join(dir, 'missing.pem') }));
  const rejected = await waitForLog(gw, (lines) => lines.find((l) => l.msg === 'config.reload_rejected'), 15000);
  assert.match(rejected.error, /missing\.pem/);
  assert.equal(gw.stderr().includes(TOKEN), false, 'the fga token appears in the gateway log');
});
