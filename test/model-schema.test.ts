/**
 * The saved model's format is one definition (LOGIT_MODEL_SCHEMA): the run-time check
 * (schemaViolation) must agree with an independent JSON Schema validator (Ajv, draft-07) on every
 * document, the reader must refuse what the schema refuses, the statistics' names come from it,
 * and the build writes exactly it, with its descriptions, to kernel-lib/logit-model.schema.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { bankCardCustomers } from '../kernel-lib/src/datasets';
import { CbmError, FIT_STATISTICS_KEYS, LOGIT_MODEL_SCHEMA, LogitModel, fitLogit, fitPreparation, schemaViolation } from '../kernel-lib/src/index';
import { LOGIT_MODEL_DESCRIPTIONS, documentedLogitModelSchema, documentedSchema } from '../kernel-lib/src/model/modelSchemaDocs';

// A model with every optional part: a preparation (encodings and ranges), a factor, provenance and an event level.
const customers = bankCardCustomers({ seed: 7 }).filter((c) => c.contacted);
const prepare = fitPreparation(customers, { encode: { gender: { M: 1, F: 0 } }, scale: ['income'] });
const model = fitLogit(
  customers.map((c) => ({ ...c, band: c.age < 30 ? 'young' : 'older', outcome: c.responded ? 'yes' : 'no' })),
  'outcome ~ gender * income + band',
  { prepare, event: 'yes', provenance: { seed: 7, note: null } },
);
const valid = JSON.parse(JSON.stringify(model.toJSON())) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(LOGIT_MODEL_SCHEMA as object);

/** Every document one edit away from `doc`: each value removed, replaced by values of other types, and an extra key beside it. */
function mutations(doc: unknown, out: unknown[] = [], rebuild: (v: unknown) => unknown = (v) => v): unknown[] {
  const replacements = [null, 'text', 0.5, 3, -1, 2, true, [], {}, ['a', 'a'], [1]];
  if (Array.isArray(doc)) {
    for (const r of replacements) out.push(rebuild(r));
    out.push(rebuild([]));
    doc.slice(0, 3).forEach((item, i) => {
      out.push(rebuild(doc.filter((_, k) => k !== i)));
      mutations(item, out, (v) => rebuild(doc.map((x, k) => (k === i ? v : x))));
    });
  } else if (doc !== null && typeof doc === 'object') {
    const record = doc as Record<string, unknown>;
    for (const r of replacements) out.push(rebuild(r));
    out.push(rebuild({ ...record, extra: 1 }));
    for (const key of Object.keys(record)) {
      const { [key]: _removed, ...rest } = record;
      out.push(rebuild(rest));
      mutations(record[key], out, (v) => rebuild({ ...record, [key]: v }));
    }
  } else {
    for (const r of replacements) out.push(rebuild(r));
  }
  return out;
}

describe('LOGIT_MODEL_SCHEMA is the one definition of the model JSON', () => {
  it('schemaViolation agrees with Ajv (draft-07) on a fitted model and on every one-edit mutation of it', () => {
    expect(ajv(valid)).toBe(true);
    expect(schemaViolation(valid, LOGIT_MODEL_SCHEMA)).toBeNull();
    const docs = mutations(valid);
    expect(docs.length).toBeGreaterThan(800);
    let refused = 0;
    for (const doc of docs) {
      const problem = schemaViolation(doc, LOGIT_MODEL_SCHEMA);
      expect({ doc, ajv: ajv(doc) }).toEqual({ doc, ajv: problem === null });
      if (problem) refused++;
    }
    expect(refused).toBeGreaterThan(docs.length / 2);
  });

  it("the reader refuses whatever the schema refuses (an extra field too), with the schema's words", () => {
    for (const doc of mutations(valid)) {
      if (schemaViolation(doc, LOGIT_MODEL_SCHEMA) === null) continue;
      expect(() => LogitModel.fromJSON(doc as never)).toThrow(CbmError);
    }
    expect(() => LogitModel.fromJSON({ ...valid, note: 'hand-added' } as never)).toThrow(/note is not part of the format/);
    expect(() => LogitModel.fromJSON({ ...valid, statistics: { ...(valid.statistics as object), nObs: 'many' } } as never)).toThrow(/statistics\.nObs/);
  });

  it("a fitted model's statistics have exactly FIT_STATISTICS_KEYS", () => {
    expect(Object.keys(model.statistics).sort()).toEqual([...FIT_STATISTICS_KEYS].sort());
  });

  it('the build writes LOGIT_MODEL_SCHEMA with its descriptions to kernel-lib/logit-model.schema.json', () => {
    const file = join(__dirname, '..', 'kernel-lib', 'logit-model.schema.json');
    expect(existsSync(file), 'run npm run build first').toBe(true);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written).toEqual(documentedLogitModelSchema());
    // The descriptions are annotations: without them the file is the schema the reader enforces.
    const withoutDescriptions = JSON.parse(JSON.stringify(written, (key, value) => (key === 'description' ? undefined : value)));
    expect(withoutDescriptions).toEqual(LOGIT_MODEL_SCHEMA);
    expect(new Ajv({ strict: true, allowUnionTypes: true }).compile(written)(valid)).toBe(true);
  });

  it('every property of the format has a description, and every description names a part of the schema', () => {
    const properties: string[] = [];
    const walk = (node: unknown, pointer: string): void => {
      if (node === null || typeof node !== 'object') return;
      for (const [key, child] of Object.entries(node)) {
        if (key === 'properties') for (const name of Object.keys(child as object)) properties.push(`${pointer}/properties/${name}`);
        walk(child, `${pointer}/${key}`);
      }
    };
    walk(LOGIT_MODEL_SCHEMA, '');
    // min and max of a range are said by the ranges' own description.
    const undocumented = properties.filter((p) => !(p in LOGIT_MODEL_DESCRIPTIONS) && !/\/ranges\/additionalProperties\/properties\/(min|max)$/.test(p));
    expect(undocumented).toEqual([]);
    expect(LOGIT_MODEL_DESCRIPTIONS['']).toMatch(/saved logistic regression/);
    expect(() => documentedSchema(LOGIT_MODEL_SCHEMA, { '/properties/nosuch': 'x' })).toThrow(/names no part of the schema/);
  });

  it('a schema keyword it does not check is refused, so the schema cannot promise more than is checked', () => {
    expect(() => schemaViolation('x', { pattern: '^a' })).toThrow(CbmError);
  });
});
