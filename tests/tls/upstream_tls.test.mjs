// TLS and mTLS from the gateway to https MCP targets, with certificates made here by the
// openssl CLI: the upstream (a node https server requiring a client certificate) records the
// SPIFFE ID the gateway presented on each request and counts TLS connections. Checks the
// expected SPIFFE ID, the DNS name and IP address verification, keep-alive reuse, refusals
// (wrong ID, foreign CA, no client certificate) that leave the gateway serving, and rotation of
// the gateway's client certificate without a restart; prints https vs http call timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGatehouse, tempDir, logLines } from '../lib/gatehouse.mjs';

const GATEWAY_ID = 'spiffe://example.org/gatehouse';
const GATEWAY_ID_2 = 'spiffe://example.org/gatehouse/rotated';
const ECHO_ID = 'spiffe://example.org/mcp/echo';

function openssl(dir, args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}
function makeCa(dir, name) {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}
function makeLeaf(dir, ca, name, san, usage) {
  writeFileSync(path.join(dir, `${name}.ext`),
    `subjectAltName=${san}\nextendedKeyUsage=${usage}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n`);
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`,
    '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
}

function pki(dir) {
  makeCa(dir, 'ca');
  makeCa(dir, 'otherca');
  makeLeaf(dir, 'ca', 'upstream', `IP:127.0.0.1,DNS:localhost,URI:${ECHO_ID}`, 'serverAuth');
  makeLeaf(dir, 'otherca', 'impostor', `IP:127.0.0.1,DNS:localhost,URI:${ECHO_ID}`, 'serverAuth');
  makeLeaf(dir, 'ca', 'gw', `URI:${GATEWAY_ID}`, 'clientAuth');
}

// Answers like tests/lib/recording_upstream.mjs (2025 era, JSON, one tool `ping`).
function mcpHandler(seen) {
  return (req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const msg = JSON.parse(body || '{}');
      const cert = req.socket.getPeerCertificate?.();
      const uri = /URI:([^,\s]+)/.exec(cert?.subjectaltname ?? '')?.[1];
      seen.push({ method: msg.method, peer: uri });
      if (req.method !== 'POST') { res.writeHead(405).end(); return; }
      if (msg.id === undefined) { res.writeHead(202).end(); return; }
      let result = {};
      if (msg.method === 'initialize') {
        result = { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'rec', version: '1' } };
        res.setHeader('mcp-session-id', `s-${Math.random().toString(36).slice(2)}`);
      } else if (msg.method === 'tools/list') {
        result = { tools: [{ name: 'ping', inputSchema: { type: 'object' } }, { name: 'stream', inputSchema: { type: 'object' } }] };
      } else if (msg.method === 'tools/call' && msg.params?.name === 'stream') {
        // An SSE answer: a log notification, then the response, written apart.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'working' } })}\n\n`);
        setTimeout(() => res.end(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text: 'streamed' }] } })}\n\n`), 20);
        return;
      } else if (msg.method === 'tools/call') {
        result = { content: [{ type: 'text', text: 'pong' }] };
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
    });
  };
}

async function httpsUpstream(t, dir, certName) {
  const seen = [];
  let connections = 0;
  const read = (f) => readFileSync(path.join(dir, f));
  const server = https.createServer({ key: read(`${certName}.key`), cert: read(`${certName}.pem`), ca: read('ca.pem'),
    requestCert: true, rejectUnauthorized: true }, mcpHandler(seen));
  server.on('secureConnection', () => { connections++; });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  return { port: server.address().port, seen, server, connections: () => connections };
}

async function httpUpstream(t) {
  const seen = [];
  const server = http.createServer(mcpHandler(seen));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  return { port: server.address().port, seen };
}

// One route (path /<name>) and one backend per case; relative paths check that they are
// resolved against the config file's directory.
function yaml(cases) {
  const routes = cases.map((c) => `  - { name: ${c.name}, listener: main, path: /${c.name}, backend: ${c.name} }`);
  const backends = cases.map((c) => `  - name: ${c.name}
    failure: closed
    targets:
      - name: echo
        http:
          url: "${c.url}"${c.tls ? `\n          tls: ${c.tls}` : ''}`);
  return `
