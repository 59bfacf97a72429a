// A gatehouse listener whose certificate and client CA come from the SPIFFE Workload API:
// certificates for a test trust domain are made with the openssl CLI, spiffe_test_agent (a
// test server built from the public Workload API definition; no SPIRE agent is packaged for
// Debian) serves them on a Unix socket, and Node clients with a client SVID call the echo
// example through the gateway. Covers the first SVID, a rotation under load (new handshakes
// see the new serial, an open keep-alive connection keeps working, no request fails), a
// gateway started before its agent, and the bounded wait when no agent comes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startExample, spawnTracked } from '../lib/server.mjs';
import { gatehouseBinary, startGatehouse, tempDir } from '../lib/gatehouse.mjs';

const GATEWAY_ID = 'spiffe://example.org/gateway';
const CLIENT_ID = 'spiffe://example.org/agent/billing';

function openssl(dir, args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}
function makeCa(dir, name) {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}
// An X.509-SVID: the SPIFFE ID as the only SAN (no DNS name, no IP), as SPIRE issues them.
function makeSvid(dir, ca, name, id, usage) {
  writeFileSync(path.join(dir, `${name}.ext`),
    `subjectAltName=URI:${id}\nextendedKeyUsage=${usage}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n`);
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`,
    '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
}

function pki(dir) {
  makeCa(dir, 'ca');
  makeCa(dir, 'otherca');
  makeSvid(dir, 'ca', 'gateway', GATEWAY_ID, 'serverAuth,clientAuth');
  makeSvid(dir, 'ca', 'billing', CLIENT_ID, 'clientAuth');
  makeSvid(dir, 'otherca', 'intruder', CLIENT_ID, 'clientAuth');
  const read = (f) => readFileSync(path.join(dir, f));
  return { ca: read('ca.pem'), billing: { cert: read('billing.pem'), key: read('billing.key') },
    intruder: { cert: read('intruder.pem'), key: read('intruder.key') } };
}

// SPIFFE authentication of the server: the chain against the bundle (Node does that), then the
// URI SAN instead of a host name.
function checkGatewayId(_host, cert) {
  return cert.subjectaltname === `URI:${GATEWAY_ID}` ? undefined : new Error(`unexpected server ID ${cert.subjectaltname}`);
}

async function startAgent(t, dir) {
  const socket = path.join(dir, 'agent.sock');
  const bin = path.join(process.env.GATEHOUSE_BUILD_DIR, 'src', 'spiffe', 'spiffe_test_agent');
  const agent = spawnTracked(t, bin, ['--socket', socket, '--spiffe-id', GATEWAY_ID,
    '--cert', path.join(dir, 'gateway.pem'), '--key', path.join(dir, 'gateway.key'), '--bundle', path.join(dir, 'ca.pem')]);
  let out = '';
  agent.proc.stdout.on('data', (d) => { out += d; });
  for (let i = 0; i < 200 && !out.includes('ready'); i++) {
    if (agent.proc.exitCode !== null) throw new Error(`spiffe_test_agent exited: ${agent.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.match(out, /ready/, 'spiffe_test_agent is listening');
  return { ...agent, socket, updates: () => (out.match(/updated/g) ?? []).length };
}

function yaml(dir, echoUrl, { startupTimeout = '10s' } = {}) {
  return `
listeners:
  - name: main
    address: 127.0.0.1
    port: 0
    tls: { source: workload_api, require_client_cert: true, trust_domains: [example.org] }
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    policy:
      allow: [ { name: billing-agent, when: 'request.source.spiffe_id == "${CLIENT_ID}"' } ]
backends:
  - name: tools
    targets: [ { name: echo, http: { url: "${echoUrl}" } } ]
admin: { address: 127.0.0.1, port: 0 }
spiffe:
  workload_api: { socket: "unix://${path.join(dir, 'agent.sock')}", startup_timeout: ${startupTimeout} }
`;
}

function svidFetch(ca, client) {
  const agent = new Agent({ connect: { ca, checkServerIdentity: checkGatewayId, ...(client ?? {}) } });
  return (url, init) => undiciFetch(url, { ...init, dispatcher: agent });
}

async function connect(t, url, fetch) {
  const c = new Client({ name: 'spiffe-test', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { fetch }));
  t.after(() => c.close().catch(() => {}));
  return c;
}

function serverSerial(port, ca, client) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, checkServerIdentity: checkGatewayId, ...client }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.end();
      resolve(serial);
    });
    s.on('error', reject);
  });
}

// One JSON-RPC POST over a keep-alive https.Agent; resolves with the status, whether the
// socket was reused and the serial of the certificate that socket shook hands with.
function post(agent, port, body) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', agent,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (res) => {
      const serial = res.socket.getPeerCertificate().serialNumber;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, reused: req.reusedSocket, serial }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'keepalive', version: '1' } } };

