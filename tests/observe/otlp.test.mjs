// Spans exported over OTLP/HTTP JSON to a loopback collector (a node http server that
// records every POST), decoded and checked field by field.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin } from './lib.mjs';

let server;
let url;
let posts = [];
let status = 200;

before(async () => {
  server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      posts.push({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${server.address().port}/v1/traces`;
});
after(() => new Promise((r) => server.close(r)));
beforeEach(() => { posts = []; status = 200; });

function traceSample(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin('gatehouse-trace-sample'), ['--url', url, ...args]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('trace-sample hung')); }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, result: out.trim() ? JSON.parse(out) : null, stderr: err });
    });
  });
}

const spansOf = (post) => {
  const doc = JSON.parse(post.body);
  return doc.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
};
const attrs = (span) => Object.fromEntries((span.attributes ?? []).map((a) => [a.key, a.value]));

const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

test('one request: five spans, continuing the caller trace, every field as OTLP/JSON', async () => {
  const { code, result, stderr } = await traceSample([
    '--traceparent', `00-${PARENT_TRACE}-${PARENT_SPAN}-01`, '--tracestate', 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE']);
  assert.equal(code, 0, stderr);
  assert.equal(result.exported, 5);
  assert.equal(result.failed, 0);
  assert.deepEqual(result.trace_ids, [PARENT_TRACE]);
  assert.ok(posts.length >= 1);
  for (const p of posts) {
    assert.equal(p.method, 'POST');
    assert.equal(p.path, '/v1/traces');
    assert.equal(p.headers['content-type'], 'application/json');
  }
  const doc = JSON.parse(posts[0].body);
  const resource = Object.fromEntries(doc.resourceSpans[0].resource.attributes.map((a) => [a.key, a.value]));
  assert.deepEqual(resource['service.name'], { stringValue: 'gatehouse' });
  assert.deepEqual(resource['service.version'], { stringValue: '0.1.0' });
  assert.equal(doc.resourceSpans[0].scopeSpans[0].scope.name, 'gatehouse');

  const spans = posts.flatMap(spansOf);
  assert.equal(spans.length, 5);
  const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
  const root = byName['POST /mcp'];
  assert.ok(root, JSON.stringify(spans.map((s) => s.name)));
  for (const s of spans) {
    assert.equal(s.traceId, PARENT_TRACE);
    assert.match(s.spanId, /^[0-9a-f]{16}$/);
    assert.notEqual(s.spanId, '0000000000000000');
    assert.match(s.startTimeUnixNano, /^\d{19}$/);
    assert.match(s.endTimeUnixNano, /^\d{19}$/);
    assert.ok(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano));
    const ageMs = Number(BigInt(Date.now()) * 1000000n - BigInt(s.startTimeUnixNano)) / 1e6;
    assert.ok(ageMs >= 0 && ageMs < 60_000, `start ${ageMs} ms ago`);
    assert.equal(s.traceState, 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
  }
  assert.equal(new Set(spans.map((s) => s.spanId)).size, 5, 'span ids unique');
  // The server span's parent is the caller's span; the others are its children.
  assert.equal(root.parentSpanId, PARENT_SPAN);
  assert.equal(root.kind, 2);
  for (const name of ['authenticate', 'authorize', 'tools/call get_forecast', 'tools/call flaky']) {
    assert.equal(byName[name].parentSpanId, root.spanId, name);
  }
  assert.equal(byName.authenticate.kind, 1);
  assert.equal(byName['tools/call get_forecast'].kind, 3);
  // Typed attributes.
  assert.deepEqual(attrs(root)['mcp.method.name'], { stringValue: 'tools/call' });
  assert.deepEqual(attrs(root)['http.response.status_code'], { intValue: '200' });
  const call = attrs(byName['tools/call get_forecast']);
  assert.deepEqual(call['gen_ai.tool.name'], { stringValue: 'get_forecast' });
  assert.deepEqual(call['gatehouse.retried'], { boolValue: false });
  assert.deepEqual(call['gatehouse.upstream.latency_ms'], { doubleValue: 12.5 });
  assert.deepEqual(attrs(byName.authorize)['gatehouse.authz.rule'], { stringValue: 'cel:allow-weather' });
  // Status: unset by default, error with its message.
  assert.deepEqual(root.status, {});
  assert.deepEqual(byName['tools/call flaky'].status, { code: 2, message: 'upstream timeout' });
  // What goes upstream names the client span, in the same trace, sampled.
  assert.equal(result.upstream_traceparent, `00-${PARENT_TRACE}-${byName['tools/call get_forecast'].spanId}-01`);
});

test('a new trace when there is no (or a malformed) traceparent', async () => {
  for (const tp of [[], ['--traceparent', '00-ZZZ']]) {
    posts = [];
    const { code, result } = await traceSample(tp);
    assert.equal(code, 0);
    const spans = posts.flatMap(spansOf);
    assert.equal(spans.length, 5);
    const root = spans.find((s) => s.name === 'POST /mcp');
    assert.equal(root.parentSpanId, undefined, 'root span has no parent');
    assert.equal(root.traceId, result.trace_ids[0]);
    assert.notEqual(root.traceId, PARENT_TRACE);
    assert.match(root.traceId, /^[0-9a-f]{32}$/);
  }
});

test('sampling: an unsampled caller and ratio 0 export nothing; ratio 0.5 about half', async () => {
  let r = await traceSample(['--traceparent', `00-${PARENT_TRACE}-${PARENT_SPAN}-00`]);
  assert.equal(r.code, 0);
  assert.equal(r.result.exported, 0);
  assert.equal(r.result.upstream_traceparent, `${r.result.upstream_traceparent.slice(0, 53)}00`, 'unsampled flag sent on');
  r = await traceSample(['--ratio', '0']);
  assert.equal(r.result.exported, 0);
  assert.equal(posts.length, 0);
  // A sampled caller wins over ratio 0 (parent-based).
  r = await traceSample(['--ratio', '0', '--traceparent', `00-${PARENT_TRACE}-${PARENT_SPAN}-01`]);
  assert.equal(r.result.exported, 5);
  posts = [];
  r = await traceSample(['--ratio', '0.5', '--requests', '200']);
  const traces = new Set(posts.flatMap(spansOf).map((s) => s.traceId));
  assert.ok(traces.size > 60 && traces.size < 140, `${traces.size} of 200 traces kept`);
  assert.equal(r.result.exported, traces.size * 5, 'whole traces are kept or dropped');
});

test('batches: many spans go in several POSTs of at most max_batch spans', async () => {
  const { code, result } = await traceSample(['--requests', '10']);
  assert.equal(code, 0);
  assert.equal(result.exported, 50);
  const sizes = posts.map((p) => spansOf(p).length);
  assert.ok(sizes.every((n) => n >= 1 && n <= 8), JSON.stringify(sizes));
  assert.equal(sizes.reduce((a, b) => a + b, 0), 50);
  assert.ok(posts.length >= 7);
});

test('a failing collector: spans are counted as failed, the process still ends', async () => {
  status = 503;
  const { code, result } = await traceSample(['--requests', '2']);
  assert.equal(code, 1);
  assert.equal(result.exported, 0);
  assert.equal(result.failed, 10);
  assert.ok(posts.length >= 1);
});

test('access and audit lines from the same process carry the exported trace ids', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-logs-'));
  try {
    const access = path.join(dir, 'access.log');
    const audit = path.join(dir, 'audit.log');
    const { code, result } = await traceSample(['--requests', '3', '--access-log', access, '--audit-log', audit]);
    assert.equal(code, 0);
    const accessText = fs.readFileSync(access, 'utf8');
    assert.ok(!accessText.includes('eyJ'), 'no token in the access log');
    assert.ok(!/bearer/i.test(accessText));
    assert.ok(!accessText.includes('sealed-session-id'), 'raw session ids never logged');
    const lines = accessText.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 3);
    const exportedTraces = new Set(posts.flatMap(spansOf).map((s) => s.traceId));
    for (const [i, l] of lines.entries()) {
      assert.equal(l.log, 'access');
      assert.match(l.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(l.route, '/mcp');
      assert.equal(l.method, 'POST');
      assert.equal(l.mcp_method, 'tools/call');
      assert.equal(l.target, 'weather');
      assert.equal(l.tool, 'get_forecast');
      assert.match(l.session, /^[0-9a-f]{12}$/);
      assert.equal(l.principal, 'alice');
      assert.equal(l.decision, 'allow');
      assert.equal(l.rule, 'cel:allow-weather');
      assert.equal(l.status, 200);
      assert.equal(typeof l.latency_ms, 'number');
      assert.equal(l.bytes_in, 187);
      assert.equal(l.bytes_out, 412);
      assert.equal(l.trace_id, result.trace_ids[i]);
      assert.ok(exportedTraces.has(l.trace_id), 'the access line points at an exported trace');
      assert.equal(l.remote, '127.0.0.1:50312');
      assert.deepEqual(l.headers, { 'user-agent': 'mcp-sdk/1.32.2', 'mcp-protocol-version': '2025-11-25' });
    }
    assert.equal(new Set(lines.map((l) => l.session)).size, 3);
    const auditLines = fs.readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(auditLines.length, 3);
    for (const [i, a] of auditLines.entries()) {
      assert.equal(a.log, 'audit');
      assert.equal(a.decision, 'allow');
      assert.equal(a.policy, 'cel');
      assert.equal(a.resource, 'get_forecast');
      assert.equal(a.session, lines[i].session, 'audit and access agree on the session tag');
      assert.equal(a.trace_id, lines[i].trace_id);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
