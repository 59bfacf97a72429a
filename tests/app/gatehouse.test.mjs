// The `gatehouse` binary end to end with official MCP SDK clients: the quickstart topology
// (an HTTP target and a stdio child), `validate` errors with positions, hot reload (good and
// rejected), JWT authentication as the MCP authorization spec asks, and SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as jose from 'jose';
import { connectLegacyHttp, connectModernHttp } from '../lib/clients.mjs';
import { startExample, exampleCommand } from '../lib/server.mjs';
import { gatehouseBinary, startGatehouse, tempDir, waitForLog } from '../lib/gatehouse.mjs';
import { post, ACCEPT_BOTH, LEGACY_VERSION } from '../lib/raw.mjs';

function quickstartYaml(echoUrl, extraRoute = '') {
  const time = exampleCommand('time', ['--stdio']);
  return `
listeners:
  - { name: main, address: 127.0.0.1, port: 0 }
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
${extraRoute}
backends:
  - name: tools
    targets:
      - name: echo
        http: { url: "${echoUrl}" }
        timeout: 5s
      - name: time
        stdio: { command: "${time.command}", args: [${time.args.map((a) => JSON.stringify(a)).join(', ')}] }
        timeout: 5s
admin: { address: 127.0.0.1, port: 0 }
`;
}

