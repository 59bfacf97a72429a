// CEL conformance: the CEL spec's simple tests (shipped as data by @bufbuild/cel-spec) for the
// core files, run through gatehouse::cel by cel_conformance_runner. Tests that need protobuf
// messages or extensions are skipped by name from skipped.txt, each with its reason; the pass
// rate over the rest is printed and must be at least 95%.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tests as conformance } from '@bufbuild/cel-spec/testdata/conformance.js';

const CORE = ['basic', 'logic', 'comparisons', 'conversions', 'integer_math', 'fp_math', 'lists', 'macros',
  'string', 'timestamps', 'fields', 'parse', 'plumbing'];
const THRESHOLD = 0.95;

// "file/section" or "file/section/test": reason
function readSkips() {
  const skips = new Map();
  const text = readFileSync(new URL('./skipped.txt', import.meta.url), 'utf8');
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (!l || l.startsWith('#')) continue;
    const i = l.indexOf(':');
    assert.ok(i > 0 && l.slice(i + 1).trim(), `skipped.txt: every entry needs a reason: ${l}`);
    skips.set(l.slice(0, i).trim(), l.slice(i + 1).trim());
  }
  return skips;
}

function declaredNames(typeEnv) {
  return (typeEnv ?? []).filter((d) => d.ident).map((d) => d.name);
}

test('CEL spec conformance (core files)', () => {
  const skips = readSkips();
  const used = new Set();
  const cases = [];
  const meta = new Map();
  for (const file of conformance.suites.filter((s) => CORE.includes(s.name))) {
    for (const section of file.suites ?? []) {
      for (const t of section.tests ?? []) {
        const o = t.original;
        const id = `${file.name}/${section.name}/${o.name || t.name}`;
        const reason = skips.get(id) ?? skips.get(`${file.name}/${section.name}`);
        if (reason) used.add(skips.has(id) ? id : `${file.name}/${section.name}`);
        const expect = o.value ?? o.typedResult?.result;
        const expectError = Boolean(o.evalError || o.anyEvalErrors);
        const kind = reason ? 'skipped' : o.checkOnly ? 'skipped' : (!expect && !expectError) ? 'skipped' : 'run';
        meta.set(id, { file: file.name, kind, reason: reason ?? (o.checkOnly ? 'check-only test' : 'no value or error expected') });
        if (kind !== 'run') continue;
        cases.push({
          id, expr: o.expr, disable_check: Boolean(o.disableCheck) || Boolean(o.container),
          declared: declaredNames(o.typeEnv), bindings: o.bindings ?? {}, expect: expect ?? null, expect_error: expectError,
        });
      }
    }
  }
  for (const key of skips.keys()) assert.ok(used.has(key), `skipped.txt names nothing: ${key}`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'cel-conf-'));
  try {
    const file = path.join(dir, 'cases.json');
    writeFileSync(file, JSON.stringify(cases));
    const runner = path.join(process.env.GATEHOUSE_BUILD_DIR ?? '../../build', 'tests/cel/cel_conformance_runner');
    const r = spawnSync(runner, [file], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const perFile = new Map();
    const failures = [];
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const [id, verdict, detail] = line.split('\t');
      const f = meta.get(id).file;
      const c = perFile.get(f) ?? { passed: 0, failed: 0, skipped: 0 };
      c[verdict === 'pass' ? 'passed' : 'failed']++;
      perFile.set(f, c);
      if (verdict !== 'pass') failures.push(`${id}: ${detail}`);
    }
    for (const [, m] of meta) {
      if (m.kind !== 'skipped') continue;
      const c = perFile.get(m.file) ?? { passed: 0, failed: 0, skipped: 0 };
      c.skipped++;
      perFile.set(m.file, c);
    }
    let passed = 0, failed = 0, skipped = 0;
    console.log('file            passed  failed  skipped');
    for (const f of CORE) {
      const c = perFile.get(f) ?? { passed: 0, failed: 0, skipped: 0 };
      passed += c.passed; failed += c.failed; skipped += c.skipped;
      console.log(`${f.padEnd(16)}${String(c.passed).padStart(6)}${String(c.failed).padStart(8)}${String(c.skipped).padStart(9)}`);
    }
    const rate = passed / (passed + failed);
    console.log(`cel conformance: ${passed} passed, ${failed} failed, ${skipped} skipped; pass rate ${(rate * 100).toFixed(1)}% of the tests run`);
    if (process.env.CEL_CONFORMANCE_VERBOSE) console.log(failures.join('\n'));
    else console.log(`first failures:\n  ${failures.slice(0, 25).join('\n  ')}`);
    assert.equal(passed + failed, cases.length, 'every case reported');
    assert.ok(rate >= THRESHOLD, `pass rate ${(rate * 100).toFixed(1)}% is below ${THRESHOLD * 100}%`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
