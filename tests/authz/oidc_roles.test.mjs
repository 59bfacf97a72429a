// The seed scenario with tokens from a real authorization server (oidc-provider): an admin
// token may use echo, a user token only get_time; lists are filtered, a hidden tool answers
// like an unknown one, and a rule on the tool's arguments holds even for the admin.
// The same tokens against an embedded FGA model: roles become contextual tuples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startOidcProvider } from '../lib/oidc.mjs';
import { startExample, exampleCommand, freePort } from '../lib/server.mjs';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startGatehouse, tempDir } from '../lib/gatehouse.mjs';

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

// Issue 6's end-to-end case: an embedded OpenFGA model decides, with the token's roles as
// contextual tuples (`user:<sub> member role:<role>`) and a direct tuple for the client itself.
test('an FGA model decides with roles from oidc-provider tokens as contextual tuples', async (t) => {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const as = await startOidcProvider({ resource, roles: ['oncall'] });
  t.after(() => as.close());
  const oncallToken = await as.clientCredentialsToken();
  await as.restart({ roles: ['guest'] });
  const guestToken = await as.clientCredentialsToken();

  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'tools.fga'), `model
  schema 1.1
type user
type role
  relations
    define member: [user]
type tool
  relations
    define can_call: [user, role#member]
`);
  // The oncall role may call get_time; nobody may call echo except through a direct tuple,
  // and the direct tuple names another client: the machine client never gets echo.
  writeFileSync(path.join(dir, 'tuples.yaml'), `
- { user: "role:oncall#member", relation: can_call, object: "tool:time/get_time" }
- { user: "user:someone-else", relation: can_call, object: "tool:echo/echo" }
`);
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
    fga:
      model_file: ${path.join(dir, 'tools.fga')}
      tuples_file: ${path.join(dir, 'tuples.yaml')}
      check: { user: 'user:{identity.subject}', relation: can_call, object: 'tool:{mcp.target}/{mcp.tool}' }
backends:
  - name: tools
    targets:
      - { name: echo, http: { url: "${echo.url}" } }
      - name: time
        stdio: { command: "${time.command}", args: [${time.args.map((a) => JSON.stringify(a)).join(', ')}] }
`, { dir });

  const oncall = await connectWith(t, gw.url(), oncallToken);
  assert.deepEqual((await oncall.listTools()).tools.map((x) => x.name), ['time_get_time']);
  assert.equal((await oncall.callTool({ name: 'time_get_time', arguments: {} })).isError ?? false, false);
  await assert.rejects(oncall.callTool({ name: 'echo_echo', arguments: { text: 'hi' } }), /Unknown tool: echo_echo/);

  const guest = await connectWith(t, gw.url(), guestToken);
  assert.deepEqual((await guest.listTools()).tools, []);
  await assert.rejects(guest.callTool({ name: 'time_get_time', arguments: {} }), /Unknown tool: time_get_time/);

  const audit = gw.logs().filter((l) => l.policy === 'fga');
  assert.ok(audit.some((l) => l.decision === 'allow' && l.rule === 'user:machine can_call tool:time/get_time'),
    JSON.stringify(audit.slice(0, 3)));
  assert.ok(audit.some((l) => l.decision === 'deny' && l.reason === 'fga.no_relation'));
  // Same subject, other roles: the guest's denial of get_time was not answered from the
  // oncall's cached allow (the roles are part of the decision's cache key).
  assert.ok(audit.some((l) => l.decision === 'deny' && l.rule === 'user:machine can_call tool:time/get_time'));
});
