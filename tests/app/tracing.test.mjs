// W3C trace context through the gatehouse binary: a client's traceparent is continued (same
// trace id), the upstream receives the gateway's span as parent, the span is exported over
// OTLP/HTTP JSON to a loopback collector with the MCP attributes, and the access-log line
// carries the trace id.
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startGatehouse, waitForLog } from '../lib/gatehouse.mjs';
import { post, LEGACY_VERSION } from '../lib/raw.mjs';
import { recordingUpstream } from '../lib/recording_upstream.mjs';

async function collector(t) {
  const batches = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      batches.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const spans = () => batches.flatMap((b) => b.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
  return { url: `http://127.0.0.1:${server.address().port}/v1/traces`, batches, spans };
}

test('a call is traced: client trace continued, upstream told, span exported, trace id logged', async (t) => {
  const upstream = await recordingUpstream(t);
  const otlp = await collector(t);
  const gw = await startGatehouse(t, `
listeners: [ { name: main, address: 127.0.0.1, port: 0 } ]
routes:
  - name: tools
    listener: main
    path: /mcp
    backend: tools
    auth: { providers: [ { name: keys, api_keys: [ { name: tracer, sha256: "${createHash('sha256').update('trace-key').digest('hex')}" } ] } ] }
    policy: { allow: [ { name: ping-for-all, when: 'mcp.tool == "ping" || mcp.method != "tools/call"' } ] }
backends:
  - name: tools
    targets: [ { name: rec, http: { url: "${upstream.url}" } } ]
telemetry:
  otlp_url: ${otlp.url}
  sample_ratio: 1
  service_name: gatehouse-test
`);
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const tp = `00-${traceId}-00f067aa0ba902b7-01`;
  const key = { authorization: 'Bearer trace-key' };
  const init = await post(gw.url(), {
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'trace', version: '1' } },
  }, key);
  const headers = { ...key, 'mcp-session-id': init.headers.get('mcp-session-id'), 'mcp-protocol-version': LEGACY_VERSION };
  const call = await post(gw.url(), { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ping', arguments: {} } },
    { ...headers, traceparent: tp });
  assert.equal(call.json.result.content[0].text, 'pong');

  // The upstream saw the same trace with the gateway's span as parent (not the client's).
  const upstreamCall = upstream.seen.find((s) => s.method === 'tools/call');
  assert.match(upstreamCall.traceparent, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  const gatewaySpanId = upstreamCall.traceparent.split('-')[2];
  assert.notEqual(gatewaySpanId, '00f067aa0ba902b7');

  // Exported (batched; the exporter flushes within its interval).
  const deadline = Date.now() + 10000;
  let span;
  while (!span && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    span = otlp.spans().find((s) => s.name === 'mcp tools/call');
  }
  assert.ok(span, 'the tools/call span reached the collector');
  assert.equal(otlp.batches[0].path, '/v1/traces');
  assert.match(otlp.batches[0].type, /application\/json/);
  assert.equal(span.traceId.toLowerCase(), traceId);
  assert.equal(span.spanId.toLowerCase(), gatewaySpanId);
  assert.equal(span.parentSpanId.toLowerCase(), '00f067aa0ba902b7');
  const attrs = Object.fromEntries(span.attributes.map((a) => [a.key, Object.values(a.value)[0]]));
  assert.equal(attrs['mcp.method.name'], 'tools/call');
  assert.equal(attrs['gen_ai.tool.name'], 'ping');
  assert.equal(attrs['gatehouse.target'], 'rec');
  // Children of the request span: the policies that ran, then the call upstream, in time.
  let children = [];
  while (children.length < 3 && Date.now() < deadline) {
    children = otlp.spans().filter((s) => s.parentSpanId?.toLowerCase() === gatewaySpanId);
    if (children.length < 3) await new Promise((r) => setTimeout(r, 200));
  }
  const byName = Object.fromEntries(children.map((c) => [c.name, c]));
  assert.deepEqual(Object.keys(byName).sort(), ['policy authn', 'policy rules', 'upstream tools/call']);
  const up = byName['upstream tools/call'];
  assert.equal(up.kind, 3, 'SPAN_KIND_CLIENT');
  assert.equal(up.traceId.toLowerCase(), traceId);
  const ns = (v) => BigInt(v);
  for (const c of children) {
    assert.ok(ns(c.startTimeUnixNano) >= ns(span.startTimeUnixNano) && ns(c.endTimeUnixNano) <= ns(span.endTimeUnixNano),
      `${c.name} lies within the request span`);
  }
  assert.ok(ns(byName['policy authn'].endTimeUnixNano) <= ns(up.startTimeUnixNano), 'authn runs before the upstream call');
  const upAttrs = Object.fromEntries(up.attributes.map((a) => [a.key, Object.values(a.value)[0]]));
  assert.equal(upAttrs['gatehouse.target'], 'rec');
  const resource = otlp.batches[0].body.resourceSpans[0].resource.attributes;
  assert.ok(resource.some((a) => a.key === 'service.name' && a.value.stringValue === 'gatehouse-test'));

  const line = await waitForLog(gw, (lines) => lines.find((l) => l.log === 'access' && l.mcp_method === 'tools/call'));
  assert.equal(line.trace_id, traceId);
});
