// A legacy HTTP+SSE (2024-11-05) MCP server behind the gateway, next to a Streamable HTTP one:
// the official SDK client (both eras) sees one server with both targets' tools and calls
// through to the legacy one, several calls at once over its one shared SSE connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectLegacyHttp, connectModernHttp } from '../lib/clients.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateMessageRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startExample, spawnTracked, freePort } from '../lib/server.mjs';
import { startGatehouse } from '../lib/gatehouse.mjs';

const reference = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'reference-server.mjs');

function yaml(sseUrl, httpUrl) {
  return `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes: [ { name: tools, listener: main, path: /mcp, backend: tools } ]
backends:
  - name: tools
    targets:
      - { name: old, sse: { url: "${sseUrl}" }, timeout: 5s }
      - { name: new, http: { url: "${httpUrl}" }, timeout: 5s }
`;
}

test('a legacy SSE target serves through the gateway in both eras', async (t) => {
  const legacy = await startExample(t, 'echo', 'sse');
  const modern = await startExample(t, 'time', 'http');
  const gw = await startGatehouse(t, yaml(legacy.url, modern.url));

  const c25 = await connectLegacyHttp(t, gw.url());
  assert.deepEqual((await c25.listTools()).tools.map((x) => x.name).sort(), ['new_get_time', 'old_echo']);
  const r = await c25.callTool({ name: 'old_echo', arguments: { text: 'via legacy sse' } });
  assert.match(JSON.stringify(r.content), /via legacy sse/);

  const c26 = await connectModernHttp(t, gw.url());
  const r2 = await c26.callTool({ name: 'old_echo', arguments: { text: 'modern client, legacy server' } });
  assert.match(JSON.stringify(r2.content), /modern client, legacy server/);

  // Several calls in flight over the one shared SSE connection: ids never cross.
  const texts = Array.from({ length: 10 }, (_, i) => `parallel-${i}`);
  const answers = await Promise.all(texts.map((text) => c25.callTool({ name: 'old_echo', arguments: { text } })));
  answers.forEach((a, i) => assert.match(JSON.stringify(a.content), new RegExp(texts[i])));
  assert.ok(gw.logs().some((l) => l.msg === 'upstream.sse.connected' && l.target === 'old'));
});

// What a legacy SSE target sends inside a call (logging, a sampling request) reaches the
// client that made the call; a client answering the sampling request completes the call.
test('a legacy SSE target: sampling and logging during a call reach the caller', async (t) => {
  const port = await freePort();
  const child = spawnTracked(t, process.execPath, [reference, '--tools', 'everything', '--sse', `127.0.0.1:${port}`]);
  const deadline = Date.now() + 10000;
  while (!/listening on/.test(child.stderr())) {
    if (Date.now() > deadline) throw new Error(`reference server did not start: ${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const gw = await startGatehouse(t, `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes: [ { name: tools, listener: main, path: /mcp, backend: tools } ]
backends:
  - name: tools
    targets: [ { name: old, sse: { url: "http://127.0.0.1:${port}/sse" }, timeout: 10s } ]
`);
  const client = await connectLegacyHttp(t, gw.url(), { capabilities: { sampling: {} } });
  let asked = null;
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    asked = req.params;
    return { role: 'assistant', content: { type: 'text', text: 'from the client' }, model: 'itest' };
  });
  const logs = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logs.push(n.params.data); });

  const sampled = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hello?' } });
  assert.ok(asked, 'sampling/createMessage reached the client');
  assert.equal(asked.messages[0].content.text, 'hello?');
  assert.match(JSON.stringify(sampled.content), /LLM response: from the client/);

  await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
  assert.deepEqual(logs, ['Tool execution started', 'Tool processing data', 'Tool execution completed']);
  assert.ok(!gw.logs().some((l) => l.msg === 'upstream.sse.unrelayed'), 'nothing was dropped');
});
