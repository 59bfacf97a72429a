// Helpers for the observe integration tests: find binaries, spawn and wait for a line,
// pick a free loopback port.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';

export const buildDir = process.env.GATEHOUSE_BUILD_DIR ?? path.resolve('../../build');
export const bin = (name) => path.join(buildDir, 'src/observe', name);

export function run(cmd, args, input) {
  return spawnSync(cmd, args, { input, encoding: 'utf8', timeout: 60_000 });
}

// Spawns and resolves with { child, match } once a stdout line matches `re`.
export function spawnUntil(cmd, args, re, { timeoutMs = 20_000 } = {}) {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${cmd}: no line matching ${re}`)); }, timeoutMs);
    const rl = readline.createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      const m = line.match(re);
      if (m) { clearTimeout(timer); resolve({ child, match: m }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${cmd} exited ${code}`)); });
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function stop(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}
