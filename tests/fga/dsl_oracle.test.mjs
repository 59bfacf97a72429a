// The DSL oracle: every case goes through OpenFGA's own @openfga/syntax-transformer and through
// gatehouse-fga-dsl (our parser); both must accept or both refuse, and where both accept, the
// relations (rewrite trees and directly related types) must be the same JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { transformer } from '@openfga/syntax-transformer';

const bin = path.join(process.env.GATEHOUSE_BUILD_DIR ?? '../../build', 'src/fga/gatehouse-fga-dsl');

// One relation `caller` on `doc` with the expression under test.
const withExpr = (expr) => `model
  schema 1.1
type user
type role
  relations
    define member: [user]
type doc
  relations
    define owner: [role]
    define viewer: [user]
    define caller: ${expr}
`;

// Where `[...]` may stand: OpenFGA's relationDef admits it only as the leftmost operand
// (possibly inside leading parentheses); operands after an operator are relationDefNoDirect.
const EXPRESSIONS = [
  '[user]',
  '([user])',
  '(([user]))',
  '[user] or viewer',
  '[user] and viewer',
  '[user] but not viewer',
  '[role#member] or member from owner',
  '[user, role#member, user:*] or viewer or member from owner',
  '([user] or viewer) and viewer',
  '(([user] or viewer) and viewer) but not viewer',
  'viewer or (viewer and viewer)',
  '(viewer or viewer) but not viewer',
  'viewer but not (viewer or viewer)',
  'member from owner',
  // refused by the oracle
  'member from owner or [role#member]',
  'viewer or [user]',
  'viewer and [user]',
  'viewer but not [user]',
  '(viewer or [user])',
  'viewer and ([user] or viewer)',
  '[user] or (viewer and [user])',
  '[user] or [role#member]',
  '[user] or viewer and viewer',
  '[user] but not viewer but not viewer',
  'viewer or member from owner or [user]',
  '(viewer',
  'viewer)',
  '[user',
  '[]',
  'viewer or',
  'member from',
  // whitespace the grammar requires or forbids
  '[user]  or viewer',
  'viewer  or  viewer',
  '( [user] or viewer )',
  '[ user , role#member ]',
  'viewer from  owner',
  '[user]or viewer',
  '[user] or(viewer)',
  '(viewer)or viewer',
  'viewer but  not viewer',
  '[user: *]',
  '[user :*]',
  '[role #member]',
  '[role# member]',
];

const MODELS = [
  ...EXPRESSIONS.map(withExpr),
  // the models in this repository that used the loose form, as they are now
  `model
  schema 1.1
type user
type role
  relations
    define member: [user]
type server
  relations
    define owner: [role]
    define caller: [role#member] or member from owner
`,
];

function ours(texts) {
  return JSON.parse(execFileSync(bin, [], { input: JSON.stringify(texts) }).toString());
}

function oracle(text) {
  try {
    return { ok: true, model: transformer.transformDSLToJSONObject(text) };
  } catch (e) {
    return { ok: false, error: String(e.message ?? e) };
  }
}

// The parts both JSON forms must agree on (metadata other than directly related types, and
// defaults such as empty arrays, differ in presentation only).
function relationsOf(model) {
  const out = {};
  for (const td of model.type_definitions ?? []) {
    const direct = {};
    for (const [name, meta] of Object.entries(td.metadata?.relations ?? {})) {
      direct[name] = (meta.directly_related_user_types ?? []).map((r) => ({
        type: r.type,
        relation: r.relation ?? '',
        wildcard: r.wildcard !== undefined,
        condition: r.condition ?? '',
      }));
    }
    out[td.type] = { relations: td.relations ?? {}, direct };
  }
  return out;
}

test('gatehouse-fga-dsl accepts exactly what @openfga/syntax-transformer accepts', () => {
  const got = ours(MODELS);
  assert.equal(got.length, MODELS.length);
  let accepted = 0;
  for (let i = 0; i < MODELS.length; i++) {
    const label = EXPRESSIONS[i] ?? MODELS[i];
    const want = oracle(MODELS[i]);
    assert.equal(got[i].ok, want.ok,
      `${label}: oracle ${want.ok ? 'accepts' : 'refuses'}, ours ${got[i].ok ? 'accepts' : `refuses (${got[i].error})`}`);
    if (!want.ok) {
      assert.match(got[i].error, /line \d+, column \d+/, label);
      continue;
    }
    accepted++;
    assert.deepEqual(relationsOf(got[i].model), relationsOf(want.model), label);
  }
  assert.ok(accepted >= 15, `only ${accepted} accepted cases`);
});

test('the loose form is refused at the "[" with its line and column', () => {
  const [r] = ours([withExpr('member from owner or [role#member]')]);
  assert.equal(r.ok, false);
  assert.match(r.error, /line 11, column 41: direct assignment/);
});
