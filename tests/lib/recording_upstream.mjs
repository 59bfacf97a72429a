// A minimal MCP server over plain HTTP (2025 era, JSON answers, one tool `ping`) that records
// every request it gets (method, headers), for tests of what the gateway sends upstream.
import http from 'node:http';
import { LEGACY_VERSION } from './raw.mjs';

export async function recordingUpstream(t) {
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const msg = JSON.parse(body || '{}');
      seen.push({ method: msg.method, traceparent: req.headers.traceparent, headers: req.headers });
      if (msg.id === undefined) { res.writeHead(202).end(); return; }
      let result = {};
      if (msg.method === 'initialize') {
        result = { protocolVersion: LEGACY_VERSION, capabilities: { tools: {} }, serverInfo: { name: 'rec', version: '1' } };
        res.setHeader('mcp-session-id', 'upstream-session');
      } else if (msg.method === 'tools/list') {
        result = { tools: [{ name: 'ping', inputSchema: { type: 'object' } }] };
      } else if (msg.method === 'tools/call') {
        result = { content: [{ type: 'text', text: 'pong' }] };
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${server.address().port}/mcp`, seen };
}

