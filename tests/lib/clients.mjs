// Official MCP clients, connected the way a user would connect them: the v1 SDK for the 2025
// (session) era over Streamable HTTP, stdio and legacy SSE, and the v2 client pinned to the
// 2026-07-28 (stateless) era. Each helper closes its client when the test ends.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttpTransport,
} from '@modelcontextprotocol/client';
import { exampleCommand } from './server.mjs';

export const MODERN_VERSION = '2026-07-28';
const INFO = { name: 'gatehouse-itest', version: '1.0.0' };
const TIMEOUT = { timeout: 10000 };

function closeAfter(t, client) {
  t?.after(() => client.close().catch(() => {}));
  return client;
}

/** v1 client, Streamable HTTP, 2025 era (initialize + Mcp-Session-Id). */
export async function connectLegacyHttp(t, url, { capabilities = {} } = {}) {
  const client = new Client(INFO, { capabilities });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport, TIMEOUT);
  return closeAfter(t, client);
}

/** v2 client pinned to the 2026-07-28 era (server/discover, no session). */
export async function connectModernHttp(t, url, { capabilities = {} } = {}) {
  const client = new ModernClient(INFO, {
    capabilities,
    versionNegotiation: { mode: { pin: MODERN_VERSION }, probe: { timeoutMs: 10000 } },
  });
  await client.connect(new ModernHttpTransport(new URL(url)), TIMEOUT);
  return closeAfter(t, client);
}

/** v1 client over stdio: spawns example `name` with --stdio; closing the client ends the child. */
export async function connectStdio(t, name) {
  const { command, args } = exampleCommand(name, ['--stdio']);
  const transport = new StdioClientTransport({ command, args, stderr: 'pipe' });
  const client = new Client(INFO, { capabilities: {} });
  await client.connect(transport, TIMEOUT);
  t?.after(async () => {
    await client.close().catch(() => {});
    const pid = transport.pid;
    if (pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
  });
  return client;
}

/** v1 client over the legacy 2024-11-05 HTTP+SSE transport (GET /sse, POST to the endpoint event). */
export async function connectSse(t, sseUrl) {
  const client = new Client(INFO, { capabilities: {} });
  await client.connect(new SSEClientTransport(new URL(sseUrl)), TIMEOUT);
  return closeAfter(t, client);
}

/** The text of the first text block of a tools/call result. */
export function firstText(result) {
  const block = result?.content?.find((c) => c.type === 'text');
  if (!block) throw new Error(`no text content in ${JSON.stringify(result)}`);
  return block.text;
}
