#!/usr/bin/env node
// Reads Google Benchmark JSON files (argv) and prints one Markdown table of the hot paths that
// bench/micro.sh selected: name, time per operation (wall clock), CPU time, iterations.
import { readFileSync } from 'node:fs';
import path from 'node:path';

// What each benchmark stands for on the request path.
const labels = [
  [/^BM_ParseToolsCall\/16$/, 'JSON-RPC envelope parse (tools/call, 16 B text)'],
  [/^BM_ParseToolsCall\/32768$/, 'JSON-RPC envelope parse (tools/call, 32 KB text)'],
  [/^BM_ParseSerializeToolsCall\/16$/, 'envelope parse + serialize (16 B)'],
  [/^BM_ParseMalformed$/, 'envelope parse, malformed (refused)'],
  [/^BM_WriteJson\/32768$/, 'JSON writer (jsonrpc::to_json), tools/call with a 32 KB text and an escape'],
  [/^BM_BoostSerialize\/32768$/, 'boost::json::serialize (the replaced baseline), same 32 KB tools/call'],
  [/^BM_WriteJson\/16$/, 'JSON writer (jsonrpc::to_json), small tools/call'],
  [/^BM_BoostSerialize\/16$/, 'boost::json::serialize (the replaced baseline), same small tools/call'],
  [/^BM_Seal\/1$/, 'session seal (1 target)'],
  [/^BM_Unseal\/1$/, 'session unseal (1 target)'],
  [/^BM_Seal\/10$/, 'session seal (10 targets)'],
  [/^BM_Unseal\/10$/, 'session unseal (10 targets)'],
  [/^BM_UnsealTampered$/, 'session unseal, tampered (refused)'],
  [/^BM_CachedVerify$/, 'JWT verify, cached'],
  [/^BM_UncachedES256$/, 'JWT verify, uncached ES256'],
  [/^BM_RoleRule$/, 'CEL role rule (bind + evaluate)'],
  [/^BM_ArgsRule$/, 'CEL argument rule (`in` list)'],
  [/^BM_MacroRule$/, 'CEL rule with exists + matches'],
  [/^BM_Small_Check_Direct\/0$/, 'FGA check, direct tuple (memory store)'],
  [/^BM_Small_Check_TTU_Depth2\/0$/, 'FGA check, tuple-to-userset depth 2 (memory)'],
  [/^BM_FgaStageAllowHit$/, 'FGA gateway stage, cached allow'],
  [/^BM_FgaStageAllowMiss$/, 'FGA gateway stage, uncached allow'],
  // These two do many operations per iteration: the third field divides them out.
  [/^BM_SseParse$/, 'SSE event parse (per event; 100 per iteration, fed in 1 KB pieces)', 100],
  [/^BM_RoundTrip\/1/, 'HTTP round trip on loopback, 1 connection (per request; 256 per iteration)', 256],
  [/^BM_AccessLineFormat$/, 'access log line format'],
  [/^BM_HistogramObserve$/, 'metrics histogram observe'],
  [/^BM_ServerSpanStartEnd$/, 'trace span start + end'],
];

const toNs = (v, unit) => v * ({ ns: 1, us: 1e3, ms: 1e6, s: 1e9 })[unit ?? 'ns'];
const rows = [];
for (const file of process.argv.slice(2)) {
  let data;
  try { data = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { rows.push([path.basename(file), `unreadable: ${e.message}`]); continue; }
  for (const b of data.benchmarks ?? []) {
    if (b.run_type === 'aggregate') continue;
    const match = labels.find(([re]) => re.test(b.name));
    if (!match) continue;
    const [, label, per = 1] = match;
    rows.push([label, path.basename(file, '.json'), b.name, toNs(b.real_time, b.time_unit) / per, toNs(b.cpu_time, b.time_unit) / per, b.iterations,
      b.error_occurred ? b.error_message : '']);
  }
}
const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e4 ? `${(ns / 1e3).toFixed(1)} µs` : `${ns.toFixed(0)} ns`);
const out = ['| hot path | binary | benchmark | time/op | CPU/op | iterations |', '|---|---|---|---|---|---|'];
for (const r of rows) {
  if (r.length === 2) { out.push(`| ${r[0]} | ${r[1]} |||||`); continue; }
  out.push(`| ${r[0]} | ${r[1]} | ${r[2]} | ${r[6] ? 'error: ' + r[6] : fmt(r[3])} | ${fmt(r[4])} | ${r[5]} |`);
}
console.log(out.join('\n'));
