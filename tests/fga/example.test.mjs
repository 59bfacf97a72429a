// examples/fga/gateway.yaml as a user runs it: the gateway in front of the echo (HTTP) and
// time (stdio) examples with the platform model; the MCP SDK client, authenticated by API
// key, sees and calls exactly the tools the model allows (nested groups, a blocked group, a
// grant that holds from loopback only) and is refused the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startExample } from '../lib/server.mjs';
import { startGatehouse, tempDir, waitForLog } from '../lib/gatehouse.mjs';

const exampleDir = path.join(process.env.GATEHOUSE_SOURCE_DIR ?? path.resolve('../..'), 'examples', 'fga');

async function connectAs(t, url, key) {
  const client = new Client({ name: 'fga-example-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  }));
  t.after(() => client.close().catch(() => {}));
  return client;
}

const toolNames = async (c) => (await c.listTools()).tools.map((x) => x.name).sort();

test('the platform model decides who sees and calls which tool', async (t) => {
  // The example config unchanged, beside copies of its model and tuples (paths in it are
  // relative to the file); ports and the build folder come from its ${...} variables.
  const dir = tempDir(t);
  for (const f of ['platform.fga', 'platform-tuples.yaml']) copyFileSync(path.join(exampleDir, f), path.join(dir, f));
  const echo = await startExample(t, 'echo');
  const gw = await startGatehouse(t, readFileSync(path.join(exampleDir, 'gateway.yaml'), 'utf8'), {
    dir,
    env: {
      GATEHOUSE_PORT: '0', GATEHOUSE_ADMIN_PORT: '0', ECHO_PORT: String(echo.port),
      GATEHOUSE_BUILD: process.env.GATEHOUSE_BUILD_DIR,
    },
  });

  // alice: group backend inside engineering, which is a member of the owning team.
  const alice = await connectAs(t, gw.url(), 'alice-key');
  assert.deepEqual(await toolNames(alice), ['echo_echo', 'time_get_time']);
  const r = await alice.callTool({ name: 'echo_echo', arguments: { text: 'nested groups' } });
  assert.match(JSON.stringify(r.content), /nested groups/);
  const time = await alice.callTool({ name: 'time_get_time', arguments: {} });
  assert.equal(time.isError ?? false, false);

  // carol: in engineering, but a contractor, and contractors are blocked on get_time.
  const carol = await connectAs(t, gw.url(), 'carol-key');
  assert.deepEqual(await toolNames(carol), ['echo_echo']);
  await assert.rejects(carol.callTool({ name: 'time_get_time', arguments: {} }), /Unknown tool: time_get_time/);

  // erin: granted the time server from 127.0.0.0/8 (this client's address) only.
  const erin = await connectAs(t, gw.url(), 'erin-key');
  assert.deepEqual(await toolNames(erin), ['time_get_time']);

  // bob: his grant on echo holds from 10.0.0.0/8 only, so from loopback he gets nothing.
  const bob = await connectAs(t, gw.url(), 'bob-key');
  assert.deepEqual(await toolNames(bob), []);
  await assert.rejects(bob.callTool({ name: 'echo_echo', arguments: { text: 'x' } }), /Unknown tool: echo_echo/);

  // A key the config does not know is refused before any relationship check.
  await assert.rejects(connectAs(t, gw.url(), 'mallory-key'), /unknown API key/);

  const audit = await waitForLog(gw, (lines) => {
    const a = lines.filter((l) => l.policy === 'fga');
    return a.some((l) => l.rule === 'user:bob can_call tool:echo/echo' && l.decision === 'deny') ? a : null;
  });
  assert.ok(audit.some((l) => l.rule === 'user:alice can_call tool:time/get_time' && l.decision === 'allow'));
  assert.ok(audit.some((l) => l.rule === 'user:carol can_call tool:time/get_time' && l.decision === 'deny'));
});
