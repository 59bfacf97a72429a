// A stand-in for the C++ example servers, built on the official TypeScript SDKs and taking the
// same command line (`--tools echo|time|everything` plus `--http H:P`, `--stdio` or `--sse H:P`),
// so the integration tests can be validated against a known-good peer (GATEHOUSE_TEST_SERVER=reference).
// Streamable HTTP serves both eras on /mcp: 2025 sessions (v2 transport) and 2026-07-28 (createMcpHandler).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import {
  McpServer,
  ResourceTemplate,
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  fromJsonSchema,
  inputRequired,
  isLegacyRequest,
} from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';

const PNG_1PX =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function parseArgs(argv) {
  const opts = { tools: 'everything', mode: null, addr: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--tools') opts.tools = argv[++i];
    else if (a === '--http' || a === '--sse') { opts.mode = a.slice(2); opts.addr = argv[++i]; }
    else if (a === '--stdio') opts.mode = 'stdio';
  }
  if (!opts.mode) throw new Error('usage: reference-server.mjs --tools NAME (--http H:P | --sse H:P | --stdio)');
  return opts;
}

// A 44-byte WAV header with no samples: the smallest valid audio/wav.
const WAV_EMPTY = 'UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function registerEverything(server, era) {
  server.registerTool('test_simple_text', { inputSchema: z.object({}), description: 'Returns simple text' }, async () => ({
    content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
  }));
  server.registerTool('test_image_content', { inputSchema: z.object({}), description: 'Returns an image' }, async () => ({
    content: [{ type: 'image', data: PNG_1PX, mimeType: 'image/png' }],
  }));
  server.registerTool('test_error_handling', { inputSchema: z.object({}), description: 'Always fails' }, async () => ({
    isError: true,
    content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }],
  }));
  server.registerTool('test_tool_with_logging', { inputSchema: z.object({}), description: 'Logs while running' }, async (_args, ctx) => {
    await ctx.mcpReq.log('info', 'Tool execution started');
    await sleep(50);
    await ctx.mcpReq.log('info', 'Tool processing data');
    await sleep(50);
    await ctx.mcpReq.log('info', 'Tool execution completed');
    return { content: [{ type: 'text', text: 'Tool with logging executed successfully' }] };
  });
  server.registerTool('test_tool_with_progress', { inputSchema: z.object({}), description: 'Reports progress' }, async (_args, ctx) => {
    const token = ctx.mcpReq._meta?.progressToken;
    for (const progress of [0, 50, 100]) {
      if (token !== undefined) {
        await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress, total: 100 } });
      }
      if (progress < 100) await sleep(50);
    }
    return { content: [{ type: 'text', text: `Progress completed (token: ${token})` }] };
  });
  server.registerTool(
    'test_sampling',
    { description: 'Asks the client for a completion', inputSchema: z.object({ prompt: z.string() }) },
    async ({ prompt }, ctx) => {
      const params = { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 };
      let r;
      if (era === 'modern') {
        // 2026-07-28: no server-to-client requests; ask through an input-required result (MRTR).
        r = ctx.mcpReq.inputResponses?.llm;
        if (!r) return inputRequired({ inputRequests: { llm: inputRequired.createMessage(params) } });
      } else r = await ctx.mcpReq.requestSampling(params);
      const text = r.content?.type === 'text' ? r.content.text : JSON.stringify(r.content);
      return { content: [{ type: 'text', text: `LLM response: ${text}` }] };
    },
  );
  server.registerTool(
    'test_elicitation',
    { description: 'Asks the user for input', inputSchema: z.object({ message: z.string() }) },
    async ({ message }, ctx) => {
      const params = {
        message,
        requestedSchema: {
          type: 'object',
          properties: { username: { type: 'string' }, email: { type: 'string' } },
          required: ['username', 'email'],
        },
      };
      let r;
      if (era === 'modern') {
        r = ctx.mcpReq.inputResponses?.user;
        if (!r) return inputRequired({ inputRequests: { user: inputRequired.elicit(params) } });
      } else r = await ctx.mcpReq.elicitInput(params);
      return { content: [{ type: 'text', text: `User response: action=${r.action}, content=${JSON.stringify(r.content ?? {})}` }] };
    },
  );
  server.registerResource('static-text', 'test://static-text', { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
  }));
  server.registerResource('static-binary', 'test://static-binary', { mimeType: 'image/png' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG_1PX }],
  }));
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { mimeType: 'application/json' },
    async (uri, { id }) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true }) }],
    }),
  );
  server.registerPrompt('test_simple_prompt', { description: 'A simple prompt' }, async () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }));
  server.registerPrompt(
    'test_prompt_with_arguments',
    { description: 'A prompt with arguments', argsSchema: z.object({ arg1: z.string(), arg2: z.string() }) },
    async ({ arg1, arg2 }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }],
    }),
  );
  const noArgs = { inputSchema: z.object({}) };
  server.registerTool('test_audio_content', { ...noArgs, description: 'Returns audio' }, async () => ({
    content: [{ type: 'audio', data: WAV_EMPTY, mimeType: 'audio/wav' }],
  }));
  server.registerTool('test_embedded_resource', { ...noArgs, description: 'Returns an embedded resource' }, async () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
  }));
  server.registerTool('test_multiple_content_types', { ...noArgs, description: 'Returns mixed content' }, async () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG_1PX, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: '{"test":"data","value":123}' } },
    ],
  }));
  const elicitTool = (name, requestedSchema) =>
    server.registerTool(name, { ...noArgs, description: 'Elicitation schema test' }, async (_a, ctx) => {
      const r = await ctx.mcpReq.elicitInput({ message: `Testing ${name}`, requestedSchema });
      return { content: [{ type: 'text', text: `Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}` }] };
    });
  elicitTool('test_elicitation_sep1034_defaults', {
    type: 'object',
    properties: {
      name: { type: 'string', default: 'John Doe' },
      age: { type: 'integer', default: 30 },
      score: { type: 'number', default: 95.5 },
      status: { type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' },
      verified: { type: 'boolean', default: true },
    },
  });
  elicitTool('test_elicitation_sep1330_enums', {
    type: 'object',
    properties: {
      untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
      titledSingle: { type: 'string', oneOf: [{ const: 'value1', title: 'First Option' }, { const: 'value2', title: 'Second Option' }, { const: 'value3', title: 'Third Option' }] },
      legacyEnum: { type: 'string', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
      untitledMulti: { type: 'array', items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
      titledMulti: { type: 'array', items: { anyOf: [{ const: 'value1', title: 'First Choice' }, { const: 'value2', title: 'Second Choice' }, { const: 'value3', title: 'Third Choice' }] } },
    },
  });
  server.registerTool('json_schema_2020_12_tool', {
    description: 'Tool with JSON Schema 2020-12 features',
    inputSchema: fromJsonSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
      properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
      additionalProperties: false,
    }),
  }, async (args) => ({ content: [{ type: 'text', text: JSON.stringify(args) }] }));
  server.registerResource('watched', 'test://watched-resource', { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'watched' }],
  }));
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    { description: 'Embeds a resource', argsSchema: z.object({ resourceUri: z.string() }) },
    async ({ resourceUri }) => ({
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );
  server.registerPrompt('test_prompt_with_image', { description: 'Has an image' }, async () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG_1PX, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }));
  // completion/complete: the high-level server only answers it for completable schemas; a plain
  // handler keeps the reference independent of that machinery.
  server.server.registerCapabilities({ completions: {}, logging: {}, resources: { subscribe: true } });
  server.server.setRequestHandler('resources/subscribe', async () => ({}));
  server.server.setRequestHandler('resources/unsubscribe', async () => ({}));
  server.server.setRequestHandler('completion/complete', async (req) => {
    const v = req.params.argument?.value ?? '';
    const values = ['paris', 'park', 'party'].filter((x) => x.startsWith(v));
    return { completion: { values, total: values.length, hasMore: false } };
  });
}

