// SPIFFE JWT-SVIDs as bearer tokens through the real gateway: jose-minted SVIDs (ES256 and RS256
// keys in a SPIFFE bundle file the test writes), the official MCP SDK client in front of the
// echo example, forged variants refused with 401, a CEL rule on identity.subject, and a bundle
// rotated on disk taking effect without a restart. Then the same with the bundle streamed by the
// SPIFFE Workload API (spiffe_test_agent, when it was built).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawnTracked, startExample } from '../lib/server.mjs';
import { startGatehouse, tempDir } from '../lib/gatehouse.mjs';

const TD = 'example.org';
const AUD = 'spiffe://example.org/gatehouse';
const BILLING = 'spiffe://example.org/agent/billing';
const REPORTS = 'spiffe://example.org/agent/reports';

async function key(alg, kid) {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid } };
}

// A SPIFFE bundle: JWT authorities carry use jwt-svid; x509-svid authorities must not verify tokens.
function writeBundle(file, jwtKeys, x509Keys = []) {
  const keys = [...jwtKeys.map((k) => ({ ...k.jwk, use: 'jwt-svid' })), ...x509Keys.map((k) => ({ ...k.jwk, use: 'x509-svid' }))];
  writeFileSync(`${file}.tmp`, JSON.stringify({ keys, spiffe_sequence: 1, spiffe_refresh_hint: 60 }));
  renameSync(`${file}.tmp`, file);  // atomic, as a bundle-writing agent would do it
}

function svid(k, { sub = BILLING, aud = [AUD], exp = '5m', header = {} } = {}) {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: k.alg, kid: k.kid, typ: 'JWT', ...header });
  // null leaves the claim out (undefined would take the default).
  if (sub !== null) jwt.setSubject(sub);
  if (aud !== null) jwt.setAudience(aud);
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.setIssuedAt().sign(k.privateKey);
}

const b64 = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');

function yaml(echoUrl) {
  return `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    auth:
      providers:
        - name: workloads
          spiffe: { trust_domain: ${TD}, audience: "${AUD}", bundle_file: bundle.json }
    policy:
      allow:
        - { name: billing-only, when: 'identity.subject == "${BILLING}" && identity.method == "jwt-svid"' }
backends:
  - name: tools
    targets:
      - name: echo
        http: { url: "${echoUrl}" }
admin: { address: 127.0.0.1, port: 0 }
`;
}

async function connectWith(t, url, token) {
  const client = new Client({ name: 'svid-client', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  }));
  t.after(() => client.close().catch(() => {}));
  return client;
}

async function status(url, token) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  await res.body?.cancel();
  return res.status;
}

test('JWT-SVIDs authenticate MCP clients; forged ones get 401; rules see the SPIFFE ID; bundle rotation without restart', async (t) => {
  const dir = tempDir(t);
  const es = await key('ES256', 'es-1');
  const rs = await key('RS256', 'rs-1');
  const x509 = await key('ES256', 'x509-1');
  const bundle = path.join(dir, 'bundle.json');
  writeBundle(bundle, [es, rs], [x509]);

  const echo = await startExample(t, 'echo');
  const gw = await startGatehouse(t, yaml(echo.url), { dir });
  const url = gw.url();

  // Accepted: ES256 and RS256 SVIDs through the SDK client; the rule lets billing use the tools.
  for (const k of [es, rs]) {
    const billing = await connectWith(t, url, await svid(k));
    const tools = (await billing.listTools()).tools.map((x) => x.name);
    assert.ok(tools.length > 0, `billing sees tools (${k.alg})`);
    const echoTool = tools.find((n) => n.includes('echo'));
    const out = await billing.callTool({ name: echoTool, arguments: { text: `hello from ${k.alg}` } });
    assert.match(JSON.stringify(out.content), new RegExp(`hello from ${k.alg}`));
  }

  // Another workload of the trust domain authenticates but the rule hides every tool from it.
  const reports = await connectWith(t, url, await svid(es, { sub: REPORTS }));
  assert.deepEqual((await reports.listTools()).tools, []);
  const denied = await reports.callTool({ name: 'echo', arguments: { text: 'x' } }).catch((e) => e);
  assert.ok(denied instanceof Error, 'reports may not call tools');

  // Forged or unacceptable SVIDs: each one is a 401.
  const stranger = await key('ES256', 'es-1');  // our kid, someone else's key
  const unknownKid = await key('ES256', 'nobody');
  const payload = { sub: BILLING, aud: [AUD], exp: Math.floor(Date.now() / 1000) + 300 };
  const hsInput = `${b64({ alg: 'HS256', kid: 'rs-1' })}.${b64(payload)}`;
  const hs256 = `${hsInput}.${createHmac('sha256', JSON.stringify(rs.jwk)).update(hsInput).digest('base64url')}`;
  const forged = {
    'other trust domain': await svid(es, { sub: 'spiffe://evil.org/agent/billing' }),
    'lookalike trust domain': await svid(es, { sub: 'spiffe://example.org.evil/agent/billing' }),
    'sub not a SPIFFE ID': await svid(es, { sub: 'billing' }),
    'sub with dot segment': await svid(es, { sub: 'spiffe://example.org/agent/../billing' }),
    'no aud': await svid(es, { aud: null }),
    'wrong aud': await svid(es, { aud: ['spiffe://example.org/other'] }),
    'expired': await svid(es, { exp: Math.floor(Date.now() / 1000) - 3600 }),
    'no exp': await svid(es, { exp: null }),
    'alg none': `${b64({ alg: 'none', kid: 'es-1' })}.${b64(payload)}.`,
    'HS256 keyed with the public key': hs256,
    'x509-svid authority': await svid(x509),
    'unknown kid': await svid(unknownKid),
    'stranger key under our kid': await svid(stranger),
    'typ at+jwt': await svid(es, { header: { typ: 'at+jwt' } }),
  };
  for (const [name, token] of Object.entries(forged)) assert.equal(await status(url, token), 401, name);
  await assert.rejects(connectWith(t, url, forged['wrong aud']));

  // Rotation: a new key in the bundle file is used without a restart; the old one is gone.
  const next = await key('ES256', 'es-2');
  const rotated = await svid(next);
  assert.equal(await status(url, rotated), 401, 'not in the bundle yet');
  writeBundle(bundle, [next]);
  let code = 0;
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    code = await status(url, rotated);
    if (code === 200) break;
  }
  assert.equal(code, 200, 'rotated key accepted');
  assert.equal(await status(url, await svid(es)), 401, 'the removed key no longer verifies');
  const after = await connectWith(t, url, rotated);
  assert.ok((await after.listTools()).tools.length > 0);

  // Authentication metrics carry the method; logs never the token.
  const metrics = await (await fetch(gw.adminUrl('/metrics'))).text();
  assert.match(metrics, /gatehouse_authn_total\{provider="jwt-svid",outcome="ok"\} [1-9]/);
  assert.match(metrics, /gatehouse_authn_total\{provider="jwt-svid",outcome="invalid"\} [1-9]/);
  assert.ok(!gw.stderr().includes(rotated), 'tokens are never logged');
  const rejected = gw.logs().filter((l) => l.msg === 'authn.rejected').map((l) => l.reason);
  for (const r of ['jwtsvid.untrusted_domain', 'jwtsvid.bad_subject', 'jwtsvid.bad_audience', 'jwtsvid.expired',
    'jwtsvid.missing_claim', 'jwtsvid.alg_not_allowed', 'jwtsvid.unknown_kid', 'jwtsvid.bad_signature', 'jwtsvid.bad_typ'])
    assert.ok(rejected.includes(r), `logged ${r}; got ${[...new Set(rejected)]}`);
});

