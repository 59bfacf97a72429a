// Starts a Gatehouse example server (or the TypeScript reference stand-in) on a free loopback
// port, waits until it accepts connections, and guarantees it is killed when the test ends.
// GATEHOUSE_TEST_SERVER=reference swaps the C++ binaries for tests/lib/reference-server.mjs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const children = new Set();

// Last line of defence: a crashed or interrupted test run must not leave servers behind.
process.on('exit', () => { for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } } });
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => { for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } } process.exit(130); });
}

export const useReference = () => process.env.GATEHOUSE_TEST_SERVER === 'reference';

/** The command line of example `name` ('echo' | 'time' | 'everything') in a given mode. */
export function exampleCommand(name, modeArgs) {
  if (useReference()) {
    return { command: process.execPath, args: [path.join(here, 'reference-server.mjs'), '--tools', name, ...modeArgs] };
  }
  const buildDir = process.env.GATEHOUSE_BUILD_DIR;
  if (!buildDir) throw new Error('GATEHOUSE_BUILD_DIR is not set (run through CTest, or set GATEHOUSE_TEST_SERVER=reference)');
  const bin = path.join(buildDir, 'examples', name, `gatehouse-${name}`);
  if (!existsSync(bin)) throw new Error(`example binary not built: ${bin}`);
  return { command: bin, args: modeArgs };
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
    sock.setTimeout(500, () => { sock.destroy(); resolve(false); });
  });
}

/** Spawn `command args`; `t` (node:test context) gets an after-hook that kills it. */
export function spawnTracked(t, command, args, { env, stdio = ['ignore', 'pipe', 'pipe'] } = {}) {
  const proc = spawn(command, args, { env: { ...process.env, ...env }, stdio });
  children.add(proc);
  let stderr = '';
  proc.stderr?.on('data', (d) => { stderr += d; if (stderr.length > 65536) stderr = stderr.slice(-32768); });
  proc.stdout?.on('data', () => {});
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => { children.delete(proc); resolve({ code, signal }); }));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };
  t?.after(stop);
  return { proc, exited, stop, stderr: () => stderr };
}

/**
 * Start example `name` serving `mode` ('http' | 'sse') on a free loopback port and wait until
 * the port accepts connections (10 s). Returns { url, base, port, stop, stderr }.
 */
export async function startExample(t, name, mode = 'http', { env, timeoutMs = 10000 } = {}) {
  const port = await freePort();
  const { command, args } = exampleCommand(name, [`--${mode}`, `127.0.0.1:${port}`]);
  const child = spawnTracked(t, command, args, { env });
  const deadline = Date.now() + timeoutMs;
  let exitInfo = null;
  child.exited.then((e) => { exitInfo = e; });
  for (;;) {
    if (exitInfo) throw new Error(`${path.basename(command)} exited early (${JSON.stringify(exitInfo)}): ${child.stderr()}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) { await child.stop(); throw new Error(`${name} did not listen on ${port} within ${timeoutMs} ms: ${child.stderr()}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  const base = `http://127.0.0.1:${port}`;
  return { ...child, port, base, url: mode === 'http' ? `${base}/mcp` : `${base}/sse` };
}
