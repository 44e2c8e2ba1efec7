// Renders the README's chart (the gains chart of the walk-through model on the 50 validation
// customers, which the model was not fitted on) with kernel-lib itself. Run after `npm run build`: node notebooks/figures/make-readme-chart.mjs
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const kl = require('@cbm-kit/kernel-lib');
const { bankCardCustomers, BANKCARD_SEED } = require('@cbm-kit/kernel-lib/datasets');
const { gainsChart } = require('@cbm-kit/kernel-lib/charts');
const { renderSvg } = require('@cbm-kit/kernel-lib/render');

const customers = bankCardCustomers({ seed: BANKCARD_SEED });
const prepare = kl.fitPreparation(customers, { encode: { gender: { M: 1, F: 0 } }, scale: ['income', 'age'] });
const contacted = customers.filter((c) => c.contacted);
const { train, validation } = kl.trainValidationSplit(contacted, { seed: BANKCARD_SEED });
const { model } = kl.stepwise(train, 'responded ~ (gender + income + age)^2', { prepare, hierarchical: false });
const rows = kl.gainsTable(
  model.predict(validation),
  validation.map((c) => c.responded),
);
const svg = await renderSvg(gainsChart(rows, { title: 'Cumulative gains: bank-card model on the 50 validation customers' }));
writeFileSync(new URL('./gains.svg', import.meta.url), svg);
console.log('wrote notebooks/figures/gains.svg');
