// The official conformance suite's server scenarios through the gateway: starts the
// "everything" server (the C++ example when built, else the TS reference stand-in), the
// gateway (gateway-harness) in front of it as its only target, then runs
// tests/conformance/run-conformance.mjs --url <gateway> and exits with its status.
// Extra arguments go to the runner (e.g. --scenario ping).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTracked, freePort } from '../lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = process.env.GATEHOUSE_SOURCE_DIR ?? path.resolve(here, '..', '..');
const build = process.env.GATEHOUSE_BUILD_DIR ?? path.join(src, 'build-gateway');
const example = path.join(build, 'examples', 'everything', 'gatehouse-everything');

async function waitFor(cond, message, ms = 15000) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const port = await freePort();
const useExample = existsSync(example) && process.env.GATEHOUSE_TEST_SERVER !== 'reference';
const upstream = useExample
  ? spawnTracked(null, example, ['--http', `127.0.0.1:${port}`])
  : spawnTracked(null, process.execPath, [path.join(src, 'tests', 'lib', 'reference-server.mjs'), '--tools', 'everything', '--http', `127.0.0.1:${port}`]);
if (!useExample) await waitFor(() => /listening on/.test(upstream.stderr()), `everything did not start: ${upstream.stderr()}`);
else await new Promise((r) => setTimeout(r, 500));

const spec = { listen: { address: '127.0.0.1', port: 0 }, threads: 2, key: 'conformance',
  targets: [{ name: 'everything', http: `http://127.0.0.1:${port}/mcp`, timeout_ms: 30000 }] };
const gw = spawnTracked(null, path.join(build, 'tests', 'gateway', 'gateway-harness'), [JSON.stringify(spec)]);
let m;
await waitFor(() => (m = /listening on 127\.0\.0\.1:(\d+)/.exec(gw.stderr())), `gateway did not start: ${gw.stderr()}`);
const url = `http://127.0.0.1:${m[1]}/mcp`;
console.log(`conformance through the gateway at ${url} in front of ${useExample ? 'gatehouse-everything' : 'the TS reference everything'}`);

const runner = spawn(process.execPath, [path.join(src, 'tests', 'conformance', 'run-conformance.mjs'), '--url', url,
  '--expected-failures', path.join(here, 'conformance-expected-failures.yaml'), ...process.argv.slice(2)], { stdio: 'inherit' });
const code = await new Promise((resolve) => runner.on('exit', (c) => resolve(c ?? 1)));
await gw.stop();
await upstream.stop();
process.exit(code);
