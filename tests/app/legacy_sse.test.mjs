// A legacy HTTP+SSE (2024-11-05) MCP server behind the gateway, next to a Streamable HTTP one:
// the official SDK client (both eras) sees one server with both targets' tools and calls
// through to the legacy one, several calls at once over its one shared SSE connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectLegacyHttp, connectModernHttp } from '../lib/clients.mjs';
import { startExample } from '../lib/server.mjs';
import { startGatehouse } from '../lib/gatehouse.mjs';

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
