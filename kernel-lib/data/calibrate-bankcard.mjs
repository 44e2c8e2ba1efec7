// Calibrates BANKCARD_MECHANISM's response parameters (never the rows): for each candidate
// (intercept, maleAge, maleIncome) it draws many customer files, runs the book's walk-through
// (prepare over the file, 2:1 split, free backward elimination by AIC from the second-order
// model, a = 0.8 on the training rows) and averages the metrics, then ranks candidates by their
// distance to the book's figures. Run after `npm run build`:
//   node kernel-lib/data/calibrate-bankcard.mjs [draws]
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const k = { ...require('../dist/index.js'), ...require('../dist/datasets.js') };

const draws = Number(process.argv[2] ?? 100);
const target = { base: 0.36, share: 0.22, responseRate: 0.82, hit: 0.78, lift: 2.28 };
const results = [];
for (const ceiling of [0.8, 0.83, 0.86])
  for (const intercept of [-2.6, -2.2, -1.8])
    for (const maleAge of [6, 7.5, 9])
      for (const maleIncome of [6, 7.5, 9]) {
        const sum = { base: 0, share: 0, responseRate: 0, hit: 0, lift: 0 };
        let counted = 0;
        for (let d = 0; d < draws; d++) {
          const customers = k.bankCardCustomers({ seed: `calibration-${d}`, mechanism: { intercept, maleAge, maleIncome, ceiling } });
          const contacted = customers.filter((c) => c.contacted);
          const prepare = k.fitPreparation(customers, { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] });
          const { train } = k.trainValidationSplit(contacted, { seed: d });
          let model;
          try {
            model = k.stepwise(train, 'responded ~ (gender + income + age)^2', { prepare, hierarchical: false }).model;
          } catch {
            continue; // a draw with separation: skip it
          }
          const p = model.predict(train);
          const y = train.map((r) => r.responded);
          const c = k.confusion(p, y, 0.8);
          if (c.selected === 0) continue;
          counted++;
          sum.base += c.responders / c.n;
          sum.share += c.selected / c.n;
          sum.responseRate += c.truePositives / c.selected;
          sum.hit += (c.truePositives + c.trueNegatives) / c.n;
          sum.lift += k.lift(p, y, 0.8);
        }
        const mean = Object.fromEntries(Object.entries(sum).map(([key, v]) => [key, v / counted]));
        const distance = Math.hypot(...Object.keys(target).map((key) => (mean[key] - target[key]) / (key === 'lift' ? 1 : 0.1)));
        results.push({ ceiling, intercept, maleAge, maleIncome, counted, distance, ...mean });
      }
results.sort((a, b) => a.distance - b.distance);
console.table(results.slice(0, 10).map((r) => Object.fromEntries(Object.entries(r).map(([key, v]) => [key, typeof v === 'number' ? Number(v.toFixed(3)) : v]))));
