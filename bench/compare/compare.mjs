#!/usr/bin/env node
// Side-by-side benchmark: the same MCP load, on this machine, through
//   (a) direct      the echo backend (C++ SDK example) alone
//   (b) nginx       a plain reverse proxy hop (the floor for any proxy)
//   (c) passthrough Gatehouse with one target and no policies
//   (d) full chain  Gatehouse with JWT, CEL rules, an FGA check, a rate limit, access log, metrics
//   (e) node proxy  mcp-proxy (npm) in front of the same echo server over stdio
// For each: requests/s and latency from gatehouse-loadgen, CPU seconds per 1,000 requests and
// peak RSS of the proxy's processes (from /proc), ratios against (a) and (b).
// Scenarios: small, payload32k, list1/8/64 (closed loop); rate1000 (open loop at 1,000 req/s:
// latency added over direct at moderate load); sse (an answer streamed as SSE: progress, then
// the result); sessions1k/sessions10k (that many idle sessions: RSS per session, then one call
// each); tls-new (one request per new TLS connection: handshakes/s and CPU per handshake) and
// tls-keepalive (the same over kept TLS connections), for nginx, passthrough and the full chain;
// fanout1/8/64 (ONE tools/list at a time, 1 connection, over 1, 8, 64 targets that each answer
// tools/list after --fanout-delay-ms, as remote servers would: the fan-out's own cost, not the
// shared cores'). Not in `all`: soak (--soak-minutes, default 10, of open-loop load at
// --soak-rate with a mix of calls, lists and session churn, the proxy's VmRSS/RssAnon sampled
// every --soak-sample-s: is there growth?), for passthrough and the full chain.
// Usage: node bench/compare/compare.mjs [--build DIR] [--duration S] [--connections N]
//          [--scenarios small,payload32k,...|all|soak] [--only direct,nginx,...] [--json FILE]
//          [--fanout-delay-ms MS] [--soak-minutes M] [--soak-rate RPS] [--soak-mix SPEC] [--soak-sample-s S]
import { spawn, execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
  return acc;
}, []));
const build = path.resolve(args.build ?? path.join(root, 'build'));
const duration = Number(args.duration ?? 5);
const connections = Number(args.connections ?? 16);
const allScenarios = ['small', 'payload32k', 'list1', 'list8', 'list64', 'rate1000', 'sse', 'sessions1k',
  'sessions10k', 'tls-new', 'tls-keepalive', 'fanout1', 'fanout8', 'fanout64'];
const extraScenarios = ['soak'];  // explicit only: it takes --soak-minutes
const scenarios = (!args.scenarios || args.scenarios === 'all' ? allScenarios.join(',') : args.scenarios).split(',');
for (const sc of scenarios) if (!allScenarios.includes(sc) && !extraScenarios.includes(sc)) throw new Error(`unknown scenario ${sc}`);
const fanoutDelayMs = Number(args['fanout-delay-ms'] ?? 5);
const soakMinutes = Number(args['soak-minutes'] ?? 10);
const soakRate = Number(args['soak-rate'] ?? 2000);
const soakMix = args['soak-mix'] ?? 'call:89,list:10,churn:1';
const soakSampleS = Number(args['soak-sample-s'] ?? 10);
const soakWarmupS = 10;
const fanoutTargets = (sc) => (/^fanout(\d+)$/.exec(sc) ? Number(sc.slice(6)) : 0);
const targetCount = (sc) => fanoutTargets(sc) || ({ list8: 8, list64: 64 })[sc] || 1;
const sessionCount = (sc) => ({ sessions1k: 1000, sessions10k: 10000 })[sc] ?? 0;
const rateOf = (sc) => (/^rate(\d+)$/.exec(sc) ? Number(sc.slice(4)) : 0);
const only = args.only ? args.only.split(',') : null;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
const children = new Set();
process.on('exit', () => { for (const c of children) { try { process.kill(-c.pid, 'SIGKILL'); } catch {} } });
process.on('SIGINT', () => process.exit(130));

