// dist/functions.json as custom-functions-metadata generated it from functions.ts's JSDoc:
// ids, names, parameter types, dimensionality, optional flags, result shapes. The expectations
// are the function table of docs/excel.md (the documented signatures), written out here.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const file = path.resolve(__dirname, '../../excel-addin/dist/functions.json');

type Param = { name: string; type: string; dimensionality?: string; optional?: boolean };
type Fn = { id: string; name: string; description: string; parameters: Param[]; result: { type?: string; dimensionality?: string }; options?: Record<string, boolean> };

// name → [parameter, type, dimensionality, optional] and the result dimensionality.
const SIGNATURES: Record<string, { params: [string, string, 'matrix' | 'scalar', boolean][]; result: 'matrix' | 'scalar' }> = {
  FIT: {
    params: [
      ['data', 'any', 'matrix', false],
      ['formula', 'string', 'scalar', false],
      ['method', 'string', 'scalar', true],
      ['scale', 'any', 'matrix', true],
      ['encode', 'any', 'matrix', true],
    ],
    result: 'matrix',
  },
  SCORE: {
    params: [
      ['model', 'any', 'matrix', false],
      ['data', 'any', 'matrix', false],
    ],
    result: 'matrix',
  },
  AUC: {
    params: [
      ['scores', 'any', 'matrix', false],
      ['actual', 'any', 'matrix', false],
    ],
    result: 'scalar',
  },
  ROC: {
    params: [
      ['scores', 'any', 'matrix', false],
      ['actual', 'any', 'matrix', false],
    ],
    result: 'matrix',
  },
  SWEEP: {
    params: [
      ['scores', 'any', 'matrix', false],
      ['actual', 'any', 'matrix', false],
      ['step', 'number', 'scalar', true],
      ['profit', 'number', 'scalar', true],
      ['cost', 'number', 'scalar', true],
    ],
    result: 'matrix',
  },
  BREAKEVEN: {
    params: [
      ['profit', 'number', 'scalar', false],
      ['cost', 'number', 'scalar', false],
      ['scores', 'any', 'matrix', true],
      ['actual', 'any', 'matrix', true],
    ],
    result: 'matrix',
  },
  CALIBRATION: {
    params: [
      ['scores', 'any', 'matrix', false],
      ['actual', 'any', 'matrix', false],
      ['bins', 'number', 'scalar', true],
    ],
    result: 'matrix',
  },
  MODELJSON: {
    params: [['model', 'any', 'matrix', false]],
    result: 'matrix',
  },
  MODELTABLE: {
    params: [['json', 'any', 'matrix', false]],
    result: 'matrix',
  },
  HITRATE: {
    params: [
      ['scores', 'any', 'matrix', false],
      ['actual', 'any', 'matrix', false],
      ['threshold', 'number', 'scalar', true],
    ],
    result: 'scalar',
  },
  LIFT: {
    params: [
      ['scores', 'any', 'matrix', false],
      ['actual', 'any', 'matrix', false],
      ['threshold', 'number', 'scalar', true],
    ],
    result: 'scalar',
  },
  RESPRATE: {
    params: [
      ['scores', 'any', 'matrix', false],
      ['actual', 'any', 'matrix', false],
      ['threshold', 'number', 'scalar', true],
    ],
    result: 'scalar',
  },
  ROI: {
    params: [
      ['scores', 'any', 'matrix', false],
      ['actual', 'any', 'matrix', false],
      ['threshold', 'number', 'scalar', false],
      ['profit', 'number', 'scalar', false],
      ['cost', 'number', 'scalar', false],
    ],
    result: 'scalar',
  },
  CONFUSION: {
    params: [
      ['scores', 'any', 'matrix', false],
      ['actual', 'any', 'matrix', false],
      ['threshold', 'number', 'scalar', true],
    ],
    result: 'matrix',
  },
  GAINS: {
    params: [
      ['scores', 'any', 'matrix', false],
      ['actual', 'any', 'matrix', false],
      ['groups', 'number', 'scalar', true],
    ],
    result: 'matrix',
  },
  NORMALIZE: {
    params: [
      ['values', 'any', 'matrix', false],
      ['min', 'number', 'scalar', true],
      ['max', 'number', 'scalar', true],
    ],
    result: 'matrix',
  },
  SIMREVENUE: {
    params: [
      ['churnProbabilities', 'any', 'matrix', false],
      ['revenues', 'any', 'matrix', false],
      ['simulations', 'number', 'scalar', true],
      ['seed', 'any', 'scalar', true],
      ['output', 'string', 'scalar', true],
      ['churnersAtLeast', 'number', 'scalar', true],
    ],
    result: 'matrix',
  },
  OPTPRICE: {
    params: [
      ['churnProbabilities', 'any', 'matrix', false],
      ['revenues', 'any', 'matrix', false],
      ['priceSlope', 'number', 'scalar', false],
      ['lowerBound', 'number', 'scalar', true],
      ['upperBound', 'number', 'scalar', true],
      ['churnersAtLeast', 'number', 'scalar', true],
      ['maxProbability', 'number', 'scalar', true],
      ['maxChurnRate', 'number', 'scalar', true],
    ],
    result: 'matrix',
  },
};
/** Long calculations run as cancelable async functions. */
const CANCELABLE = ['FIT', 'SIMREVENUE', 'OPTPRICE'];

describe.skipIf(!fs.existsSync(file))('functions.json', () => {
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { functions: Fn[] };

  it('declares exactly the documented functions, id = name', () => {
    expect(json.functions.map((f) => f.id).sort()).toEqual(Object.keys(SIGNATURES).sort());
    for (const f of json.functions) expect(f.name).toBe(f.id);
  });

  it.each(Object.entries(SIGNATURES))('%s: parameters, types, dimensionality, optional flags, result', (id, sig) => {
    const f = json.functions.find((g) => g.id === id)!;
    expect(f.description.length).toBeGreaterThan(20);
    expect(f.parameters.map((p) => [p.name, p.type, p.dimensionality ?? 'scalar', p.optional === true])).toEqual(sig.params);
    expect(f.result.dimensionality ?? 'scalar').toBe(sig.result);
    expect(f.options?.cancelable === true).toBe(CANCELABLE.includes(id));
    // Optional parameters come last, as Excel requires.
    const firstOptional = f.parameters.findIndex((p) => p.optional);
    if (firstOptional >= 0) expect(f.parameters.slice(firstOptional).every((p) => p.optional)).toBe(true);
  });

  it('is generated from the JSDoc (regenerating gives the same file)', async () => {
    const { generateCustomFunctionsMetadata } = await import('custom-functions-metadata');
    const fresh = await generateCustomFunctionsMetadata(path.resolve(__dirname, '../../excel-addin/src/functions/functions.ts'));
    expect(fresh.errors).toEqual([]);
    expect(JSON.parse(fresh.metadataJson)).toEqual(json);
  });
});