function buildServer(tools, era = 'legacy') {
  const server = new McpServer({ name: `reference-${tools}`, version: '1.0.0' }, { capabilities: { logging: {} } });
  if (tools === 'echo' || tools === 'everything') {
    server.registerTool(
      'echo',
      { description: 'Echoes its input', inputSchema: z.object({ text: z.string() }) },
      async ({ text }) => ({ content: [{ type: 'text', text }] }),
    );
  }
  if (tools === 'time') {
    server.registerTool(
      'get_time',
      { description: 'Current time', inputSchema: z.object({ timezone: z.string().optional() }) },
      async ({ timezone }) => ({
        content: [{ type: 'text', text: new Date().toLocaleString('sv-SE', { timeZone: timezone ?? 'UTC' }) + ` ${timezone ?? 'UTC'}` }],
      }),
    );
  }
  if (tools === 'everything') registerEverything(server, era);
  return server;
}

// Minimal in-memory event store so the legacy era's Last-Event-ID resumability can be exercised.
class MemoryEventStore {
  constructor() { this.events = new Map(); this.n = 0; }
  async storeEvent(streamId, message) {
    const id = `${streamId}_${++this.n}`;
    this.events.set(id, { streamId, message });
    return id;
  }
  async getStreamIdForEventId(id) { return this.events.get(id)?.streamId; }
  async replayEventsAfter(lastId, { send }) {
    const start = this.events.get(lastId);
    if (!start) return '';
    let after = false;
    for (const [id, ev] of this.events) {
      if (id === lastId) { after = true; continue; }
      if (after && ev.streamId === start.streamId) await send(id, ev.message);
    }
    return start.streamId;
  }
}