listeners:
  - { name: main, address: 127.0.0.1, port: 0 }
routes:
${routes.join('\n')}
backends:
${backends.join('\n')}
admin: { address: 127.0.0.1, port: 0 }
`;
}

async function connect(t, url) {
  const c = new Client({ name: 'upstream-tls-test', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  t.after(() => c.close().catch(() => {}));
  return c;
}

async function ping(client) {
  const r = await client.callTool({ name: 'ping', arguments: {} });
  assert.equal(r.isError, undefined, JSON.stringify(r));
  assert.match(JSON.stringify(r.content), /pong/);
}

// Connecting and listing must fail (the target is failure: closed).
async function refused(t, url) {
  await assert.rejects((async () => {
    const c = await connect(t, url);
    await c.listTools();
  })());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('https targets: SPIFFE and DNS/IP verification, mTLS, keep-alive, refusals, rotation', async (t) => {
  const dir = tempDir(t);
  pki(dir);
  const up = await httpsUpstream(t, dir, 'upstream');
  const impostor = await httpsUpstream(t, dir, 'impostor');
  const plain = await httpUpstream(t);
  const base = `https://127.0.0.1:${up.port}/mcp`;
  const client = 'cert: gw.pem, key: gw.key';
  const gw = await startGatehouse(t, yaml([
    { name: 'spiffe', url: base, tls: `{ ca: ca.pem, spiffe_id: "${ECHO_ID}", ${client} }` },
    { name: 'byname', url: base, tls: `{ ca: ca.pem, server_name: localhost, ${client} }` },
    { name: 'byip', url: base, tls: `{ ca: ${path.join(dir, 'ca.pem')}, ${client} }` },
    { name: 'wrongid', url: base, tls: `{ ca: ca.pem, spiffe_id: "spiffe://example.org/mcp/other", ${client} }` },
    { name: 'wrongname', url: base, tls: `{ ca: ca.pem, server_name: db.example.org, ${client} }` },
    { name: 'otherca', url: `https://127.0.0.1:${impostor.port}/mcp`, tls: `{ ca: ca.pem, spiffe_id: "${ECHO_ID}", ${client} }` },
    { name: 'nocert', url: base, tls: `{ ca: ca.pem, spiffe_id: "${ECHO_ID}" }` },
    { name: 'plain', url: `http://127.0.0.1:${plain.port}/mcp` },
  ]), { dir });
  const url = (name) => gw.url('main', `/${name}`);

  // The upstream sees the gateway's SPIFFE ID; the three kinds of verification pass.
  const spiffe = await connect(t, url('spiffe'));
  assert.deepEqual((await spiffe.listTools()).tools.map((x) => x.name), ['ping', 'stream']);
  await ping(spiffe);
  // An SSE answer is relayed over TLS as well, and its connection goes back to the pool.
  const streamed = await spiffe.callTool({ name: 'stream', arguments: {} });
  assert.match(JSON.stringify(streamed.content), /streamed/);
  for (const name of ['byname', 'byip']) await ping(await connect(t, url(name)));
  assert.ok(up.seen.length > 0);
  assert.ok(up.seen.every((s) => s.peer === GATEWAY_ID), JSON.stringify(up.seen));

  // Keep-alive: many sequential calls reuse a few TLS connections.
  const before = up.connections();
  for (let i = 0; i < 30; i++) {
    await ping(spiffe);
    if (i % 10 === 0) await spiffe.callTool({ name: 'stream', arguments: {} });
  }
  const used = up.connections() - before;
  assert.ok(used <= 2, `30 calls opened ${used} TLS connections`);
  console.log(`# 30 sequential tools/call over https opened ${used} new TLS connection(s)`);

  // Refusals: each fails its call and the gateway keeps serving.
  const seenBefore = up.seen.length;
  for (const name of ['wrongid', 'wrongname', 'otherca', 'nocert']) await refused(t, url(name));
  assert.equal(up.seen.length, seenBefore, 'no request reached the upstream on a refused connection');
  assert.equal(impostor.seen.length, 0, 'not a byte of request to the impostor');
  const failures = logLines(gw.stderr()).filter((l) => l.msg === 'upstream.tls_failed');
  assert.ok(failures.length >= 4, JSON.stringify(failures));
  assert.ok(failures.some((l) => /SPIFFE ID spiffe:\/\/example.org\/mcp\/echo is not the expected/.test(l.error)));
  assert.ok(failures.some((l) => /certificate not accepted/.test(l.error)));
  assert.ok(!/BEGIN|PRIVATE KEY/.test(gw.stderr()), 'no key material in the log');
  await ping(spiffe);
  assert.equal((await fetch(gw.adminUrl('/healthz'))).status, 200);

  // Timing: sequential tools/call through the https target and the plain one.
  const plainClient = await connect(t, url('plain'));
  const timings = {};
  for (const [name, c] of [['https', spiffe], ['http', plainClient], ['https2', spiffe], ['http2', plainClient]]) {
    const xs = [];
    for (let i = 0; i < 200; i++) {
      const t0 = process.hrtime.bigint();
      await ping(c);
      xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    timings[name] = median(xs).toFixed(3);
  }
  console.log(`# median tools/call ms over 200 sequential calls: ${JSON.stringify(timings)}`);

  // Rotation: the gateway's certificate is replaced (new files renamed over the old ones)
  // while calls keep going; new connections present the new SPIFFE ID.
  let failed = 0;
  let calls = 0;
  let rotating = true;
  const loop = (async () => {
    while (rotating) {
      try { await ping(spiffe); } catch { failed++; }
      calls++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  makeLeaf(dir, 'ca', 'gw2', `URI:${GATEWAY_ID_2}`, 'clientAuth');
  renameSync(path.join(dir, 'gw2.key'), path.join(dir, 'gw.key'));
  await new Promise((r) => setTimeout(r, 300));  // a poll may see the key without its certificate
  renameSync(path.join(dir, 'gw2.pem'), path.join(dir, 'gw.pem'));
  await new Promise((r) => setTimeout(r, 2500));
  rotating = false;
  await loop;
  assert.equal(failed, 0, `${failed} of ${calls} calls failed during the rotation`);
  // Connections made before the rotation keep the old certificate: close them.
  up.server.closeIdleConnections();
  const mark = up.seen.length;
  for (let i = 0; i < 5; i++) await ping(spiffe);
  const after = up.seen.slice(mark);
  assert.ok(after.length > 0);
  assert.ok(after.every((s) => s.peer === GATEWAY_ID_2), JSON.stringify(after));
  assert.ok(logLines(gw.stderr()).some((l) => l.msg === 'tls.client_reloaded'));
});

test('config: unreadable TLS files fail the load with the field; a reload rebuilds the context', async (t) => {
  const dir = tempDir(t);
  pki(dir);
  const up = await httpsUpstream(t, dir, 'upstream');
  const base = `https://127.0.0.1:${up.port}/mcp`;
  await assert.rejects(
    startGatehouse(t, yaml([{ name: 'spiffe', url: base, tls: '{ ca: missing-ca.pem, cert: gw.pem, key: gw.key }' }]), { dir }),
    /backends\.spiffe\.targets\.echo\.http\.tls: cannot load ca_bundle .*missing-ca\.pem/);

  const good = yaml([{ name: 'spiffe', url: base, tls: `{ ca: ca.pem, spiffe_id: "${ECHO_ID}", cert: gw.pem, key: gw.key }` }]);
  const gw = await startGatehouse(t, good, { dir });
  await ping(await connect(t, gw.url('main', '/spiffe')));
  const reloads = () => logLines(gw.stderr()).filter((l) => l.msg === 'config.reloaded').length;
  const waitReload = async (n) => {
    for (let i = 0; i < 100 && reloads() < n; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(reloads(), n, gw.stderr());
  };
  // Another expected identity: the same URL gets a new upstream and new connections, refused.
  gw.rewrite(good.replace(ECHO_ID, 'spiffe://example.org/mcp/other'));
  await waitReload(1);
  await refused(t, gw.url('main', '/spiffe'));
  gw.rewrite(good);
  await waitReload(2);
  await ping(await connect(t, gw.url('main', '/spiffe')));
});
