// CEL role rules through the real gateway with the official MCP SDK client: the seed scenario
// (the admin role may use echo, the user role only get_time), lists filtered by the same rules,
// a denied tool indistinguishable from an unknown one, tool arguments in rules, audit records,
// rules changed without a restart, and `gatehouse policy test` on the shipped example.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startExample, exampleCommand } from '../lib/server.mjs';
import { gatehouseBinary, startGatehouse, waitForLog } from '../lib/gatehouse.mjs';

const ADMIN_KEY = 'admin-key-for-the-quickstart';
const USER_KEY = 'user-key-for-the-quickstart';

function secureYaml(echoUrl, rules) {
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
            - { name: admin, sha256: "ce2ed8e5446cfb982fad7f4bf52df1f14b9d6c98a63bb7dd3836d91c7f54df23", roles: [admin] }
            - { name: user, sha256: "5b24806f649a68679155b08cdbc5e085905f4f4eb1486e1cb9f529a2c524880c", roles: [user] }
    policy:
${rules}
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

const SEED_RULES = `      allow:
        - { name: admin-echo, when: '"admin" in identity.roles && mcp.tool == "echo" && size(mcp.args.text) < 20' }
        - { name: time-for-all, when: 'mcp.tool == "get_time"' }`;

async function connectAs(t, url, key) {
  const client = new Client({ name: `policy-${key.slice(0, 5)}`, version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  }));
  t.after(() => client.close().catch(() => {}));
  return client;
}

const toolNames = async (c) => (await c.listTools()).tools.map((x) => x.name).sort();

test('roles decide which tools a caller sees and may call', async (t) => {
  const echo = await startExample(t, 'echo');
  const gw = await startGatehouse(t, secureYaml(echo.url, SEED_RULES));

  const admin = await connectAs(t, gw.url(), ADMIN_KEY);
  assert.deepEqual(await toolNames(admin), ['echo_echo', 'time_get_time']);
  const echoed = await admin.callTool({ name: 'echo_echo', arguments: { text: 'short' } });
  assert.match(JSON.stringify(echoed.content), /short/);

  // Tool arguments are visible to rules: a long text is refused even for the admin.
  await assert.rejects(admin.callTool({ name: 'echo_echo', arguments: { text: 'x'.repeat(50) } }),
    /Unknown tool: echo_echo/);

  const user = await connectAs(t, gw.url(), USER_KEY);
  assert.deepEqual(await toolNames(user), ['time_get_time']);
  const time = await user.callTool({ name: 'time_get_time', arguments: {} });
  assert.equal(time.isError ?? false, false);

  // A hidden tool looks exactly like a tool that does not exist.
  const denied = await user.callTool({ name: 'echo_echo', arguments: { text: 'hi' } }).catch((e) => e);
  const unknown = await user.callTool({ name: 'echo_nosuchtool', arguments: {} }).catch((e) => e);
  assert.equal(denied.code, unknown.code);
  assert.equal(denied.message.replace('echo_echo', 'X'), unknown.message.replace('echo_nosuchtool', 'X'));

  // Every decision is an audit record, the rule that decided named.
  const audit = await waitForLog(gw, (lines) => {
    const a = lines.filter((l) => l.policy === 'cel');
    return a.some((l) => l.decision === 'deny') && a.some((l) => l.rule === 'admin-echo') ? a : null;
  });
  assert.ok(audit.every((l) => l.action === 'tools/call' && l.target));
  assert.ok(!gw.stderr().includes(ADMIN_KEY) && !gw.stderr().includes(USER_KEY), 'keys are never logged');

  // Access log and metrics carry the decision.
  const lines = gw.logs().filter((l) => l.mcp_method === 'tools/call' && l.decision === 'deny');
  assert.ok(lines.length >= 1);
  // The access log names who called (the key's name), not the session-binding digest.
  assert.deepEqual([...new Set(lines.map((l) => l.principal))].sort(), ['admin', 'user']);
  // A request without a key: counted as authentication missing, under no provider.
  const anonymous = await fetch(gw.url(), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
  assert.equal(anonymous.status, 401);
  const metrics = await (await fetch(gw.adminUrl('/metrics'))).text();
  assert.match(metrics, /gatehouse_authz_total\{policy="rules",decision="deny"\} [1-9]/);
  // Authentication outcomes are labelled by the method that decided, not by the route.
  assert.match(metrics, /gatehouse_authn_total\{provider="api_key",outcome="ok"\} [1-9]/);
  assert.match(metrics, /gatehouse_authn_total\{provider="none",outcome="missing"\} 1\b/);
  assert.doesNotMatch(metrics, /gatehouse_authn_total\{provider="tools"/);
});

test('rules change without a restart; a rule that does not compile is refused', async (t) => {
  const echo = await startExample(t, 'echo');
  const gw = await startGatehouse(t, secureYaml(echo.url, SEED_RULES));
  const user = await connectAs(t, gw.url(), USER_KEY);
  assert.deepEqual(await toolNames(user), ['time_get_time']);

  gw.rewrite(secureYaml(echo.url, `      allow:
        - { name: users-too, when: '"user" in identity.roles || "admin" in identity.roles' }`));
  await waitForLog(gw, (lines) => lines.find((l) => l.msg === 'config.reloaded'));
  assert.deepEqual(await toolNames(user), ['echo_echo', 'time_get_time']);

  gw.rewrite(secureYaml(echo.url, `      allow:
        - { name: typo, when: '"user" in identity.rolez' }`));
  const rejected = await waitForLog(gw, (lines) => lines.find((l) => l.msg === 'config.reload_rejected'));
  assert.match(rejected.error, /gatehouse\.yaml:\d+:\d+: routes\[0\]\.policy\.allow\[0\]\.when: no field 'rolez' in identity/);
  assert.deepEqual(await toolNames(user), ['echo_echo', 'time_get_time'], 'the last good rules keep serving');
});

test('gatehouse policy test runs the shipped example and reports a failing case', () => {
  const source = process.env.GATEHOUSE_SOURCE_DIR ?? path.resolve('..');
  const ok = spawnSync(gatehouseBinary(), ['policy', 'test', path.join(source, 'examples/policies/quickstart.test.yaml')],
    { encoding: 'utf8', env: { ...process.env, GATEHOUSE_BUILD: process.env.GATEHOUSE_BUILD_DIR } });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /5 passed, 0 failed/);
  assert.match(ok.stdout, /ok {4}user may not echo: deny/);
});
