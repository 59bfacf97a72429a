// The metrics exposition checked by Prometheus' own tools: `promtool check metrics` on the
// text, and a real `prometheus` scraping it over HTTP every second, queried through its API.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin, run, spawnUntil, freePort, sleep, stop } from './lib.mjs';

const children = [];
const dirs = [];
after(async () => {
  for (const c of children) await stop(c);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const sample = () => {
  const r = run(bin('gatehouse-metrics-sample'), []);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};

test('promtool check metrics accepts the exposition (every type, escaped labels)', () => {
  const text = sample();
  // The sample really contains what we claim to check.
  assert.match(text, /^# TYPE gatehouse_upstream_latency_seconds histogram$/m);
  assert.match(text, /^# TYPE gatehouse_sessions_active gauge$/m);
  assert.match(text, /^# TYPE gatehouse_mcp_calls_total counter$/m);
  assert.ok(text.includes('tool="quote\\"back\\\\slash\\nnewline"'), 'escaped label value');
  assert.match(text, /^gatehouse_upstream_latency_seconds_bucket\{target="weather",le="\+Inf"\} 7$/m);
  const r = run('promtool', ['check', 'metrics'], text);
  assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
  assert.equal((r.stdout + r.stderr).trim(), '', 'no lint warnings either');
});

test('promtool rejects a broken exposition (the check can fail)', () => {
  const broken = sample().replace('tool="quote\\"back', 'tool="quote"back');
  const r = run('promtool', ['check', 'metrics'], broken);
  assert.notEqual(r.status, 0);
});

async function query(base, q) {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = await res.json();
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data.result;
}

test('a real Prometheus scrapes the endpoint and answers queries', { timeout: 120_000 }, async () => {
  const { child: exporter, match } = await spawnUntil(bin('gatehouse-metrics-sample'), ['--serve', '0'], /^listening (\d+)$/);
  children.push(exporter);
  const target = `127.0.0.1:${match[1]}`;
  // The endpoint itself answers with the right content type.
  const direct = await fetch(`http://${target}/metrics`);
  assert.equal(direct.status, 200);
  assert.match(direct.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-prom-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: gatehouse',
    '    static_configs:',
    `      - targets: ['${target}']`,
    '',
  ].join('\n'));
  const promPort = await freePort();
  const base = `http://127.0.0.1:${promPort}`;
  const prom = (await import('node:child_process')).spawn('prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(prom);
  let promLog = '';
  prom.stderr.on('data', (d) => { promLog += d; });

  // Wait until the scrape landed: up == 1 and our series are queryable.
  let up = [];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      up = await query(base, 'up{job="gatehouse"}');
      if (up.length && up[0].value[1] === '1') {
        const calls = await query(base, 'gatehouse_mcp_calls_total');
        if (calls.length) break;
      }
    } catch { /* not listening yet */ }
    await sleep(500);
  }
  assert.equal(up[0]?.value[1], '1', `target never up; prometheus log:\n${promLog}`);

  // Label values with quote, backslash and newline arrive intact.
  const escaped = await query(base, 'gatehouse_mcp_calls_total{outcome="denied"}');
  assert.equal(escaped.length, 1);
  assert.equal(escaped[0].metric.tool, 'quote"back\\slash\nnewline');
  assert.equal(escaped[0].value[1], '2');

  const buckets = await query(base, 'gatehouse_upstream_latency_seconds_bucket{target="weather",le="0.005"}');
  assert.equal(buckets[0]?.value[1], '3');
  const count = await query(base, 'gatehouse_upstream_latency_seconds_count');
  assert.equal(count[0]?.value[1], '7');
  const p50 = await query(base, 'histogram_quantile(0.5, gatehouse_upstream_latency_seconds_bucket)');
  const q = Number(p50[0].value[1]);
  // 7 observations, the 4th (0.03) lies in (0.025, 0.05]: interpolated to 0.0375.
  assert.ok(Math.abs(q - 0.0375) < 1e-9, `median ${q}`);
  const gauge = await query(base, 'gatehouse_sessions_active');
  assert.equal(gauge[0]?.value[1], '3');

  // Later scrapes see fresh values (the endpoint counts its own scrapes).
  const first = Number((await query(base, 'gatehouse_http_requests_total{route="/metrics"}'))[0].value[1]);
  await sleep(2_500);
  const later = Number((await query(base, 'gatehouse_http_requests_total{route="/metrics"}'))[0].value[1]);
  assert.ok(later > first, `${first} -> ${later}`);

  // Prometheus recorded no sample/format problems for the target.
  const targets = await (await fetch(`${base}/api/v1/targets`)).json();
  const t = targets.data.activeTargets.find((x) => x.labels.job === 'gatehouse');
  assert.equal(t.health, 'up');
  assert.equal(t.lastError, '');
});
