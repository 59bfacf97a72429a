// The MCP authorization flow with the unmodified official SDK client, headless, against a
// real AS (oidc-provider), where every resource-server answer comes from the C++ library:
// protected resource metadata and its well-known paths, the 401/403 WWW-Authenticate values,
// and the token verdicts (gatehouse-jwt-verify --stdin, discovery + JWKS over HTTP). A small
// Node stand-in only wires those answers to HTTP in front of an SDK MCP server, until the
// gateway's authn stage does the same.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { startOidcProvider, headlessOAuthClient } from '../lib/oidc.mjs';
import { CLI, startVerifier } from './cli.mjs';

let as;
let rs;
let verifier;
let answers;  // from the C++ resource-server helpers
let resource;

function readBody(req) {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { text += c; });
    req.on('end', () => resolve(text));
  });
}

async function mcpFor(identity, req, res, body) {
  const server = new McpServer({ name: 'protected', version: '1.0.0' });
  server.registerTool('whoami', { description: 'who is calling' }, async () => ({
    content: [{ type: 'text', text: `${identity.subject} via ${identity.client_id} roles=${identity.roles.join(',')}` }],
  }));
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => { transport.close(); server.close(); });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

async function handle(req, res) {
  const url = new URL(req.url, resource);
  if (req.method === 'GET' && (url.pathname === answers.path_suffixed || url.pathname === answers.root)) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(answers.metadata));
  }
  if (url.pathname !== '/mcp') { res.writeHead(404); return res.end(); }
  const authz = req.headers.authorization;
  if (!authz) {
    res.writeHead(401, { 'www-authenticate': answers.challenge_401 });
    return res.end();
  }
  const identity = await verifier.check(authz.replace(/^Bearer +/i, ''));
  if (identity.error) {
    res.writeHead(401, { 'www-authenticate': answers.challenge_401_invalid, 'x-reason': identity.error });
    return res.end();
  }
  const text = await readBody(req);
  const body = text ? JSON.parse(text) : undefined;
  if (body?.method === 'tools/call' && !identity.scopes.includes('tools:call')) {
    res.writeHead(403, { 'www-authenticate': answers.challenge_403 });
    return res.end();
  }
  return mcpFor(identity, req, res, body);
}

before(async () => {
  rs = http.createServer((req, res) => handle(req, res).catch((err) => { res.writeHead(500); res.end(String(err)); }));
  await new Promise((r) => rs.listen(0, '127.0.0.1', r));
  resource = `http://127.0.0.1:${rs.address().port}/mcp`;
  as = await startOidcProvider({ resource, roles: ['dev'] });
  answers = JSON.parse(execFileSync(CLI, ['--prm', resource, '--as', as.issuer, '--scopes', 'tools:read,tools:call']).toString());
  verifier = startVerifier(['--discover', '--iss', as.issuer, '--aud', resource, '--at-jwt']);
});
after(async () => {
  verifier?.close();
  rs?.closeAllConnections();
  await new Promise((r) => rs?.close(r));
  await as?.close();
});

test('SDK client: 401 -> resource metadata -> AS metadata -> registration -> code+PKCE -> retry -> tools', async () => {
  const provider = headlessOAuthClient();
  const first = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider });
  const client = new Client({ name: 'itest', version: '1' });
  await assert.rejects(client.connect(first), UnauthorizedError);
  assert.ok(provider.clientId, 'dynamic registration happened');
  assert.ok(provider.authorizationCode, 'authorization code obtained');
  assert.ok(provider.log.includes(`authorize S256 resource=${resource}`), provider.log.join('\n'));
  await first.finishAuth(provider.authorizationCode);

  const connected = new Client({ name: 'itest', version: '1' });
  await connected.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider }));
  const tools = await connected.listTools();
  assert.deepEqual(tools.tools.map((t) => t.name), ['whoami']);
  const r = await connected.callTool({ name: 'whoami', arguments: {} });
  assert.equal(r.content[0].text, `alice via ${provider.clientId} roles=dev`);
  await connected.close();
});

test('resource metadata at the path-suffixed and root well-known URLs, resource exact', async () => {
  for (const p of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
    const res = await fetch(new URL(p, resource));
    assert.equal(res.status, 200);
    const doc = await res.json();
    assert.equal(doc.resource, resource);
    assert.deepEqual(doc.authorization_servers, [as.issuer]);
  }
  const res = await fetch(resource, { method: 'POST', body: '{}' });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'),
    `Bearer resource_metadata="${answers.metadata_url}", scope="tools:read tools:call"`);
});

test('invalid token -> 401 invalid_token; missing scope -> 403 insufficient_scope', async () => {
  const call = (token) => fetch(resource, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
  });
  let res = await call('not-a-token');
  assert.equal(res.status, 401);
  assert.match(res.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
  assert.equal(res.headers.get('x-reason'), 'jwt.malformed');
  res = await call(await as.clientCredentialsToken({ scope: 'tools:read' }));
  assert.equal(res.status, 403);
  assert.match(res.headers.get('www-authenticate'), /error="insufficient_scope", scope="tools:read tools:call"/);
});