test('the listener serves the SVID from the Workload API and verifies clients with its bundle', async (t) => {
  const dir = tempDir(t);
  const certs = pki(dir);
  await startAgent(t, dir);
  const echo = await startExample(t, 'echo');
  const gw = await startGatehouse(t, yaml(dir, echo.url), { dir });
  const url = gw.url().replace('http://', 'https://');

  // The official MCP SDK client over a fetch whose agent presents the client SVID.
  const billing = await connect(t, url, svidFetch(certs.ca, certs.billing));
  assert.ok((await billing.listTools()).tools.map((x) => x.name).includes('echo'));
  const r = await billing.callTool({ name: 'echo', arguments: { text: 'over SVIDs' } });
  assert.match(JSON.stringify(r.content), /over SVIDs/);

  // require_client_cert: no certificate, or one from another trust bundle, fails the handshake.
  await assert.rejects(connect(t, url, svidFetch(certs.ca)));
  await assert.rejects(connect(t, url, svidFetch(certs.ca, certs.intruder)));
  assert.equal((await fetch(gw.adminUrl('/healthz'))).status, 200);
});

test('a rotated SVID reaches new handshakes; keep-alive connections and calls under load continue', async (t) => {
  const dir = tempDir(t);
  const certs = pki(dir);
  const agent = await startAgent(t, dir);
  const echo = await startExample(t, 'echo');
  const gw = await startGatehouse(t, yaml(dir, echo.url), { dir });
  const port = gw.ports.main;
  const before = await serverSerial(port, certs.ca, certs.billing);

  // A keep-alive connection opened before the rotation.
  const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 1, ca: certs.ca, ...certs.billing,
    checkServerIdentity: checkGatewayId });
  t.after(() => keepAlive.destroy());
  const first = await post(keepAlive, port, initialize);
  assert.equal(first.status, 200);
  assert.equal(first.serial, before);

  // A small load: four MCP clients calling echo in a loop through the rotation.
  const clients = await Promise.all([0, 1, 2, 3].map(() =>
    connect(t, gw.url().replace('http://', 'https://'), svidFetch(certs.ca, certs.billing))));
  let calls = 0;
  const failures = [];
  let running = true;
  const loops = clients.map(async (c, i) => {
    while (running) {
      try {
        const res = await c.callTool({ name: 'echo', arguments: { text: `load ${i}` } });
        if (!JSON.stringify(res.content).includes(`load ${i}`)) failures.push(new Error('wrong answer'));
        calls++;
      } catch (e) {
        failures.push(e);
      }
    }
  });
  await new Promise((r) => setTimeout(r, 300));

  // Rotate: a new SVID (new key, new serial) renamed into place; the agent pushes it.
  makeSvid(dir, 'ca', 'gateway2', GATEWAY_ID, 'serverAuth,clientAuth');
  renameSync(path.join(dir, 'gateway2.key'), path.join(dir, 'gateway.key'));
  renameSync(path.join(dir, 'gateway2.pem'), path.join(dir, 'gateway.pem'));
  agent.proc.kill('SIGHUP');  // also picked up by the file poll; the signal makes it prompt

  let after = before;
  for (let i = 0; i < 100 && after === before; i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = await serverSerial(port, certs.ca, certs.billing).catch(() => before);
  }
  assert.notEqual(after, before, 'new handshakes see the new certificate');
  await new Promise((r) => setTimeout(r, 300));
  running = false;
  await Promise.all(loops);
  assert.deepEqual(failures.map((e) => String(e)), [], 'no call failed during the rotation');
  assert.ok(calls >= 20, `calls went through during the test (${calls})`);
  t.diagnostic(`${calls} calls, ${failures.length} failed, serial ${before} -> ${after}`);
  assert.ok(agent.updates() >= 1, 'the agent pushed an update');

  // The connection opened before the rotation still works, and still holds the old certificate.
  const again = await post(keepAlive, port, initialize);
  assert.equal(again.status, 200);
  assert.equal(again.reused, true, 'the same keep-alive connection');
  assert.equal(again.serial, before);
});

test('a gateway started before its agent waits for the first SVID', async (t) => {
  const dir = tempDir(t);
  const certs = pki(dir);
  const echo = await startExample(t, 'echo');
  const gwPromise = startGatehouse(t, yaml(dir, echo.url), { dir });
  await new Promise((r) => setTimeout(r, 700));
  await startAgent(t, dir);
  const gw = await gwPromise;
  const c = await connect(t, gw.url().replace('http://', 'https://'), svidFetch(certs.ca, certs.billing));
  const r = await c.callTool({ name: 'echo', arguments: { text: 'late agent' } });
  assert.match(JSON.stringify(r.content), /late agent/);
});

test('without an agent the gateway exits after startup_timeout, naming the socket', async (t) => {
  const dir = tempDir(t);
  const configPath = path.join(dir, 'gatehouse.yaml');
  writeFileSync(configPath, yaml(dir, 'http://127.0.0.1:9/mcp', { startupTimeout: '1s' }));
  const started = Date.now();
  const gw = spawnTracked(t, gatehouseBinary(), ['run', '--config', configPath]);
  const { code } = await gw.exited;
  assert.notEqual(code, 0);
  assert.ok(Date.now() - started >= 900, 'it waited for the agent');
  assert.match(gw.stderr(), /no usable X\.509-SVID from the SPIFFE Workload API at unix:\/\/.*agent\.sock/);
});