function isLoopbackOrigin(origin) {
  try {
    const h = new URL(origin).hostname;
    return h === 'localhost' || h === '127.0.0.1' || h === '[::1]';
  } catch { return false; }
}

function toWebRequest(req, body, base) {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) v.forEach((x) => headers.append(k, x)); else if (v !== undefined) headers.set(k, v);
  }
  const init = { method: req.method, headers };
  if (body && body.length && req.method !== 'GET' && req.method !== 'HEAD') init.body = body;
  return new Request(new URL(req.url, base), init);
}

async function writeWebResponse(res, response) {
  const headers = {};
  response.headers.forEach((v, k) => { headers[k] = v; });
  res.writeHead(response.status, headers);
  if (!response.body) return res.end();
  const reader = response.body.getReader();
  res.on('close', () => reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch { /* client went away */ }
  res.end();
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = []; let size = 0;
    req.on('data', (c) => { size += c.length; if (size <= limit) chunks.push(c); });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function serveHttp(tools, host, port) {
  const modern = createMcpHandler((ctx) => buildServer(tools, ctx.era), { legacy: 'reject' });
  const sessions = new Map();
  const base = `http://${host}:${port}`;
  const srv = http.createServer(async (req, res) => {
    try {
      if (new URL(req.url, base).pathname !== '/mcp') { res.writeHead(404).end(); return; }
      if (req.headers.origin && !isLoopbackOrigin(req.headers.origin)) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Forbidden origin' }, id: null }));
        return;
      }
      const body = await readBody(req, 4 * 1024 * 1024);
      if (body === null) {
        res.writeHead(413, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32600, message: 'Payload too large' }, id: null }));
        return;
      }
      const request = toWebRequest(req, body, base);
      if (!(await isLegacyRequest(request.clone()))) { await writeWebResponse(res, await modern.fetch(request)); return; }
      // Batches left the protocol in 2025-06-18; the official transport still accepts them, the
      // Gatehouse servers must not, so the stand-in models the stricter answer.
      if (req.method === 'POST' && body.toString().trimStart().startsWith('[')) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32600, message: 'Batches are not supported' }, id: null }));
        return;
      }
      const sid = req.headers['mcp-session-id'];
      let transport = sid ? sessions.get(sid) : undefined;
      if (!transport) {
        let parsed; try { parsed = JSON.parse(body.toString()); } catch { /* handled by the transport */ }
        if (sid || !(req.method === 'POST' && parsed?.method === 'initialize')) {
          res.writeHead(sid ? 404 : 400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: sid ? 'Session not found' : 'Missing session' }, id: null }));
          return;
        }
        transport = new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          eventStore: new MemoryEventStore(),
          onsessioninitialized: (id) => sessions.set(id, transport),
          onsessionclosed: (id) => sessions.delete(id),
        });
        await buildServer(tools).connect(transport);
      }
      await writeWebResponse(res, await transport.handleRequest(request));
    } catch (e) {
      if (!res.headersSent) res.writeHead(500).end(String(e)); else res.end();
    }
  });
  srv.listen(port, host, () => process.stderr.write(`listening on ${host}:${srv.address().port}\n`));
}

function serveSse(tools, host, port) {
  const transports = new Map();
  const srv = http.createServer(async (req, res) => {
    const url = new URL(req.url, `http://${host}`);
    if (req.method === 'GET' && url.pathname === '/sse') {
      const t = new SSEServerTransport('/messages', res);
      transports.set(t.sessionId, t);
      res.on('close', () => transports.delete(t.sessionId));
      await buildServer(tools).connect(t);
    } else if (req.method === 'POST' && url.pathname === '/messages') {
      const t = transports.get(url.searchParams.get('sessionId'));
      if (!t) { res.writeHead(404).end('unknown session'); return; }
      await t.handlePostMessage(req, res);
    } else res.writeHead(404).end();
  });
  srv.listen(port, host, () => process.stderr.write(`listening on ${host}:${srv.address().port}\n`));
}

const opts = parseArgs(process.argv.slice(2));
if (opts.mode === 'stdio') {
  await buildServer(opts.tools).connect(new StdioServerTransport());
} else {
  const i = opts.addr.lastIndexOf(':');
  const host = opts.addr.slice(0, i), port = Number(opts.addr.slice(i + 1));
  (opts.mode === 'http' ? serveHttp : serveSse)(opts.tools, host, port);
}