const bin = (rel) => {
  const p = path.join(build, rel);
  if (!existsSync(p)) throw new Error(`missing ${p}: build first (make build)`);
  return p;
};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function waitPort(port, ms = 15000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((r) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => { s.destroy(); r(true); });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

let logCount = 0;
function start(command, argv, opts = {}) {
  // Own process group, so the whole tree (nginx workers, stdio children) is measured and killed.
  // stderr goes to a file: this process blocks in the load generator while measuring, and a
  // pipe nobody drains would stall the server under test once it filled.
  const logFile = path.join(tmp, `proc-${++logCount}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(command, argv, { stdio: ['ignore', 'ignore', fd], detached: true, ...opts });
  closeSync(fd);
  children.add(child);
  child.on('exit', () => children.delete(child));
  const stderr = () => { try { return readFileSync(logFile, 'utf8').slice(-10000); } catch { return ''; } };
  return { child, stderr, stop: () => { try { process.kill(-child.pid, 'SIGTERM'); } catch {} } };
}

// CPU ticks, peak and current RSS (and its anonymous part) of a process group (every process
// whose pgid is the leader's pid), leaving out processes named `exclude` (the Node peer's
// stdio echo children: the backend, which no other setup counts).
function groupUsage(pgid, exclude) {
  let ticks = 0; let hwmKb = 0; let rssKb = 0; let anonKb = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;  // field 5: pgrp
      if (exclude && stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === exclude) continue;
      ticks += Number(fields[11]) + Number(fields[12]);  // utime + stime
      const status = readFileSync(`/proc/${d}/status`, 'utf8');
      const m = /VmHWM:\s+(\d+)/.exec(status);
      if (m) hwmKb += Number(m[1]);
      const r = /VmRSS:\s+(\d+)/.exec(status);
      if (r) rssKb += Number(r[1]);
      const a = /RssAnon:\s+(\d+)/.exec(status);
      if (a) anonKb += Number(a[1]);
    } catch { /* exited */ }
  }
  return { cpuSeconds: ticks / 100, peakRssMb: hwmKb / 1024, rssMb: rssKb / 1024, rssKb, anonKb };
}

function loadgenArgs(url, scenario, bearer) {
  // fanout*: one tools/list at a time (closed loop, one connection): its latency, not throughput.
  const conns = fanoutTargets(scenario) ? 1 : connections;
  const argv = ['--url', url, '--connections', String(conns), '--json'];
  if (bearer) argv.push('--bearer', bearer);
  if (scenario === 'soak') {
    return [...argv, '--rate', String(soakRate), '--mix', soakMix, '--duration', String(soakMinutes * 60),
      '--warmup', String(soakWarmupS)];
  }
  if (scenario.startsWith('list') || fanoutTargets(scenario)) argv.push('--method', 'tools/list');
  else argv.push('--method', 'tools/call', '--tool', scenario === 'sse' ? 'echo_stream' : 'echo');
  if (scenario === 'payload32k') argv.push('--payload', '32768');
  if (scenario === 'sse') argv.push('--progress');
  if (rateOf(scenario)) argv.push('--rate', String(rateOf(scenario)));
  if (scenario === 'tls-new') argv.push('--new-connection');
  if (sessionCount(scenario)) argv.push('--sessions', String(sessionCount(scenario)), '--hold', '2');
  else argv.push('--duration', String(duration), '--warmup', '1');
  return argv;
}

function loadgen(url, scenario, bearer) {
  const out = execFileSync(bin('bench/loadgen/gatehouse-loadgen'), loadgenArgs(url, scenario, bearer),
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop());
}

// Sessions scenarios: the load generator opens the sessions, says so on its first line, holds
// them idle for 2 s (RSS is sampled 1 s in), then makes one call in each.
function loadgenSessions(url, scenario, bearer, group) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin('bench/loadgen/gatehouse-loadgen'), loadgenArgs(url, scenario, bearer),
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = ''; let idle = null; let timer = null;
    child.stdout.on('data', (d) => {
      out += d;
      if (!idle && out.includes('\n')) {
        const first = JSON.parse(out.slice(0, out.indexOf('\n')));
        timer = setTimeout(() => { idle = { ...first, rss_idle_mb: groupUsage(group).rssMb }; }, 1000);
        idle = { pending: true };
      }
    });
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      const lines = out.trim().split('\n');
      if (lines.length < 2 || !idle || idle.pending) { reject(new Error(`sessions run failed: ${out.slice(0, 300)}`)); return; }
      resolve({ ...JSON.parse(lines[lines.length - 1]), idle });
    });
  });
}

// Soak: the load generator runs for --soak-minutes (after a warm-up) while the proxy's RSS is
// sampled every --soak-sample-s; the summary is computed from the samples after the warm-up.
function loadgenSoak(url, bearer, group) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin('bench/loadgen/gatehouse-loadgen'), loadgenArgs(url, 'soak', bearer),
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const t0 = Date.now();
    const samples = [];
    const sample = () => {
      const u = groupUsage(group);
      samples.push({ t_s: (Date.now() - t0) / 1000, rss_kb: u.rssKb, anon_kb: u.anonKb });
    };
    sample();
    const timer = setInterval(sample, soakSampleS * 1000);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('error', (e) => { clearInterval(timer); reject(e); });
    child.on('exit', () => {
      clearInterval(timer);
      sample();
      const last = out.trim().split('\n').pop();
      try { resolve({ ...JSON.parse(last), samples }); } catch { reject(new Error(`soak run failed: ${out.slice(0, 300)}`)); }
    });
  });
}

// Least-squares slope of y over t (per minute); null with fewer than two points.
function slopePerMinute(points, key) {
  if (points.length < 2) return null;
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t_s, 0) / n;
  const my = points.reduce((a, p) => a + p[key], 0) / n;
  let num = 0; let den = 0;
  for (const p of points) { num += (p.t_s - mt) * (p[key] - my); den += (p.t_s - mt) ** 2; }
  return den ? (num / den) * 60 : null;
}

// First minute after the warm-up, last minute, max, and the slope over the samples after the
// first minute (all of them after the warm-up if the run is too short for that).
function soakSummary(samples) {
  const warm = samples.filter((p) => p.t_s >= soakWarmupS);
  const end = warm.length ? warm[warm.length - 1].t_s : 0;
  const mean = (ps, key) => (ps.length ? ps.reduce((a, p) => a + p[key], 0) / ps.length : NaN);
  const first = warm.filter((p) => p.t_s <= soakWarmupS + 60);
  const last = warm.filter((p) => p.t_s >= end - 60);
  let trend = warm.filter((p) => p.t_s > soakWarmupS + 60);
  const trendFrom = trend.length >= 3 ? 'after the first minute' : 'all samples after the warm-up';
  if (trend.length < 3) trend = warm;
  return {
    samples: warm.length,
    first_min_rss_mb: mean(first, 'rss_kb') / 1024, last_min_rss_mb: mean(last, 'rss_kb') / 1024,
    max_rss_mb: Math.max(...warm.map((p) => p.rss_kb)) / 1024,
    first_min_anon_mb: mean(first, 'anon_kb') / 1024, last_min_anon_mb: mean(last, 'anon_kb') / 1024,
    max_anon_mb: Math.max(...warm.map((p) => p.anon_kb)) / 1024,
    slope_rss_kb_per_min: slopePerMinute(trend, 'rss_kb'), slope_anon_kb_per_min: slopePerMinute(trend, 'anon_kb'),
    slope_over: trendFrom,
  };
}

// ECDSA P-256 server certificate for the TLS scenarios (self-signed; the load generator does
// not verify), made once with the openssl command line.
let certFiles = null;
function serverCertificate() {
  if (certFiles) return certFiles;
  const key = path.join(tmp, 'server.key'); const cert = path.join(tmp, 'server.crt');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  execFileSync('openssl', ['req', '-x509', '-new', '-key', key, '-out', cert, '-days', '7', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  certFiles = { key, cert };
  return certFiles;
}

function gatehouseConfig(name, port, adminPort, targets, full, tls) {
  const targetLines = targets.map((t) => `      - name: ${t.name}\n        http: { url: "${t.url}" }\n        timeout: 10s`).join('\n');
  const extra = full ? fullChainRoute(`${tls ? 'https' : 'http'}://127.0.0.1:${port}/mcp`) : '';
  const yaml = `listeners:
  - name: main
    address: 127.0.0.1
    port: ${port}
    threads: 1
${tls ? `    tls: { cert: "${serverCertificate().cert}", key: "${serverCertificate().key}" }\n` : ''}routes:
  - name: bench
    listener: main
    path: /mcp
    backend: echo
${extra}
backends:
  - name: echo
    prefix: auto
    failure: closed
    targets:
${targetLines}
admin:
  address: 127.0.0.1
  port: ${adminPort}
log:
  level: warn
  access: ${full ? 'true' : 'false'}
${full ? `telemetry:\n  access_log: ${path.join(tmp, name + '.access.log')}\n  audit_log: ""\n` : ''}`;
  const file = path.join(tmp, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

function nginxConfig(port, tlsPort, backendPort) {
  const { cert, key } = serverCertificate();
  const dir = path.join(tmp, 'nginx');
  execFileSync('mkdir', ['-p', dir]);
  const conf = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;  # the default (1000) closes client connections mid-run
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    client_max_body_size 8m;
    # Bodies above the default 16 KB buffer go to a temporary file (and a warning per request
    # in the error log): the 32 KB scenario ran at ~1/10 of direct. Keep them in memory, as
    # the gateway does.
    client_body_buffer_size 1m;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host 127.0.0.1:${backendPort};  # the backend checks Host (DNS rebinding)
      proxy_buffering off;
    }
  }
}
`;
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  return path.join(dir, 'nginx.conf');
}

async function measure(label, url, group, scenario, bearer, exclude, backendGroup) {
  const before = group ? groupUsage(group, exclude) : null;
  if (scenario === 'soak') {
    const r = await loadgenSoak(url, bearer, group);
    const after = groupUsage(group, exclude);
    const cpu = after.cpuSeconds - before.cpuSeconds;
    return { label, scenario, ...r, minutes: soakMinutes, offered_rps: soakRate, mix: soakMix, ...soakSummary(r.samples),
      cpu_s_per_1k: (cpu / (r.requests * (soakMinutes * 60 + soakWarmupS) / (soakMinutes * 60))) * 1000,
      peak_rss_mb: after.peakRssMb };
  }
  if (sessionCount(scenario)) {
    const r = await loadgenSessions(url, scenario, bearer, group);
    const { idle, ...rest } = r;
    const n = idle.sessions;
    return { label, scenario, ...rest, sessions: n, init_s: idle.init_s, rss_before_mb: before.rssMb,
      rss_idle_mb: idle.rss_idle_mb, kb_per_session: ((idle.rss_idle_mb - before.rssMb) * 1024) / n,
      peak_rss_mb: groupUsage(group).peakRssMb };
  }
  const backendBefore = backendGroup ? groupUsage(backendGroup) : null;
  const r = loadgen(url, scenario, bearer);
  const after = group ? groupUsage(group, exclude) : null;
  const cpu = group ? (after.cpuSeconds - before.cpuSeconds) : NaN;
  // Warmup requests are not in r.requests; count them in CPU per request only roughly (1 s of 1+duration).
  const served = r.requests * (duration + 1) / duration;
  const extra = scenario === 'tls-new' && group ? { cpu_ms_per_connection: (cpu / r.connections) * 1000 } : {};
  // fanout*: the targets' CPU (all of them are one delayed echo process on these cores).
  if (backendGroup) extra.backend_cpu_s_per_1k = ((groupUsage(backendGroup).cpuSeconds - backendBefore.cpuSeconds) / served) * 1000;
  return { label, scenario, ...r, ...extra, cpu_s_per_1k: group ? (cpu / served) * 1000 : null, peak_rss_mb: after?.peakRssMb ?? null };
}

// Which setups run which scenarios: fan-out means something only for Gatehouse (the others
// have one backend; direct answers fanout1, the baseline); TLS compares the TLS terminators
// (the echo backend has no TLS); the Node peer starts a stdio child per session, so thousands
// of sessions are not attempted; the soak is Gatehouse's (the aim is its memory).
function applies(setup, scenario) {
  if (scenario.startsWith('list') && scenario !== 'list1') return !!setup.perScenario;
  if (fanoutTargets(scenario)) return !!setup.perScenario || (setup.name === 'direct' && scenario === 'fanout1');
  if (scenario === 'soak') return !!setup.perScenario;
  if (scenario.startsWith('tls')) return setup.name === 'nginx' || setup.name === 'passthrough' || setup.name === 'full-chain';
  if (sessionCount(scenario)) return setup.name !== 'node-proxy';
  return true;
}

async function main() {
  const results = [];
  const echoPort = await freePort();
  const echo = start(bin('examples/echo/gatehouse-echo'), ['--http', `127.0.0.1:${echoPort}`, '--max-sessions', '1000000', '--stream-tool']);
  await waitPort(echoPort);
  const direct = `http://127.0.0.1:${echoPort}/mcp`;

  // fanout*: a second echo whose tools/list answers after --fanout-delay-ms (a timer, not a
  // sleeping thread), started when first needed; every target of those scenarios is it.
  let delayed = null;
  const delayedEcho = async () => {
    if (delayed) return delayed;
    const port = await freePort();
    const proc = start(bin('examples/echo/gatehouse-echo'), ['--http', `127.0.0.1:${port}`, '--max-sessions', '1000000',
      '--delay-ms', String(fanoutDelayMs)]);
    await waitPort(port);
    delayed = { proc, url: `http://127.0.0.1:${port}/mcp` };
    return delayed;
  };

  const setups = [];
  setups.push({
    name: 'direct',
    async up(scenario) { this.delayedUrl = fanoutTargets(scenario) ? (await delayedEcho()).url : null; },
    url(scenario) { return fanoutTargets(scenario) ? this.delayedUrl : direct; },
    get group() { return fanoutTargets(this.scenario) ? delayed.proc.child.pid : echo.child.pid; },
    perScenarioUp: true,
  });
  setups.push({
    name: 'nginx',
    async up() {
      const port = await freePort();
      const tlsPort = await freePort();
      const conf = nginxConfig(port, tlsPort, echoPort);
      this.proc = start('/usr/sbin/nginx', ['-c', conf, '-p', path.dirname(conf)]);
      await waitPort(port);
      this.u = `http://127.0.0.1:${port}/mcp`;
      this.tlsU = `https://127.0.0.1:${tlsPort}/mcp`;
    },
    url(scenario) { return scenario.startsWith('tls') ? this.tlsU : this.u; },
    get group() { return this.proc.child.pid; },
  });
  for (const [name, full] of [['passthrough', false], ['full-chain', true]]) {
    setups.push({
      name,
      async up(scenario) {
        const targets = [];
        const n = targetCount(scenario);
        const url = fanoutTargets(scenario) ? (await delayedEcho()).url : direct;
        this.backend = fanoutTargets(scenario) ? delayed.proc.child.pid : null;
        for (let i = 0; i < n; i++) targets.push({ name: `echo${i}`, url });
        const port = await freePort();
        const tls = scenario.startsWith('tls');
        const file = gatehouseConfig(`${name}-${scenario}`, port, await freePort(), targets, full, tls);
        this.proc = start(bin('src/app/gatehouse'), ['run', '--config', file], { env: { ...process.env, ...(full ? fullChainEnv() : {}) } });
        await waitPort(port);
        this.u = `${tls ? 'https' : 'http'}://127.0.0.1:${port}/mcp`;
        this.bearer = full ? chain.token(this.u) : undefined;
      },
      url() { return this.u; },
      get group() { return this.proc.child.pid; },
      perScenario: true,
    });
  }
  setups.push({
    name: 'node-proxy',
    async up() {
      const port = await freePort();
      this.proc = start(process.execPath, [path.join(here, 'node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs'),
        '--port', String(port), '--host', '127.0.0.1', '--server', 'stream', '--', bin('examples/echo/gatehouse-echo'), '--stdio', '--stream-tool']);
      await waitPort(port);
      this.u = `http://127.0.0.1:${port}/mcp`;
    },
    url() { return this.u; },
    get group() { return this.proc.child.pid; },
    exclude: 'gatehouse-echo',  // its stdio backends: the other setups' backend is not counted either
  });

  for (const setup of setups) {
    if (only && !only.includes(setup.name)) continue;
    for (const scenario of scenarios) {
      if (!applies(setup, scenario)) continue;
      try {
        setup.scenario = scenario;
        if (setup.up && (setup.perScenario || setup.perScenarioUp || !setup.proc)) await setup.up(scenario);
        const backend = fanoutTargets(scenario) ? (setup.perScenario ? setup.backend : null) : null;
        const r = await measure(setup.name, setup.url(scenario), setup.group, scenario, setup.bearer, setup.exclude, backend);
        // echo_stream sends 3 progress events before each result: fewer means the hop dropped them.
        if (scenario === 'sse' && r.progress_events < 3 * r.sse_responses) r.note = `progress events lost: ${r.progress_events} for ${r.sse_responses} answers`;
        results.push(r);
        if (r.note) console.error(`${setup.name} ${scenario}: ${r.note}`);
        console.error(`${setup.name.padEnd(12)} ${scenario.padEnd(13)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50_us.toFixed(0)} us  p99 ${r.p99_us.toFixed(0)} us  errors ${r.errors}${r.kb_per_session !== undefined ? `  ${r.kb_per_session.toFixed(2)} KB/session` : ''}${scenario === 'soak' ? `  RSS ${r.first_min_rss_mb.toFixed(1)} -> ${r.last_min_rss_mb.toFixed(1)} MB, slope ${r.slope_rss_kb_per_min?.toFixed(1)} KB/min` : ''}`);
      } catch (e) {
        console.error(`${setup.name} ${scenario}: ${e.message}${setup.proc ? '\n' + setup.proc.stderr() : ''}`);
        results.push({ label: setup.name, scenario, error: String(e.message) });
      } finally {
        if (setup.perScenario && setup.proc) { setup.proc.stop(); setup.proc = null; await new Promise((r) => setTimeout(r, 300)); }
      }
    }
    if (setup.proc) { setup.proc.stop(); setup.proc = null; }
  }
  echo.stop();
  if (delayed) delayed.proc.stop();
  printTable(results);
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ machine: machineInfo(), duration, connections, fanout_delay_ms: fanoutDelayMs,
      results }, null, 2));
  }
  process.exit(0);
}

