#!/usr/bin/env node
// Side-by-side benchmark: the same MCP load, on this machine, through
//   (a) direct      the echo backend (C++ SDK example) alone
//   (b) nginx       a plain reverse proxy hop (the floor for any proxy)
//   (c) passthrough Gatehouse with one target and no policies
//   (d) full chain  Gatehouse with JWT, CEL rules, an FGA check, a rate limit, access log, metrics
//   (e) node proxy  mcp-proxy (npm) in front of the same echo server over stdio
// For each: requests/s and latency from gatehouse-loadgen, CPU seconds per 1,000 requests and
// peak RSS of the proxy's processes (from /proc), ratios against (a) and (b).
// Usage: node bench/compare/compare.mjs [--build DIR] [--duration S] [--connections N]
//          [--scenarios small,payload32k,list1,list8,list64] [--only direct,nginx,...] [--json FILE]
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
const scenarios = (args.scenarios ?? 'small,payload32k,list1,list8,list64').split(',');
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

// CPU ticks and peak RSS of a process group (every process whose pgid is the leader's pid).
function groupUsage(pgid) {
  let ticks = 0; let hwmKb = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;  // field 5: pgrp
      ticks += Number(fields[11]) + Number(fields[12]);  // utime + stime
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${d}/status`, 'utf8'));
      if (m) hwmKb += Number(m[1]);
    } catch { /* exited */ }
  }
  return { cpuSeconds: ticks / 100, peakRssMb: hwmKb / 1024 };
}

function loadgen(url, scenario, bearer) {
  const argv = ['--url', url, '--connections', String(connections), '--duration', String(duration), '--warmup', '1', '--json'];
  if (bearer) argv.push('--bearer', bearer);
  if (scenario.startsWith('list')) argv.push('--method', 'tools/list');
  else argv.push('--method', 'tools/call', '--tool', scenario.tool ?? 'echo');
  if (scenario === 'payload32k') argv.push('--payload', '32768');
  const out = execFileSync(bin('bench/loadgen/gatehouse-loadgen'), argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop());
}

function gatehouseConfig(name, port, adminPort, targets, full) {
  const targetLines = targets.map((t) => `      - name: ${t.name}\n        http: { url: "${t.url}" }\n        timeout: 10s`).join('\n');
  const extra = full ? fullChainRoute(port, targets.length) : '';
  const yaml = `listeners:
  - name: main
    address: 127.0.0.1
    port: ${port}
    threads: 1
routes:
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

function nginxConfig(port, backendPort) {
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
    client_max_body_size 8m;
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

async function measure(label, url, group, scenario, bearer) {
  const before = group ? groupUsage(group) : null;
  const r = loadgen(url, scenario, bearer);
  const after = group ? groupUsage(group) : null;
  const cpu = group ? (after.cpuSeconds - before.cpuSeconds) : NaN;
  // Warmup requests are not in r.requests; count them in CPU per request only roughly (1 s of 1+duration).
  const served = r.requests * (duration + 1) / duration;
  return { label, scenario, ...r, cpu_s_per_1k: group ? (cpu / served) * 1000 : null, peak_rss_mb: after?.peakRssMb ?? null };
}

async function main() {
  const results = [];
  const echoPort = await freePort();
  const echo = start(bin('examples/echo/gatehouse-echo'), ['--http', `127.0.0.1:${echoPort}`, '--max-sessions', '1000000']);
  await waitPort(echoPort);
  const direct = `http://127.0.0.1:${echoPort}/mcp`;

  const setups = [];
  setups.push({ name: 'direct', url: () => direct, group: echo.child.pid });
  setups.push({
    name: 'nginx',
    async up() {
      const port = await freePort();
      const conf = nginxConfig(port, echoPort);
      this.proc = start('/usr/sbin/nginx', ['-c', conf, '-p', path.dirname(conf)]);
      await waitPort(port);
      this.u = `http://127.0.0.1:${port}/mcp`;
    },
    url() { return this.u; },
    get group() { return this.proc.child.pid; },
  });
  for (const [name, full] of [['passthrough', false], ['full-chain', true]]) {
    setups.push({
      name,
      async up(scenario) {
        const targets = [];
        const n = scenario === 'list8' ? 8 : scenario === 'list64' ? 64 : 1;
        for (let i = 0; i < n; i++) targets.push({ name: `echo${i}`, url: direct });
        const port = await freePort();
        const file = gatehouseConfig(`${name}-${scenario}`, port, await freePort(), targets, full);
        this.proc = start(bin('src/app/gatehouse'), ['run', '--config', file], { env: { ...process.env, ...(full ? fullChainEnv() : {}) } });
        await waitPort(port);
        this.u = `http://127.0.0.1:${port}/mcp`;
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
        '--port', String(port), '--host', '127.0.0.1', '--server', 'stream', '--', bin('examples/echo/gatehouse-echo'), '--stdio']);
      await waitPort(port);
      this.u = `http://127.0.0.1:${port}/mcp`;
    },
    url() { return this.u; },
    get group() { return this.proc.child.pid; },
  });

  for (const setup of setups) {
    if (only && !only.includes(setup.name)) continue;
    for (const scenario of scenarios) {
      // Fan-out scenarios only mean something for Gatehouse (the others have one backend).
      if (scenario.startsWith('list') && scenario !== 'list1' && !setup.perScenario) continue;
      try {
        if (setup.up && (setup.perScenario || !setup.proc)) await setup.up(scenario);
        const r = await measure(setup.name, setup.url(), setup.group, scenario, setup.bearer);
        results.push(r);
        console.error(`${setup.name.padEnd(12)} ${scenario.padEnd(11)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50_us.toFixed(0)} us  p99 ${r.p99_us.toFixed(0)} us  errors ${r.errors}`);
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
  printTable(results);
  if (args.json) writeFileSync(args.json, JSON.stringify({ machine: machineInfo(), duration, connections, results }, null, 2));
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
  for (let i = 0; i < 64; i++) tuples.push(`- { user: "user:bench-client", relation: can_call, object: "tool:echo${i}/echo" }`);
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

function fullChainRoute(port) {
  return `    auth:
      providers:
        - name: bench
          issuer: https://bench.example
          audience: http://127.0.0.1:${port}/mcp
          jwks_file: ${path.join(tmp, 'jwks.json')}
          algorithms: [ES256]
    policy:
      allow: [ { name: bench-role, when: '"bench" in identity.roles && mcp.tool == "echo"' } ]
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
  const lines = ['| setup | scenario | req/s | p50 µs | p99 µs | ×direct | ×nginx | CPU s/1k req | peak RSS MB | errors |', '|---|---|---|---|---|---|---|---|---|---|'];
  for (const r of results) {
    if (r.error) { lines.push(`| ${r.label} | ${r.scenario} | failed: ${r.error.slice(0, 60)} ||||||||`); continue; }
    const d = by('direct', r.scenario) ?? by('direct', 'list1');
    const n = by('nginx', r.scenario) ?? by('nginx', 'list1');
    const ratio = (base) => (base ? (r.rps / base.rps).toFixed(2) : '–');
    lines.push(`| ${r.label} | ${r.scenario} | ${r.rps.toFixed(0)} | ${r.p50_us.toFixed(0)} | ${r.p99_us.toFixed(0)} | ${ratio(d)} | ${ratio(n)} | ${r.cpu_s_per_1k?.toFixed(3) ?? '–'} | ${r.peak_rss_mb?.toFixed(1) ?? '–'} | ${r.errors} |`);
  }
  console.log(lines.join('\n'));
}

main().catch((e) => { console.error(e); process.exit(1); });
