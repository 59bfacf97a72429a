// gatehouse-everything through the official clients: notifications during a call (logging,
// progress), server-to-client round trips (sampling, elicitation) on the 2025 era, resources,
// templates, prompts and completion; and the same surface on the 2026-07-28 era.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

// Every test has its own deadline so one hung exchange cannot eat the whole CTest budget.
const T = { timeout: 30000 };
import { CallToolResultSchema, CreateMessageRequestSchema, ElicitRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startExample } from '../lib/server.mjs';
import { connectLegacyHttp, connectModernHttp, firstText } from '../lib/clients.mjs';

describe('gatehouse-everything', () => {
  let srv;
  before(async () => { srv = await startExample(null, 'everything', 'http'); });
  after(() => srv?.stop());

  it('logging notifications arrive during test_tool_with_logging', T, async (t) => {
    const client = await connectLegacyHttp(t, srv.url);
    const logs = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logs.push(n.params); });
    const r = await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    assert.notEqual(r.isError, true, JSON.stringify(r));
    assert.ok(logs.length >= 3, `expected >= 3 notifications/message, got ${JSON.stringify(logs)}`);
    for (const l of logs) assert.ok(l.level && l.data !== undefined, JSON.stringify(l));
  });

  it('progress notifications arrive, increasing, for the request token', T, async (t) => {
    const client = await connectLegacyHttp(t, srv.url);
    const progress = [];
    const r = await client.request(
      { method: 'tools/call', params: { name: 'test_tool_with_progress', arguments: {} } },
      CallToolResultSchema,
      { onprogress: (p) => progress.push(p), timeout: 10000 },
    );
    assert.notEqual(r.isError, true);
    assert.ok(progress.length >= 3, `expected >= 3 progress notifications, got ${JSON.stringify(progress)}`);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].progress >= progress[i - 1].progress, JSON.stringify(progress));
    assert.equal(progress.at(-1).progress, progress.at(-1).total ?? progress.at(-1).progress);
  });

  it('sampling round trip through the client handler (2025 era)', T, async (t) => {
    const client = await connectLegacyHttp(t, srv.url, { capabilities: { sampling: {} } });
    let seen;
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
      seen = req.params;
      return { role: 'assistant', content: { type: 'text', text: 'sampled-by-itest' }, model: 'itest-model', stopReason: 'endTurn' };
    });
    const r = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'say something' } });
    assert.ok(seen, 'the server never sent sampling/createMessage');
    assert.equal(seen.messages[0].content.text, 'say something');
    assert.match(firstText(r), /sampled-by-itest/);
  });

  it('elicitation round trip through the client handler (2025 era)', T, async (t) => {
    const client = await connectLegacyHttp(t, srv.url, { capabilities: { elicitation: {} } });
    let seen;
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      seen = req.params;
      return { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } };
    });
    const r = await client.callTool({ name: 'test_elicitation', arguments: { message: 'who are you?' } });
    assert.ok(seen, 'the server never sent elicitation/create');
    assert.equal(seen.message, 'who are you?');
    assert.equal(seen.requestedSchema?.type, 'object');
    const text = firstText(r);
    assert.match(text, /accept/);
    assert.match(text, /ada/);
  });

  it('resources: list, read text and binary, templates', T, async (t) => {
    const client = await connectLegacyHttp(t, srv.url);
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    assert.ok(uris.includes('test://static-text'), JSON.stringify(uris));
    assert.ok(uris.includes('test://static-binary'), JSON.stringify(uris));
    const text = await client.readResource({ uri: 'test://static-text' });
    assert.equal(text.contents[0].uri, 'test://static-text');
    assert.ok(text.contents[0].text.length > 0);
    const bin = await client.readResource({ uri: 'test://static-binary' });
    assert.ok(Buffer.from(bin.contents[0].blob, 'base64').length > 0, 'binary resource must carry a base64 blob');
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.ok(resourceTemplates.some((x) => x.uriTemplate === 'test://template/{id}/data'), JSON.stringify(resourceTemplates));
    const templ = await client.readResource({ uri: 'test://template/4242/data' });
    assert.equal(templ.contents[0].uri, 'test://template/4242/data');
    assert.match(templ.contents[0].text, /4242/);
    await assert.rejects(client.readResource({ uri: 'test://no-such-resource' }), 'an unknown resource must be an error');
  });

  it('prompts: list and get, with arguments', T, async (t) => {
    const client = await connectLegacyHttp(t, srv.url);
    const { prompts } = await client.listPrompts();
    assert.ok(prompts.some((p) => p.name === 'test_simple_prompt'), JSON.stringify(prompts));
    const simple = await client.getPrompt({ name: 'test_simple_prompt' });
    assert.equal(simple.messages[0].role, 'user');
    const withArgs = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'alpha', arg2: 'beta' } });
    assert.match(withArgs.messages[0].content.text, /alpha/);
    assert.match(withArgs.messages[0].content.text, /beta/);
  });

  it('completion/complete answers with a values array', T, async (t) => {
    const client = await connectLegacyHttp(t, srv.url);
    assert.ok(client.getServerCapabilities()?.completions, 'completions capability must be declared');
    const r = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'pa' } });
    assert.ok(Array.isArray(r.completion.values), JSON.stringify(r));
  });

  it('2026-07-28 era: tools, resources, prompts and progress', T, async (t) => {
    const client = await connectModernHttp(t, srv.url);
    assert.equal(client.getProtocolEra(), 'modern');
    const { tools } = await client.listTools();
    assert.ok(tools.some((x) => x.name === 'test_simple_text'));
    assert.ok(firstText(await client.callTool({ name: 'test_simple_text', arguments: {} })).length > 0);
    const text = await client.readResource({ uri: 'test://static-text' });
    assert.ok(text.contents[0].text.length > 0);
    const prompt = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'x1', arg2: 'y2' } });
    assert.match(prompt.messages[0].content.text, /x1/);
    const progress = [];
    await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, { onprogress: (p) => progress.push(p), timeout: 10000 });
    assert.ok(progress.length >= 3, `modern era progress: ${JSON.stringify(progress)}`);
  });
});

describe('gatehouse-everything, 2026-07-28 multi round-trip (input-required results)', () => {
  let srv;
  before(async () => { srv = await startExample(null, 'everything', 'http'); });
  after(() => srv?.stop());

  it('elicitation and sampling are fulfilled by the client and the call retried', T, async (t) => {
    const client = await connectModernHttp(t, srv.url, { capabilities: { elicitation: {}, sampling: {} } });
    let elicited = 0, sampled = 0;
    client.setRequestHandler('elicitation/create', async () => { elicited++; return { action: 'accept', content: { username: 'mrtr-user', email: 'm@example.com' } }; });
    client.setRequestHandler('sampling/createMessage', async () => { sampled++; return { role: 'assistant', content: { type: 'text', text: 'mrtr-sampled' }, model: 'itest' }; });
    const e = await client.callTool({ name: 'test_elicitation', arguments: { message: 'who?' } });
    assert.equal(elicited, 1, `elicitation handler calls: ${JSON.stringify(e)}`);
    assert.match(firstText(e), /mrtr-user/);
    const s = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'p' } });
    assert.equal(sampled, 1, `sampling handler calls: ${JSON.stringify(s)}`);
    assert.match(firstText(s), /mrtr-sampled/);
  });
});
