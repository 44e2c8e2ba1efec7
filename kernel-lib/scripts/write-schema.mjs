// Writes logit-model.schema.json (beside package.json, so Node10 resolution finds it too) from the one definition, LOGIT_MODEL_SCHEMA (src/model/modelSchema.ts),
// with each part's description (src/model/modelSchemaDocs.ts), so tools that validate saved models read the very schema the library enforces.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { documentedLogitModelSchema } = require('../dist/model/modelSchemaDocs.js');
writeFileSync(new URL('../logit-model.schema.json', import.meta.url), `${JSON.stringify(documentedLogitModelSchema(), null, 2)}\n`);
