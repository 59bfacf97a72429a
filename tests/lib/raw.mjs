// Raw HTTP helpers for protocol-level checks: exact status codes, headers and JSON-RPC error
// codes, which the SDK clients hide. Every request has a deadline.
export const LEGACY_VERSION = '2025-11-25';
export const MODERN_VERSION = '2026-07-28';
export const ACCEPT_BOTH = 'application/json, text/event-stream';

/** Parse an SSE body into [{ id, event, data }] (data joined by newlines). */
export function parseSse(text) {
  const events = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const ev = { id: undefined, event: 'message', data: [] };
    let any = false;
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'data') { ev.data.push(value); any = true; } else if (field === 'id') { ev.id = value; any = true; } else if (field === 'event') ev.event = value;
    }
    if (any) events.push({ ...ev, data: ev.data.join('\n') });
  }
  return events;
}

/**
 * POST `body` (object → JSON, string → as is) and read the whole answer. Returns
 * { status, headers, text, json, messages } where messages are the JSON-RPC messages of the
 * body (one for application/json, all data events for text/event-stream) and json the last one.
 */
export async function post(url, body, headers = {}, { timeoutMs = 10000 } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH, ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return readAnswer(res);
}

export async function readAnswer(res) {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  let messages = [];
  if (type.includes('text/event-stream')) {
    messages = parseSse(text).filter((e) => e.data.trim()).map((e) => JSON.parse(e.data));
  } else if (text.trim()) {
    try { messages = [JSON.parse(text)]; } catch { /* not JSON: leave empty */ }
  }
  return { status: res.status, headers: res.headers, text, messages, json: messages.at(-1) };
}

/** A 2025-era initialize; returns the session id (after sending notifications/initialized). */
export async function legacyInitialize(url, { version = LEGACY_VERSION } = {}) {
  const r = await post(url, {
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  if (r.status !== 200 || !r.json?.result) throw new Error(`initialize failed: ${r.status} ${r.text}`);
  const sid = r.headers.get('mcp-session-id');
  const h = { 'mcp-protocol-version': r.json.result.protocolVersion };
  if (sid) h['mcp-session-id'] = sid;
  const n = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, h);
  if (n.status !== 202) throw new Error(`notifications/initialized answered ${n.status} ${n.text}`);
  return { sessionId: sid, headers: h };
}

/** Headers of a 2026-07-28 request as the spec requires them (overridable). */
export function modernHeaders(method, name, extra = {}) {
  const h = { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': method };
  if (name !== undefined) h['mcp-name'] = name;
  return { ...h, ...extra };
}

/** A 2026-07-28 request body: params carry the per-request _meta envelope. */
export function modernBody(id, method, params = {}, { version = MODERN_VERSION } = {}) {
  return {
    jsonrpc: '2.0', id, method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': version,
        'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
        'io.modelcontextprotocol/clientCapabilities': {},
        ...(params._meta ?? {}),
      },
    },
  };
}

/** A normal legacy-era tools/list on a fresh session: proves the server still serves. */
export async function assertStillServes(assert, url) {
  const { headers } = await legacyInitialize(url);
  const r = await post(url, { jsonrpc: '2.0', id: 99, method: 'tools/list' }, headers);
  assert.equal(r.status, 200, `server stopped serving: ${r.status} ${r.text}`);
  assert.ok(Array.isArray(r.json?.result?.tools), `tools/list after the edge case: ${r.text}`);
}
