// The seed scenario with tokens from a real authorization server (oidc-provider): an admin
// token may use echo, a user token only get_time; lists are filtered, a hidden tool answers
// like an unknown one, and a rule on the tool's arguments holds even for the admin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startOidcProvider } from '../lib/oidc.mjs';
import { startExample, exampleCommand, freePort } from '../lib/server.mjs';
import { startGatehouse } from '../lib/gatehouse.mjs';

async function connectWith(t, url, token) {
  const client = new Client({ name: 'oidc-roles', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  }));
  t.after(() => client.close().catch(() => {}));
  return client;
}

test('roles from oidc-provider tokens decide tools (admin: echo and time; user: time only)', async (t) => {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const as = await startOidcProvider({ resource, roles: ['admin'] });
  t.after(() => as.close());
  const adminToken = await as.clientCredentialsToken();
  await as.restart({ roles: ['user'] });
  const userToken = await as.clientCredentialsToken();

  const echo = await startExample(t, 'echo');
  const time = exampleCommand('time', ['--stdio']);
  const gw = await startGatehouse(t, `
listeners: [ { name: main, address: 127.0.0.1, port: ${port} } ]
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    auth:
      providers:
        - { name: idp, issuer: "${as.issuer}", audience: "${resource}" }
    policy:
      allow:
        - { name: admin-echo, when: '"admin" in identity.roles && mcp.tool == "echo" && size(mcp.args.text) <= 40' }
        - { name: time-for-all, when: 'mcp.tool == "get_time"' }
backends:
  - name: tools
    targets:
      - { name: echo, http: { url: "${echo.url}" } }
      - name: time
        stdio: { command: "${time.command}", args: [${time.args.map((a) => JSON.stringify(a)).join(', ')}] }
`);

  const admin = await connectWith(t, gw.url(), adminToken);
  assert.deepEqual((await admin.listTools()).tools.map((x) => x.name).sort(), ['echo_echo', 'time_get_time']);
  assert.match(JSON.stringify((await admin.callTool({ name: 'echo_echo', arguments: { text: 'from the admin' } })).content),
    /from the admin/);
  await assert.rejects(admin.callTool({ name: 'echo_echo', arguments: { text: 'x'.repeat(41) } }), /Unknown tool/);

  const user = await connectWith(t, gw.url(), userToken);
  assert.deepEqual((await user.listTools()).tools.map((x) => x.name), ['time_get_time']);
  assert.equal((await user.callTool({ name: 'time_get_time', arguments: {} })).isError ?? false, false);
  await assert.rejects(user.callTool({ name: 'echo_echo', arguments: { text: 'hi' } }), /Unknown tool: echo_echo/);

  const audit = gw.logs().filter((l) => l.policy === 'cel');
  assert.ok(audit.some((l) => l.decision === 'deny' && l.resource === 'echo'));
  assert.ok(audit.some((l) => l.decision === 'allow' && l.rule === 'admin-echo'));
});
