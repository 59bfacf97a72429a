// Runs gatehouse-jwt-verify (built from src/auth) and returns its verdict as JSON.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const BUILD = process.env.GATEHOUSE_BUILD_DIR ?? path.resolve(import.meta.dirname, '../../build-auth');
export const CLI = path.join(BUILD, 'src/auth/gatehouse-jwt-verify');

/** One token: resolves { code, out } where out is the parsed JSON line. */
export function verify(args, { timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(CLI, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? err.code : 0;
      if (typeof code !== 'number') return reject(new Error(`${err?.message}\n${stderr}`));
      let out;
      try { out = JSON.parse(stdout.trim().split('\n').at(-1)); } catch { out = { raw: stdout, stderr }; }
      resolve({ code, out, stderr });
    });
  });
}

/** A long-lived verifier reading tokens on stdin (one JwksCache and token cache across calls). */
export function startVerifier(args) {
  const child = spawn(CLI, [...args, '--stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.(JSON.parse(l)));
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return {
    check(token) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`verifier timed out; stderr: ${stderr}`)), 20000);
        waiting.push((v) => { clearTimeout(timer); resolve(v); });
        child.stdin.write(`${token}\n`);
      });
    },
    stderr: () => stderr,
    close() { child.stdin.end(); child.kill('SIGTERM'); },
  };
}
