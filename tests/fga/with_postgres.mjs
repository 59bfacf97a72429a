// Runs a command with a throwaway PostgreSQL server: GATEHOUSE_PG_DSN in its environment,
// the server stopped and its directory removed however the command ends.
//   node with_postgres.mjs <command> [args...]
import { spawn } from 'node:child_process';
import { startPostgres } from '../lib/postgres.mjs';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: with_postgres.mjs <command> [args...]');
  process.exit(2);
}
const pg = await startPostgres();
let child;
const forward = (sig) => { child?.kill(sig); };
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const code = await new Promise((resolve) => {
  child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, GATEHOUSE_PG_DSN: pg.dsn } });
  child.on('error', (e) => { console.error(String(e)); resolve(127); });
  child.on('exit', (c, s) => resolve(c ?? (s ? 128 : 1)));
});
await pg.stop();
process.exit(code);
