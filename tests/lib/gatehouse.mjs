// Runs the real `gatehouse` binary on a config written by the test: a temp directory holds
// the file (so the test can rewrite it to exercise hot reload), listeners use port 0, and
// the bound ports are read from the structured "gatehouse.listening" log lines.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnTracked } from './server.mjs';

export function gatehouseBinary() {
  const buildDir = process.env.GATEHOUSE_BUILD_DIR;
  if (!buildDir) throw new Error('GATEHOUSE_BUILD_DIR is not set (run through CTest)');
  const bin = path.join(buildDir, 'src', 'app', 'gatehouse');
  if (!existsSync(bin)) throw new Error(`gatehouse binary not built: ${bin}`);
  return bin;
}

/** A temp directory removed when the test ends. */
export function tempDir(t, prefix = 'gatehouse-') {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  t?.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Parsed JSON log lines of a process's stderr so far. */
export function logLines(stderrText) {
  const out = [];
  for (const line of stderrText.split('\n')) {
    if (!line.startsWith('{')) continue;
    try { out.push(JSON.parse(line)); } catch { /* a partial line */ }
  }
  return out;
}

/** Waits until `predicate(lines)` holds on the parsed stderr log, or throws with the log. */
export async function waitForLog(gw, predicate, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = predicate(logLines(gw.stderr()));
    if (found) return found;
    if (gw.proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gatehouse log condition not met; exit=${gw.proc.exitCode}; stderr:\n${gw.stderr()}`);
}

/**
 * Writes `yaml` to DIR/gatehouse.yaml and runs `gatehouse run --config` on it. Resolves once
 * every listener is bound: { url(listener, path), port(listener), admin, configPath, rewrite, stop, ... }.
 */
export async function startGatehouse(t, yaml, { dir, env, args = [] } = {}) {
  dir ??= tempDir(t);
  const configPath = path.join(dir, 'gatehouse.yaml');
  writeFileSync(configPath, yaml);
  const gw = spawnTracked(t, gatehouseBinary(), ['run', '--config', configPath, ...args], { env });
  const listening = await waitForLog(gw, (lines) => {
    const l = lines.filter((x) => x.msg === 'gatehouse.listening');
    return l.length > 0 && lines.some((x) => x.msg === 'gatehouse.listening') ? l : null;
  });
  // Give the remaining listener lines a moment (they are written back to back).
  await new Promise((r) => setTimeout(r, 50));
  const ports = {};
  for (const l of logLines(gw.stderr())) if (l.msg === 'gatehouse.listening') ports[l.listener] = l.port;
  const admin = logLines(gw.stderr()).find((l) => l.msg === 'gatehouse.admin');
  void listening;
  return {
    ...gw,
    dir,
    configPath,
    ports,
    adminPort: admin?.port,
    url: (listener = 'main', p = '/mcp') => `http://127.0.0.1:${ports[listener]}${p}`,
    adminUrl: (p) => `http://127.0.0.1:${admin?.port}${p}`,
    rewrite: (text) => writeFileSync(configPath, text),
    logs: () => logLines(gw.stderr()),
  };
}