const initBody = {
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

test('quickstart topology: both eras see the merged, prefixed tools and call them', async (t) => {
  const echo = await startExample(t, 'echo');
  const gw = await startGatehouse(t, quickstartYaml(echo.url));

  const legacy = await connectLegacyHttp(t, gw.url());
  const names = (await legacy.listTools()).tools.map((x) => x.name).sort();
  assert.deepEqual(names, ['echo_echo', 'time_get_time']);
  const echoed = await legacy.callTool({ name: 'echo_echo', arguments: { text: 'hello gateway' } });
  assert.match(JSON.stringify(echoed.content), /hello gateway/);
  const time = await legacy.callTool({ name: 'time_get_time', arguments: {} });
  assert.equal(time.isError ?? false, false);

  const modern = await connectModernHttp(t, gw.url());
  const modernNames = (await modern.listTools()).tools.map((x) => x.name).sort();
  assert.deepEqual(modernNames, ['echo_echo', 'time_get_time']);

  const health = await fetch(gw.adminUrl('/healthz'));
  assert.equal(health.status, 200);
  const dump = await (await fetch(gw.adminUrl('/config'))).text();
  assert.match(dump, /echo/);

  // One access-log line per request with the MCP fields; the raw session id never appears.
  const calls = gw.logs().filter((l) => l.mcp_method === 'tools/call' && l.tool === 'echo');
  assert.ok(calls.length >= 1, 'an access-log line for the echo call');
  assert.equal(calls[0].route, 'tools');
  assert.equal(calls[0].target, 'echo');
  assert.equal(calls[0].status, 200);
  assert.equal(typeof calls[0].latency_ms, 'number');
  const sid = legacy.transport?.sessionId;
  assert.ok(sid, 'the client holds a session id');
  assert.ok(!JSON.stringify(gw.logs()).includes(sid), 'the raw session id is never logged');

  // Prometheus text on the admin listener, counting what just happened.
  const metrics = await (await fetch(gw.adminUrl('/metrics'))).text();
  assert.match(metrics, /gatehouse_http_requests_total\{route="tools",method="POST",status="200"\} [1-9]/);
  assert.match(metrics, /gatehouse_mcp_calls_total\{target="echo",method="tools\/call",tool="echo",outcome="ok"\} 1/);
  // Upstream latency per target (initialize, lists and the calls), sessions and streams open.
  const count = (re) => Number((metrics.match(re) ?? [])[1] ?? NaN);
  assert.ok(count(/gatehouse_upstream_latency_seconds_count\{target="echo"\} (\d+)/) >= 3, metrics);
  assert.ok(count(/gatehouse_upstream_latency_seconds_count\{target="time"\} (\d+)/) >= 3);
  assert.ok(count(/gatehouse_sessions_active (\d+)/) >= 1, 'the legacy client\'s session');
  assert.ok(count(/gatehouse_streams_active (\d+)/) >= 1, 'the legacy client\'s GET stream');
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
  assert.equal(promtool.status, 0, `promtool check metrics: ${promtool.stdout}${promtool.stderr}`);

  // The log level changes at run time.
  const set = await fetch(gw.adminUrl('/loglevel?level=debug'), { method: 'PUT' });
  assert.equal(set.status, 200);
  assert.equal((await (await fetch(gw.adminUrl('/loglevel'))).json()).level, 'debug');
  assert.equal((await fetch(gw.adminUrl('/loglevel?level=loud'), { method: 'PUT' })).status, 400);
});

test('validate: a broken file is refused with file:line:col for every problem', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(file, `listeners:
  - { name: main, address: 127.0.0.1, port: 99999 }
routes:
  - { name: r, listener: nope, path: /mcp, backend: missing }
backends: []
`);
  const r = spawnSync(gatehouseBinary(), ['validate', file], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: listeners\\[0\\]\\.port`));
  assert.match(r.stderr, /bad\.yaml:4:\d+: routes\[0\]\./);

  const good = path.join(dir, 'good.yaml');
  writeFileSync(good, quickstartYaml('http://127.0.0.1:1/mcp'));
  const ok = spawnSync(gatehouseBinary(), ['validate', good], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /ok/);
});

test('hot reload: auth added without restart, a broken edit is rejected and the old config keeps serving', async (t) => {
  const echo = await startExample(t, 'echo');
  const gw = await startGatehouse(t, quickstartYaml(echo.url));
  const before = await post(gw.url(), initBody, { accept: ACCEPT_BOTH });
  assert.equal(before.status, 200);

  const { publicKey } = await jose.generateKeyPair('ES256');
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  writeFileSync(path.join(gw.dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
  const resource = gw.url();
  const auth = `    auth:
      scopes: [mcp:tools]
      providers:
        - { name: idp, issuer: "https://idp.example", audience: "${resource}", jwks_file: jwks.json, algorithms: [ES256] }`;
  gw.rewrite(quickstartYaml(echo.url, auth));
  await waitForLog(gw, (lines) => lines.find((l) => l.msg === 'config.reloaded'));

  const denied = await post(gw.url(), initBody, { accept: ACCEPT_BOTH });
  assert.equal(denied.status, 401);
  const challenge = denied.headers.get('www-authenticate');
  assert.match(challenge, /^Bearer /);
  assert.match(challenge, /resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/);
  const prm = await (await fetch(gw.url('main', '/.well-known/oauth-protected-resource/mcp'))).json();
  assert.equal(prm.resource, resource);
  assert.deepEqual(prm.authorization_servers, ['https://idp.example']);

  gw.rewrite('listeners: [ {name: main, port: "not a port"} ]\n');
  await waitForLog(gw, (lines) => lines.find((l) => l.msg === 'config.reload_rejected'));
  const still = await post(gw.url(), initBody, { accept: ACCEPT_BOTH });
  assert.equal(still.status, 401, 'the previous (authenticated) config still applies');
});

test('JWT: a valid token reaches the tools, forged and wrong-audience tokens do not', async (t) => {
  const echo = await startExample(t, 'echo');
  const dir = tempDir(t);
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256');
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
  // The audience must be the public URL; with port 0 it is not known before start, so the
  // route declares its public URL explicitly.
  const publicUrl = 'https://mcp.example/mcp';
  const auth = `    public_url: "${publicUrl}"
    auth:
      providers:
        - { name: idp, issuer: "https://idp.example", audience: "${publicUrl}", jwks_file: jwks.json, algorithms: [ES256] }`;
  const gw = await startGatehouse(t, quickstartYaml(echo.url, auth), { dir });
  const sign = (claims, key = privateKey) => new jose.SignJWT({ scope: 'mcp:tools', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp.example').setSubject('alice')
    .setIssuedAt().setExpirationTime('5m').sign(key);

  const token = await sign({ aud: publicUrl });
  const ok = await post(gw.url(), initBody, { accept: ACCEPT_BOTH, authorization: `Bearer ${token}` });
  assert.equal(ok.status, 200);

  const wrongAud = await sign({ aud: 'https://other.example/mcp' });
  const r1 = await post(gw.url(), initBody, { accept: ACCEPT_BOTH, authorization: `Bearer ${wrongAud}` });
  assert.equal(r1.status, 401);
  assert.match(r1.headers.get('www-authenticate'), /invalid_token/);

  const other = await jose.generateKeyPair('ES256');
  const forged = await sign({ aud: publicUrl }, other.privateKey);
  const r2 = await post(gw.url(), initBody, { accept: ACCEPT_BOTH, authorization: `Bearer ${forged}` });
  assert.equal(r2.status, 401);

  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ aud: publicUrl, sub: 'x', iss: 'https://idp.example' })).toString('base64url')}.`;
  const r3 = await post(gw.url(), initBody, { accept: ACCEPT_BOTH, authorization: `Bearer ${none}` });
  assert.equal(r3.status, 401);

  // The official SDK client with a token provider-less header reaches the tools.
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const client = new Client({ name: 'jwt-client', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.url()), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  }));
  t.after(() => client.close().catch(() => {}));
  const names = (await client.listTools()).tools.map((x) => x.name).sort();
  assert.deepEqual(names, ['echo_echo', 'time_get_time']);
});

test('SIGTERM drains and exits 0', async (t) => {
  const echo = await startExample(t, 'echo');
  const gw = await startGatehouse(t, quickstartYaml(echo.url));
  gw.proc.kill('SIGTERM');
  const { code } = await gw.exited;
  assert.equal(code, 0, gw.stderr());
  assert.ok(gw.logs().some((l) => l.msg === 'gatehouse.stopped'));
});
