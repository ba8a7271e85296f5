/**
 * The JSON Schema files (schemas/transaction-event.v1.json, .v2.json, draft 2020-12) against txpipe's
 * validator: every example in schemas/examples/ is accepted or refused by both, the schema of its own
 * version only, and the schemas' limits are the code's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { MAX_STATUS_LENGTH, validateEvent } from '../../src/events/event.ts';
import { generateEvents } from '../../src/events/generator.ts';
import { currenciesWithMinorUnits } from '../../src/events/minor-units.ts';
import { MAX_AMOUNT_MINOR, MAX_MERCHANT_ID_LENGTH } from '../../src/events/schema-v2.ts';

const root = join(import.meta.dirname, '..', '..', 'schemas');
const read = (file: string) => JSON.parse(readFileSync(join(root, file), 'utf8'));
const RECORD_MS = Date.UTC(2026, 2, 1, 10, 0, 9);

interface Example {
  description: string;
  valid: boolean;
  event: unknown;
  /** For a refused example: how txpipe's reason starts. */
  reason?: string;
}

const ajv = new Ajv2020({ strict: true, allErrors: true });
const schemas = { 1: read('transaction-event.v1.json'), 2: read('transaction-event.v2.json') } as const;
const validators = { 1: ajv.compile(schemas[1]), 2: ajv.compile(schemas[2]) } as const;

for (const version of [1, 2] as const) {
  test(`every schema_version ${version} example: the JSON Schema and txpipe agree, and the other version's schema refuses it`, () => {
    const examples = read(`examples/transaction-event.v${version}.json`) as Example[];
    assert.ok(examples.length >= 30);
    assert.ok(examples.some((e) => e.valid) && examples.some((e) => !e.valid));
    for (const e of examples) {
      const bySchema = validators[version](e.event);
      assert.equal(bySchema, e.valid, `schema on "${e.description}": ${JSON.stringify(validators[version].errors)}`);
      assert.equal(validators[version === 1 ? 2 : 1](e.event), false, `the other schema refuses "${e.description}"`);
      const byCode = validateEvent(JSON.stringify(e.event), RECORD_MS);
      assert.equal(byCode.ok, e.valid, `txpipe on "${e.description}": ${byCode.ok ? 'accepted' : byCode.reason}`);
      if (e.reason !== undefined) {
        assert.ok(!byCode.ok && byCode.reason.startsWith(e.reason), `"${e.description}": reason ${byCode.ok ? '-' : byCode.reason}`);
      }
    }
  });
}

test("the schemas' limits and lists are the code's", () => {
  const v1 = schemas[1];
  const v2 = schemas[2];
  for (const s of [v1, v2]) {
    assert.equal(s.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(s.$defs.status.maxLength, MAX_STATUS_LENGTH);
  }
  assert.deepEqual(v2.properties.currency.enum, currenciesWithMinorUnits());
  assert.equal(v2.properties.amount_minor.maximum, MAX_AMOUNT_MINOR);
  assert.equal(v2.properties.merchant_id.anyOf[1].maxLength, MAX_MERCHANT_ID_LENGTH);
  assert.deepEqual(v1.properties.schema_version, { enum: [1, null], description: 'Absent or null means 1.' });
  assert.equal(v2.properties.schema_version.const, 2);
  assert.equal(v2.properties.amount, false, 'version 2 carries no amount');
});

test('generated traffic (valid, late, re-delivered and deliberately invalid lines) is judged alike by the schemas and txpipe', () => {
  let judged = 0;
  for (const line of generateEvents({
    count: 5000,
    seed: 11,
    start: Date.UTC(2026, 2, 1),
    eventsPerHour: 1000,
    lateRatio: 0.1,
    duplicateRatio: 0.05,
    invalidRatio: 0.3,
  })) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue; // not JSON: no schema applies; txpipe refuses it (events-validate.test.ts)
    }
    judged++;
    const bySchema = validators[1](parsed) || validators[2](parsed);
    const byCode = validateEvent(line, RECORD_MS);
    assert.equal(bySchema, byCode.ok, `${byCode.ok ? 'accepted' : byCode.reason}: ${line.slice(0, 300)}`);
  }
  assert.ok(judged > 4000);
});