// The full chain: a JWT (ES256, key in a JWKS file) checked on every call, a CEL rule, an FGA
// check against the embedded engine, a rate limit high enough never to refuse, the access log
// (to a file) and metrics. Key, token, model and tuples are made here.
const chain = (() => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'ES256', use: 'sig' };
  writeFileSync(path.join(tmp, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
  writeFileSync(path.join(tmp, 'model.fga'), 'model\n  schema 1.1\ntype user\ntype tool\n  relations\n    define can_call: [user]\n');
  const tuples = [];
  for (let i = 0; i < 64; i++) {
    for (const tool of ['echo', 'echo_stream']) tuples.push(`- { user: "user:bench-client", relation: can_call, object: "tool:echo${i}/${tool}" }`);
  }
  writeFileSync(path.join(tmp, 'tuples.yaml'), tuples.join('\n') + '\n');
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return {
    privateKey,
    token(audience) {
      const now = Math.floor(Date.now() / 1000);
      const input = `${b64({ alg: 'ES256', typ: 'at+jwt', kid: 'bench' })}.${b64({
        iss: 'https://bench.example', sub: 'bench-client', aud: audience, iat: now, exp: now + 3600, roles: ['bench'] })}`;
      const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${sig.toString('base64url')}`;
    },
  };
})();

// `url`: the route's public URL, the tokens' audience (https:// on the TLS listener).
function fullChainRoute(url) {
  return `    auth:
      providers:
        - name: bench
          issuer: https://bench.example
          audience: ${url}
          jwks_file: ${path.join(tmp, 'jwks.json')}
          algorithms: [ES256]
    policy:
      allow: [ { name: bench-role, when: '"bench" in identity.roles && (mcp.tool == "echo" || mcp.tool == "echo_stream")' } ]
    fga:
      model_file: ${path.join(tmp, 'model.fga')}
      tuples_file: ${path.join(tmp, 'tuples.yaml')}
      store: { kind: memory }
      check: { user: 'user:{identity.subject}', relation: can_call, object: 'tool:{mcp.target}/{mcp.tool}' }
    rate_limits:
      - { name: per-subject, key: 'identity.subject', rate: 10000000/s }
`;
}

function fullChainEnv() { return {}; }

function machineInfo() {
  return { cpus: os.cpus().length, model: os.cpus()[0]?.model, kernel: os.release(), date: new Date().toISOString() };
}

function printTable(results) {
  const by = (label, scenario) => results.find((r) => r.label === label && r.scenario === scenario && !r.error);
  const f = (v, d = 0) => (v === undefined || v === null || Number.isNaN(v) ? '–' : v.toFixed(d));
  const lines = ['| setup | scenario | req/s | p50 µs | p99 µs | ×direct | ×nginx | CPU s/1k req | peak RSS MB | errors |', '|---|---|---|---|---|---|---|---|---|---|'];
  for (const r of results) {
    if (r.error) { lines.push(`| ${r.label} | ${r.scenario} | failed: ${r.error.slice(0, 60)} ||||||||`); continue; }
    if (sessionCount(r.scenario) || r.scenario === 'soak') continue;
    const fan = fanoutTargets(r.scenario);
    const d = r.scenario.startsWith('tls') ? null : fan ? by('direct', 'fanout1') : (by('direct', r.scenario) ?? by('direct', 'list1'));
    const n = fan ? null : (by('nginx', r.scenario) ?? by('nginx', 'list1'));
    const ratio = (base) => (base ? (r.rps / base.rps).toFixed(2) : '–');
    lines.push(`| ${r.label} | ${r.scenario} | ${f(r.rps)} | ${f(r.p50_us)} | ${f(r.p99_us)} | ${ratio(d)} | ${ratio(n)} | ${f(r.cpu_s_per_1k, 3)} | ${f(r.peak_rss_mb, 1)} | ${r.errors}${r.note ? ` (${r.note})` : ''} |`);
  }
  // Moderate load: what each hop adds to direct's latency at the same offered rate.
  const rates = results.filter((r) => rateOf(r.scenario) && !r.error);
  if (rates.length) {
    lines.push('', '| setup | scenario | req/s | p50 µs | p99 µs | added p50 µs | added p99 µs |', '|---|---|---|---|---|---|---|');
    for (const r of rates) {
      const d = by('direct', r.scenario);
      lines.push(`| ${r.label} | ${r.scenario} | ${f(r.rps)} | ${f(r.p50_us)} | ${f(r.p99_us)} | ${d ? f(r.p50_us - d.p50_us) : '–'} | ${d ? f(r.p99_us - d.p99_us) : '–'} |`);
    }
  }
  const sess = results.filter((r) => sessionCount(r.scenario) && !r.error);
  if (sess.length) {
    lines.push('', '| setup | scenario | sessions | open s | RSS before MB | RSS idle MB | KB/session | one call each: p50 µs | p99 µs | errors |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const r of sess) {
      lines.push(`| ${r.label} | ${r.scenario} | ${r.sessions} | ${f(r.init_s, 2)} | ${f(r.rss_before_mb, 1)} | ${f(r.rss_idle_mb, 1)} | ${f(r.kb_per_session, 2)} | ${f(r.p50_us)} | ${f(r.p99_us)} | ${r.errors} |`);
    }
    // The first requests also warm buffers and allocator arenas; the marginal cost of a session
    // is the difference between the two runs.
    for (const label of [...new Set(sess.map((r) => r.label))]) {
      const a = by(label, 'sessions1k'); const b = by(label, 'sessions10k');
      if (a && b) lines.push('', `${label}: marginal ${f(((b.rss_idle_mb - b.rss_before_mb - (a.rss_idle_mb - a.rss_before_mb)) * 1024) / (b.sessions - a.sessions), 2)} KB per session (10k − 1k)`);
    }
  }
  // TLS: handshakes/s with one request per connection; the CPU a handshake costs is the CPU per
  // new connection minus the CPU per request over kept connections.
  const tlsNew = results.filter((r) => r.scenario === 'tls-new' && !r.error);
  if (tlsNew.length) {
    lines.push('', '| setup | new TLS conn/s | p50 µs | p99 µs | CPU ms/conn | kept TLS req/s | CPU ms/req kept | CPU ms/handshake |', '|---|---|---|---|---|---|---|---|');
    for (const r of tlsNew) {
      const k = by(r.label, 'tls-keepalive');
      const keptMs = k ? k.cpu_s_per_1k : undefined;
      lines.push(`| ${r.label} | ${f(r.rps)} | ${f(r.p50_us)} | ${f(r.p99_us)} | ${f(r.cpu_ms_per_connection, 3)} | ${k ? f(k.rps) : '–'} | ${f(keptMs, 3)} | ${keptMs !== undefined ? f(r.cpu_ms_per_connection - keptMs, 3) : '–'} |`);
    }
  }
  // Fan-out: one tools/list at a time over 1, 8, 64 delayed targets; the aim compares p50 over
  // 64 with p50 over one (same setup). CPU per list: the gateway's, and the targets' (one
  // delayed echo process on the same cores: its share is what a real remote fan-out would not cost here).
  const fans = results.filter((r) => fanoutTargets(r.scenario) && !r.error);
  if (fans.length) {
    lines.push('', `Fan-out (tools/list, 1 connection, closed loop; each target answers after ${fanoutDelayMs} ms):`, '',
      '| setup | targets | lists/s | p50 µs | p99 µs | p50 ÷ p50 over 1 target | p50 − direct (1 target) µs | proxy CPU ms/list | targets\' CPU ms/list |',
      '|---|---|---|---|---|---|---|---|---|');
    const base = by('direct', 'fanout1');
    for (const r of fans) {
      const one = by(r.label, 'fanout1');
      lines.push(`| ${r.label} | ${fanoutTargets(r.scenario)} | ${f(r.rps)} | ${f(r.p50_us)} | ${f(r.p99_us)} | ${one ? f(r.p50_us / one.p50_us, 2) : '–'} | ${base ? f(r.p50_us - base.p50_us) : '–'} | ${f(r.cpu_s_per_1k, 3)} | ${f(r.backend_cpu_s_per_1k, 3)} |`);
    }
    for (const label of [...new Set(fans.map((r) => r.label))]) {
      const one = by(label, 'fanout1'); const many = by(label, 'fanout64');
      if (one && many) lines.push('', `${label}: tools/list over 64 targets = ${f(many.p50_us / one.p50_us, 2)}× the time over one (p50; aim ≤ 1.5×), p99 ${f(many.p99_us / one.p99_us, 2)}×`);
    }
  }
  // Soak: the proxy's memory over a long steady load (the aim: no growth).
  const soaks = results.filter((r) => r.scenario === 'soak' && !r.error);
  if (soaks.length) {
    lines.push('', `Soak (${soakMinutes} min after a ${soakWarmupS} s warm-up, open loop ${soakRate} req/s over ${connections} connections, mix ${soakMix}; RSS sampled every ${soakSampleS} s):`, '',
      '| setup | requests | calls / lists / churned sessions | errors | req/s | p50 µs | p99 µs | CPU s/1k | RSS first min MB | RSS last min MB | RSS max MB | RSS slope KB/min | RssAnon first → last MB | RssAnon slope KB/min |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of soaks) {
      lines.push(`| ${r.label} | ${r.requests} | ${r.mix_call} / ${r.mix_list} / ${r.mix_churn} | ${r.errors} | ${f(r.rps)} | ${f(r.p50_us)} | ${f(r.p99_us)} | ${f(r.cpu_s_per_1k, 3)} | ${f(r.first_min_rss_mb, 2)} | ${f(r.last_min_rss_mb, 2)} | ${f(r.max_rss_mb, 2)} | ${f(r.slope_rss_kb_per_min, 1)} | ${f(r.first_min_anon_mb, 2)} → ${f(r.last_min_anon_mb, 2)} | ${f(r.slope_anon_kb_per_min, 1)} |`);
    }
    lines.push('', `(slopes: least squares over the samples ${soaks[0].slope_over})`);
  }
  // The Node peer: throughput ratio and CPU per request ratio (on two shared cores the
  // throughput is bounded by the backend and the load generator; CPU per request is not).
  const nodeRows = results.filter((r) => r.label === 'node-proxy' && !r.error && r.cpu_s_per_1k);
  if (nodeRows.length) {
    lines.push('', '| scenario | setup | req/s ÷ Node peer | Node peer CPU per request ÷ setup |', '|---|---|---|---|');
    for (const nr of nodeRows) {
      for (const label of ['passthrough', 'full-chain']) {
        const g = by(label, nr.scenario);
        if (g) lines.push(`| ${nr.scenario} | ${label} | ${f(g.rps / nr.rps, 2)} | ${g.cpu_s_per_1k ? f(nr.cpu_s_per_1k / g.cpu_s_per_1k, 2) : '–'} |`);
      }
    }
  }
  // The main table's header alone (every row was a soak or sessions run) is dropped.
  if (lines.length === 2 || lines[2] === '') lines.splice(0, 2);
  console.log(lines.join('\n'));
}

main().catch((e) => { console.error(e); process.exit(1); });