// JWKS as FetchJWTBundles carries them (SPIRE marks no use: every key is a JWT authority).
function writeJwks(file, keys) {
  writeFileSync(`${file}.tmp`, JSON.stringify({ keys: keys.map((k) => k.jwk) }));
  renameSync(`${file}.tmp`, file);
}

const agentBin = () => path.join(process.env.GATEHOUSE_BUILD_DIR ?? '', 'src', 'spiffe', 'spiffe_test_agent');

test('bundle: workload_api takes the JWT bundles the Workload API streams, rotation included', async (t) => {
  // No skip: a build without gRPC has no Workload API, and this test says so by failing.
  assert.ok(existsSync(agentBin()), `${agentBin()} missing: the Workload API needs gRPC (scripts/install-deps.sh)`);
  const dir = tempDir(t);
  // The agent also serves an X.509-SVID; the gateway does not use it here.
  const openssl = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=ca',
    '-keyout', 'ca.key', '-out', 'ca.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  writeFileSync(path.join(dir, 'gw.ext'), 'subjectAltName=URI:spiffe://example.org/gateway\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=gw', '-keyout', 'gw.key', '-out', 'gw.csr']);
  openssl(['x509', '-req', '-in', 'gw.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'gw.ext', '-out', 'gw.pem']);
  const es = await key('ES256', 'agent-1');
  const jwks = path.join(dir, 'jwks.json');
  writeJwks(jwks, [es]);

  const socket = path.join(dir, 'agent.sock');
  const agent = spawnTracked(t, agentBin(), ['--socket', socket, '--spiffe-id', 'spiffe://example.org/gateway',
    '--cert', path.join(dir, 'gw.pem'), '--key', path.join(dir, 'gw.key'), '--bundle', path.join(dir, 'ca.pem'),
    '--jwks', `${TD}=${jwks}`]);
  let out = '';
  agent.proc.stdout.on('data', (d) => { out += d; });
  for (let i = 0; i < 200 && !out.includes('ready'); i++) await new Promise((r) => setTimeout(r, 25));
  assert.match(out, /ready/, `spiffe_test_agent is listening: ${agent.stderr()}`);

  const echo = await startExample(t, 'echo');
  const config = yaml(echo.url).replace('bundle_file: bundle.json', 'bundle: workload_api') +
    `spiffe: { workload_api: { socket: "unix://${socket}" } }\n`;
  const gw = await startGatehouse(t, config, { dir });
  const url = gw.url();

  const until200 = async (token) => {
    let code = 0;
    for (const deadline = Date.now() + 8000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      code = await status(url, token);
      if (code === 200) break;
    }
    return code;
  };
  const why = () => JSON.stringify(gw.logs().filter((l) => l.level !== 'info' || l.msg === 'authn.rejected').slice(-5));
  assert.equal(await until200(await svid(es)), 200, `an SVID signed by the streamed key: ${why()}`);
  const billing = await connectWith(t, url, await svid(es));
  assert.ok((await billing.listTools()).tools.length > 0);
  assert.equal(await status(url, await svid(es, { sub: 'spiffe://other.org/agent/billing' })), 401);
  assert.equal(await status(url, await svid(await key('ES256', 'agent-1'))), 401, 'stranger key under the streamed kid');

  // The agent pushes a new bundle: the new key is accepted, the old one refused, no restart.
  const next = await key('RS256', 'agent-2');
  writeJwks(jwks, [next]);
  agent.proc.kill('SIGHUP');
  assert.equal(await until200(await svid(next)), 200, 'rotated key accepted');
  assert.equal(await status(url, await svid(es)), 401, 'removed key refused');
});
