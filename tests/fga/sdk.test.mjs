// The OpenFGA HTTP API of the embedded engine, driven by the official @openfga/sdk unchanged:
// store, model (JSON form, from the DSL through @openfga/syntax-transformer), tuples with a
// condition, check with contextual tuples and context, batch check, list objects, list users,
// read, expand, changes, assertions, and OpenFGA-shaped errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { OpenFgaClient } from '@openfga/sdk';
import { transformer } from '@openfga/syntax-transformer';
import { spawnTracked, freePort } from '../lib/server.mjs';

const MODEL = `model
  schema 1.1

type user

type team
  relations
    define member: [user]

type server
  relations
    define owner: [team]
    define caller: [user with from_office] or member from owner

condition from_office(ip: ipaddress) {
  ip.in_cidr("10.0.0.0/8")
}
`;

async function startApi(t) {
  const port = await freePort();
  const bin = path.join(process.env.GATEHOUSE_BUILD_DIR ?? '../build', 'src/fga/gatehouse-fga-api');
  const proc = spawnTracked(t, bin, ['--listen', `127.0.0.1:${port}`]);
  for (let i = 0; i < 100; i++) {
    if (proc.stderr().includes('fga_api.listening')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return `http://127.0.0.1:${port}`;
}

test('the official OpenFGA SDK works against the embedded engine', async (t) => {
  const apiUrl = await startApi(t);
  const admin = new OpenFgaClient({ apiUrl });
  const store = await admin.createStore({ name: 'gatehouse' });
  assert.match(store.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);

  const fga = new OpenFgaClient({ apiUrl, storeId: store.id });
  const model = await fga.writeAuthorizationModel(transformer.transformDSLToJSONObject(MODEL));
  assert.match(model.authorization_model_id, /^[0-9A-Z]{26}$/);
  const read = await fga.readAuthorizationModel({ authorizationModelId: model.authorization_model_id });
  assert.deepEqual(read.authorization_model.type_definitions.map((d) => d.type), ['user', 'team', 'server']);

  await fga.write({
    writes: [
      { user: 'team:payments', relation: 'owner', object: 'server:billing' },
      { user: 'user:alice', relation: 'member', object: 'team:payments' },
      { user: 'user:bob', relation: 'caller', object: 'server:billing', condition: { name: 'from_office' } },
    ],
  }, { authorizationModelId: model.authorization_model_id });

  assert.equal((await fga.check({ user: 'user:alice', relation: 'caller', object: 'server:billing' })).allowed, true);
  assert.equal((await fga.check({ user: 'user:carol', relation: 'caller', object: 'server:billing' })).allowed, false);
  // Contextual tuples count for this one request only.
  assert.equal((await fga.check({
    user: 'user:carol', relation: 'caller', object: 'server:billing',
    contextualTuples: [{ user: 'user:carol', relation: 'member', object: 'team:payments' }],
  })).allowed, true);
  // Conditions see the request context.
  const inOffice = await fga.check({ user: 'user:bob', relation: 'caller', object: 'server:billing', context: { ip: '10.2.3.4' } });
  const outside = await fga.check({ user: 'user:bob', relation: 'caller', object: 'server:billing', context: { ip: '192.168.1.1' } });
  assert.equal(inOffice.allowed, true);
  assert.equal(outside.allowed, false);

  const batch = await fga.batchCheck({ checks: [
    { user: 'user:alice', relation: 'caller', object: 'server:billing', correlationId: 'a' },
    { user: 'user:eve', relation: 'caller', object: 'server:billing', correlationId: 'e' },
  ] });
  const byId = Object.fromEntries(batch.result.map((r) => [r.correlationId, r.allowed]));
  assert.deepEqual(byId, { a: true, e: false });

  const objects = await fga.listObjects({ user: 'user:alice', relation: 'caller', type: 'server' });
  assert.deepEqual(objects.objects, ['server:billing']);
  const users = await fga.listUsers({
    object: { type: 'server', id: 'billing' }, relation: 'caller', user_filters: [{ type: 'user' }],
    context: { ip: '10.0.0.1' },
  });
  assert.deepEqual(users.users.map((u) => u.object?.id).sort(), ['alice', 'bob']);

  const tuples = await fga.read();
  assert.equal(tuples.tuples.length, 3);
  const expand = await fga.expand({ relation: 'member', object: 'team:payments' });
  assert.ok(expand.tree?.root, JSON.stringify(expand));
  const changes = await fga.readChanges();
  assert.equal(changes.changes.length, 3);
  assert.equal(changes.changes[0].operation, 'TUPLE_OPERATION_WRITE');

  await fga.writeAssertions([{ user: 'user:alice', relation: 'caller', object: 'server:billing', expectation: true }],
    { authorizationModelId: model.authorization_model_id });
  const assertions = await fga.readAssertions({ authorizationModelId: model.authorization_model_id });
  assert.equal(assertions.assertions.length, 1);

  // Errors come back in OpenFGA's shape: a tuple the model does not allow is refused.
  await assert.rejects(
    fga.write({ writes: [{ user: 'user:alice', relation: 'owner', object: 'server:billing' }] }),
    (e) => e.responseData?.code === 'validation_error' || /validation/i.test(String(e.message)),
  );
  await assert.rejects(fga.check({ user: 'user:alice', relation: 'nosuch', object: 'server:billing' }));
});
