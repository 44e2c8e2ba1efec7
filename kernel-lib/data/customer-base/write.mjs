// Writes the default draw of the synthetic customer base as CSV beside this script.
// Run after `npm run build`: node kernel-lib/data/customer-base/write.mjs
// test/customer-base.test.ts checks the files are byte for byte this draw.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { customerBase, customerBaseCsv, CUSTOMER_BASE_SEED } = createRequire(import.meta.url)('../../dist/datasets.js');
const text = customerBaseCsv(customerBase({ seed: CUSTOMER_BASE_SEED }));
const files = { customers: 'customers.csv', events: 'events.csv', prices: 'prices.csv', competitorPrices: 'competitor_prices.csv' };
for (const [key, file] of Object.entries(files)) writeFileSync(join(here, file), text[key]);
console.log(Object.values(files).join(', '), 'written to', here);
