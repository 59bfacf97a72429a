// TLS and mTLS on a gatehouse listener with certificates made here by the openssl CLI for a
// test trust domain: the official MCP SDK client over https, a rule on the client's SPIFFE ID,
// a client without a certificate and one from another CA, plain HTTP refused, and certificate
// rotation picked up by new connections without a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startExample } from '../lib/server.mjs';
import { startGatehouse, tempDir } from '../lib/gatehouse.mjs';

const BILLING = 'spiffe://example.org/agent/billing';

function openssl(dir, args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

// A CA, then a leaf signed by it with the given SANs and extended key usage.
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
  makeLeaf(dir, 'ca', 'server', 'IP:127.0.0.1,DNS:localhost', 'serverAuth');
  makeLeaf(dir, 'ca', 'billing', `URI:${BILLING}`, 'clientAuth');
  makeLeaf(dir, 'otherca', 'intruder', `URI:${BILLING}`, 'clientAuth');
  const read = (f) => readFileSync(path.join(dir, f));
  return { ca: read('ca.pem'), billing: { cert: read('billing.pem'), key: read('billing.key') },
    intruder: { cert: read('intruder.pem'), key: read('intruder.key') } };
}

function yaml(dir, echoUrl) {
  return `
listeners:
  - name: main
    address: 127.0.0.1
    port: 0
    tls:
      cert: ${path.join(dir, 'server.pem')}
      key: ${path.join(dir, 'server.key')}
      client_ca: ${path.join(dir, 'ca.pem')}
      require_client_cert: false
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    policy:
      allow: [ { name: billing-agent, when: 'request.source.spiffe_id == "${BILLING}"' } ]
backends:
  - name: tools
    targets: [ { name: echo, http: { url: "${echoUrl}" } } ]
admin: { address: 127.0.0.1, port: 0 }
`;
}

function httpsFetch(ca, client) {
  const agent = new Agent({ connect: { ca, ...(client ?? {}) } });
  return (url, init) => undiciFetch(url, { ...init, dispatcher: agent });
}

async function connect(t, url, fetch) {
  const c = new Client({ name: 'tls-test', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { fetch }));
  t.after(() => c.close().catch(() => {}));
  return c;
}

function serverSerial(port, ca) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.end();
      resolve(serial);
    });
    s.on('error', reject);
  });
}

test('mTLS: the SPIFFE ID of the client certificate decides; no cert and a foreign CA do not pass', async (t) => {
  const dir = tempDir(t);
  const certs = pki(dir);
  const echo = await startExample(t, 'echo');
  const gw = await startGatehouse(t, yaml(dir, echo.url), { dir });
  const url = gw.url().replace('http://', 'https://');

  const billing = await connect(t, url, httpsFetch(certs.ca, certs.billing));
  assert.deepEqual((await billing.listTools()).tools.map((x) => x.name), ['echo']);
  const r = await billing.callTool({ name: 'echo', arguments: { text: 'over mTLS' } });
  assert.match(JSON.stringify(r.content), /over mTLS/);

  // TLS without a client certificate is allowed by the listener, but the rule sees no SPIFFE ID.
  const anonymous = await connect(t, url, httpsFetch(certs.ca));
  assert.deepEqual((await anonymous.listTools()).tools, []);
  await assert.rejects(anonymous.callTool({ name: 'echo', arguments: { text: 'x' } }), /Unknown tool: echo/);

  // A certificate from another CA (same SPIFFE ID) fails the handshake.
  await assert.rejects(connect(t, url, httpsFetch(certs.ca, certs.intruder)));
  // Plain HTTP to the TLS port gets no MCP answer.
  await assert.rejects(fetch(gw.url(), { method: 'POST', body: '{}', signal: AbortSignal.timeout(3000) }));
  assert.equal((await fetch(gw.adminUrl('/healthz'))).status, 200, 'the gateway keeps serving');
});

test('a rotated certificate is served to new connections without a restart', async (t) => {
  const dir = tempDir(t);
  const certs = pki(dir);
  const echo = await startExample(t, 'echo');
  const gw = await startGatehouse(t, yaml(dir, echo.url), { dir });
  const port = gw.ports.main;
  const before = await serverSerial(port, certs.ca);

  const billing = await connect(t, gw.url().replace('http://', 'https://'), httpsFetch(certs.ca, certs.billing));
  // Issue a new server certificate and swap both files in (key first, as a SPIFFE helper does).
  makeLeaf(dir, 'ca', 'server2', 'IP:127.0.0.1,DNS:localhost', 'serverAuth');
  renameSync(path.join(dir, 'server2.key'), path.join(dir, 'server.key'));
  renameSync(path.join(dir, 'server2.pem'), path.join(dir, 'server.pem'));

  let after = before;
  for (let i = 0; i < 50 && after === before; i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = await serverSerial(port, certs.ca).catch(() => before);
  }
  assert.notEqual(after, before, 'new connections see the new certificate');
  // The client's existing connection and new calls keep working throughout.
  const r = await billing.callTool({ name: 'echo', arguments: { text: 'after rotation' } });
  assert.match(JSON.stringify(r.content), /after rotation/);
});
