// A throwaway PostgreSQL server on loopback for one test: initdb into a temp directory, the
// server on a free port (fsync off), one database "gatehouse" owned by role "gatehouse".
// The server runs under a watchdog shell that stops it and removes the directory when our
// end of its stdin closes, so even a killed test process leaves nothing behind.
// As root (CI), every postgres command runs as `nobody`: initdb refuses root.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function postgresBinDir() {
  const fromEnv = process.env.GATEHOUSE_PG_BIN;
  if (fromEnv) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root) : [];
  const dirs = versions.map((v) => path.join(root, v, 'bin')).filter((d) => existsSync(path.join(d, 'initdb')));
  dirs.sort((a, b) => Number(b.split('/')[4]) - Number(a.split('/')[4]));
  if (!dirs.length) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt install postgresql)');
  return dirs[0];
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;
// [command, args] wrapped so it runs as the unprivileged user when we are root.
function asPgUser(cmd, args) {
  return asRoot ? ['runuser', ['-u', 'nobody', '--', cmd, ...args]] : [cmd, args];
}

function run(dir, cmd, args) {
  const [c, a] = asPgUser(cmd, args);
  const r = spawnSync(c, a, { cwd: dir, encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error}`);
  return r.stdout;
}

/**
 * Starts the server. Returns { dsn, port, dir, bin, psql(sql) -> stdout, stop() }; with a
 * test context `t`, stop() also runs when the test ends.
 */
export async function startPostgres(t) {
  const bin = postgresBinDir();
  // Short path: the server's unix socket lives here too (sun_path is ~107 bytes).
  // As root, /tmp itself: a TMPDIR under a private home would be out of nobody's reach.
  const dir = mkdtempSync(path.join(asRoot ? '/tmp' : os.tmpdir(), 'gh-pg-'));
  if (asRoot) {
    const nobody = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
    const uid = Number(nobody.stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  let watchdog;
  let stopped;
  const stop = () => {
    stopped ??= new Promise((resolve) => {
      if (!watchdog || watchdog.exitCode !== null || watchdog.signalCode !== null) {
        rmSync(dir, { recursive: true, force: true });
        return resolve();
      }
      watchdog.once('exit', () => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      });
      watchdog.stdin.end();
    });
    return stopped;
  };
  t?.after(stop);
  try {
    const data = path.join(dir, 'data');
    run(dir, path.join(bin, 'initdb'), ['-D', data, '-U', 'gatehouse', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    const port = await freePort();
    // The watchdog: server in the background; when stdin reaches EOF (stop() or our death),
    // a fast shutdown, then the directory goes.
    const script = 'postgres -D "$1/data" -k "$1" -h 127.0.0.1 -p "$2" -F -c max_connections=60 >"$1/server.log" 2>&1 & pid=$!; ' +
      'cat >/dev/null; kill -INT $pid 2>/dev/null; wait $pid; rm -rf "$1"';
    const [c, a] = asPgUser('/bin/sh', ['-c', script.replace('postgres ', `${path.join(bin, 'postgres')} `), 'sh', dir, String(port)]);
    watchdog = spawn(c, a, { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'] });
    const deadline = Date.now() + 30000;
    for (;;) {
      const r = spawnSync(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '1']);
      if (r.status === 0) break;
      if (watchdog.exitCode !== null || Date.now() > deadline) {
        let log = '';
        try { log = readFileSync(path.join(dir, 'server.log'), 'utf8'); } catch { /* gone */ }
        throw new Error(`postgres did not start on port ${port}:\n${log}`);
      }
      await new Promise((r2) => setTimeout(r2, 100));
    }
    run(dir, path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'gatehouse', 'gatehouse']);
    const dsn = `postgresql://gatehouse@127.0.0.1:${port}/gatehouse`;
    const psql = (sql) => run(dir, path.join(bin, 'psql'),
      ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'gatehouse', '-d', 'gatehouse', '-c', sql]);
    return { dsn, port, dir, bin, psql, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
