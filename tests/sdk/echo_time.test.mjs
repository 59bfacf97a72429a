// gatehouse-echo and gatehouse-time driven as a user would: the official clients over
// Streamable HTTP (2025 era, v1 SDK; 2026-07-28 era, v2 client), stdio and legacy HTTP+SSE.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

// Every test has its own deadline so one hung exchange cannot eat the whole CTest budget.
const T = { timeout: 30000 };
import { startExample } from '../lib/server.mjs';
import { connectLegacyHttp, connectModernHttp, connectStdio, connectSse, firstText, MODERN_VERSION } from '../lib/clients.mjs';

const year = String(new Date().getUTCFullYear());

// Per example: the tool it must list, a call, and a check of the answer's text.
const cases = {
  echo: {
    tool: 'echo',
    args: { text: 'hello gatehouse ✓' },
    check: (text) => assert.match(text, /hello gatehouse ✓/),
  },
  time: {
    tool: 'get_time',
    args: { timezone: 'UTC' },
    check: (text) => assert.ok(text.includes(year), `get_time should mention the year ${year}: ${text}`),
  },
};

async function exercise(client, c) {
  const { tools } = await client.listTools();
  const tool = tools.find((x) => x.name === c.tool);
  assert.ok(tool, `tools/list lacks ${c.tool}: ${tools.map((x) => x.name)}`);
  assert.equal(tool.inputSchema?.type, 'object');
  const result = await client.callTool({ name: c.tool, arguments: c.args });
  assert.notEqual(result.isError, true, JSON.stringify(result));
  c.check(firstText(result));
}

for (const [name, c] of Object.entries(cases)) {
  describe(`gatehouse-${name}`, () => {
    let http;
    before(async () => { http = await startExample(null, name, 'http'); });
    after(() => http?.stop());

    it('Streamable HTTP, 2025 era (v1 client)', T, async (t) => {
      const client = await connectLegacyHttp(t, http.url);
      assert.ok(client.getServerVersion()?.name, 'initialize must return serverInfo.name');
      await exercise(client, c);
    });

    it('Streamable HTTP, 2026-07-28 era (v2 client pinned)', T, async (t) => {
      const client = await connectModernHttp(t, http.url);
      assert.equal(client.getProtocolEra(), 'modern');
      assert.equal(client.getNegotiatedProtocolVersion(), MODERN_VERSION);
      const discovered = await client.discover();
      assert.ok(discovered.supportedVersions.includes(MODERN_VERSION), JSON.stringify(discovered));
      assert.ok(discovered.capabilities?.tools, 'server/discover must advertise tools');
      await exercise(client, c);
    });

    it('unknown tool is an error, not a crash', T, async (t) => {
      const client = await connectLegacyHttp(t, http.url);
      let failed = false;
      try {
        const r = await client.callTool({ name: 'no_such_tool', arguments: {} });
        failed = r.isError === true;
      } catch { failed = true; }
      assert.ok(failed, 'calling an unknown tool must fail');
      await exercise(client, c);
    });

    it('stdio (v1 client)', T, async (t) => {
      await exercise(await connectStdio(t, name), c);
    });

    it('legacy HTTP+SSE transport, 2024-11-05 (SSEClientTransport)', T, async (t) => {
      const sse = await startExample(t, name, 'sse');
      await exercise(await connectSse(t, sse.url), c);
    });
  });
}
