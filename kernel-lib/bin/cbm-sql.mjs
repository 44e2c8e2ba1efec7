#!/usr/bin/env node
/**
 * cbm-sql – load, score or fit inside a database from the command line (a thin adapter over
 * @cbm-kit/kernel-lib/warehouse: loadFiles, scoringQuery, fitLogitInDatabase, stepwiseInDatabase).
 *
 *   npm run load -- --db out/cards.duckdb --table cardholders --file kernel-lib/data/bankcard.csv \
 *       --schema id:BIGINT,gender:VARCHAR,age:BIGINT,income:DOUBLE,contacted:BIGINT,responded:BIGINT
 *   npm run score -- --model out/bankcard.model.json --db out/cbm.duckdb --table customers --into scores
 *   npm run score -- --model m.json --db postgresql://cbm@localhost/crm --table customers --into scores --keep id,segment
 *   npm run fit:db -- --db out/cbm.duckdb --table customers --formula "responded ~ gender:age + gender:income" \
 *       --where contacted --prepare '{"encode":{"gender":{"M":1,"F":0}},"scale":["income","age"]}' --out out/db.model.json
 *   npm run fit:db -- --db clickhouse://127.0.0.1:8123 --table customers_all --formula "responded ~ age + income"
 *
 * --db is a DuckDB file (or :memory:), a postgres:// / postgresql:// connection string, or a
 * ClickHouse server's HTTP URL (clickhouse://host:port or http(s)://host:port, optionally
 * /database). On ClickHouse, --into creates a MergeTree table on the connected server only, and
 * the statements run one by one (ClickHouse has no transactions).
 * Progress goes to stderr; the row count (score) or the model summary (fit) to stdout.
 * Exit codes: 0 done, 1 the library or the database refused (message printed), 2 bad arguments.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let warehouse;
try {
  warehouse = require('../warehouse.js');
} catch (error) {
  process.stderr.write(`cbm-sql: cannot load kernel-lib's warehouse entry (${error.message}); run 'npm run build' first\n`);
  process.exit(1);
}

const USAGE = `usage:
  cbm-sql load  --db DUCKDB --table TABLE --file PATH.csv|.parquet --schema name:TYPE,... [--on-reject fail|skip] [--note TEXT]
  cbm-sql score --model MODEL.json --db DB --table TABLE --into TABLE [--keep id,...] [--as score] [--output probability|link] [--where FILTER] [--replace] [--print-sql]
  cbm-sql fit   --db DB --table TABLE --formula "y ~ ..." [--where FILTER] [--prepare JSON] [--event VALUE] [--weights COLUMN] [--offset COLUMN|TRANSFORM] [--stepwise aic|bic|p-value] [--out MODEL.json]
DB: a DuckDB file path (or :memory:), a postgres:// connection string, or a ClickHouse URL
(clickhouse://host:port or http://host:port). TABLE may be schema.table.
FILTER: a row filter in R's syntax, not SQL, e.g. "contacted & age >= 30" or "segment %in% c('a', 'b')".`;

const SPECS = {
  load: { db: 'value', table: 'value', file: 'value', schema: 'value', 'on-reject': 'value', note: 'value' },
  score: { model: 'value', db: 'value', table: 'value', into: 'value', keep: 'value', as: 'value', output: 'value', where: 'value', replace: 'flag', 'print-sql': 'flag' },
  fit: {
    db: 'value',
    table: 'value',
    formula: 'value',
    where: 'value',
    prepare: 'value',
    event: 'value',
    stepwise: 'value',
    out: 'value',
    'max-iterations': 'value',
    weights: 'value',
    offset: 'value',
  },
};
const REQUIRED = { load: ['db', 'table', 'file', 'schema'], score: ['model', 'db', 'table', 'into'], fit: ['db', 'table', 'formula'] };

function fail(message, code = 2) {
  process.stderr.write(`cbm-sql: ${message}\n`);
  if (code === 2) process.stderr.write(`${USAGE}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const [command, ...rest] = argv;
  if (!SPECS[command]) fail(command ? `unknown command '${command}' (load, score or fit)` : 'name a command: load, score or fit');
  const spec = SPECS[command];
  const args = {};
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i];
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(token);
    if (!match || !spec[match[1]]) fail(`unknown argument '${token}' for ${command}`);
    const [, name, inline] = match;
    if (name in args) fail(`--${name} given twice`);
    if (spec[name] === 'flag') {
      if (inline !== undefined) fail(`--${name} takes no value`);
      args[name] = true;
    } else {
      const value = inline ?? rest[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) fail(`--${name} needs a value`);
      args[name] = value;
    }
  }
  for (const name of REQUIRED[command]) if (!(name in args)) fail(`${command} needs --${name}`);
  return { command, args };
}

/** "schema.table" → ['schema', 'table']; a name with quotes or more dots is used as one name. */
function tableName(text) {
  const parts = text.split('.');
  return parts.length === 2 && parts.every((p) => p.length > 0) ? parts : text;
}

async function connect(db) {
  if (/^postgres(ql)?:\/\//.test(db)) {
    progress('connecting to PostgreSQL');
    return warehouse.openPostgres(db);
  }
  if (/^(clickhouse|https?):\/\//.test(db)) {
    progress(`connecting to ClickHouse at ${db.replace(/\/\/[^@/]*@/, '//')}`);
    return warehouse.openClickHouse(db);
  }
  progress(`connecting to DuckDB ${db}`);
  return warehouse.openDuckDB(db);
}

const started = Date.now();
function progress(message) {
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}\n`);
}

/** Loads one file into the warehouse (raw_<table> and the model-ready <table>), all its rows or none. */
async function load(args, db) {
  const schema = {};
  for (const part of args.schema.split(',')) {
    const match = /^\s*([^:]+?)\s*:\s*([A-Za-z]+)\s*$/.exec(part);
    if (!match) fail(`--schema lists name:TYPE pairs separated by commas, e.g. id:BIGINT,gender:VARCHAR; '${part}' is not one`);
    schema[match[1]] = match[2].toUpperCase();
  }
  const options = {};
  if (args['on-reject'] !== undefined) options.onReject = args['on-reject'];
  if (args.note !== undefined) options.note = args.note;
  progress(`loading ${args.file} into ${args.table}`);
  const result = await warehouse.loadFiles(db, [{ table: args.table, path: args.file, schema }], options);
  await warehouse.refreshModelTables(db, [args.table]);
  const [loaded] = result.tables;
  progress('done');
  process.stdout.write(`load ${result.loadId}: ${loaded.rows} rows into ${args.table}${loaded.rejected ? `, ${loaded.rejected} rejected (see cbm_load_rejects)` : ''}\n`);
}

async function score(args, db) {
  let modelJson;
  try {
    modelJson = readFileSync(args.model, 'utf8');
  } catch (error) {
    fail(`cannot read the model '${args.model}': ${error.message}`, 1);
  }
  const keep =
    args.keep === undefined
      ? ['id']
      : args.keep
          .split(',')
          .map((k) => k.trim())
          .filter((k) => k.length > 0);
  const table = tableName(args.table);
  const into = tableName(args.into);
  const select = warehouse.scoringQuery(modelJson, { table, keep, dialect: db.dialect, as: args.as, output: args.output, where: args.where });
  if (args['print-sql']) process.stderr.write(`${select}\n`);
  const quote = (name) => (Array.isArray(name) ? name : [name]).map((p) => warehouse.quoteIdentifier(db.dialect, p)).join('.');
  const [{ n }] = await db.run(`SELECT COUNT(*) AS n FROM ${quote(table)}`);
  progress(`scoring ${Number(n).toLocaleString('en')} rows of ${args.table} into ${args.into}`);
  const write = async (run) => {
    if (args.replace) await run(`DROP TABLE IF EXISTS ${quote(into)}`);
    try {
      await run(warehouse.createTableAsSql(db.dialect, quote(into), select));
    } catch (error) {
      if (!args.replace && /exists/i.test(error.message)) error.message += ` (add --replace to overwrite ${args.into})`;
      throw error;
    }
    const [{ n: written }] = await run(`SELECT COUNT(*) AS n FROM ${quote(into)}`);
    const [{ n: nulls }] = await run(`SELECT COUNT(*) AS n FROM ${quote(into)} WHERE ${quote(args.as ?? 'score')} IS NULL`);
    if (Number(nulls) > 0) progress(`${Number(nulls).toLocaleString('en')} rows scored NULL (a NULL input or a level the model was not fitted on)`);
    return Number(written);
  };
  // ClickHouse has no transactions: there the statements simply run in order.
  const count = db.dialect === 'clickhouse' ? await write((sql) => db.run(sql)) : await db.transaction(write);
  progress('done');
  process.stdout.write(`${count} rows scored into ${args.into}\n`);
}

async function fit(args, db) {
  let prepare;
  if (args.prepare !== undefined) {
    try {
      prepare = JSON.parse(args.prepare);
    } catch (error) {
      fail(`--prepare must be JSON like '{"encode":{"gender":{"M":1,"F":0}},"scale":["income"]}': ${error.message}`);
    }
  }
  let passes = 0;
  const run = async (sql) => {
    const t0 = Date.now();
    const rows = await db.run(sql);
    passes++;
    progress(`query ${passes} (${sql.includes(' AS ll,') ? 'Newton pass' : sql.includes('SAMPLE') ? 'warm-start sample' : 'profile'}) ${((Date.now() - t0) / 1000).toFixed(2)} s`);
    return rows;
  };
  const options = { table: tableName(args.table), formula: args.formula, dialect: db.dialect };
  if (args.where !== undefined) options.where = args.where;
  if (prepare !== undefined) options.prepare = prepare;
  if (args.event !== undefined) options.event = args.event;
  if (args.weights !== undefined) options.weights = args.weights;
  if (args.offset !== undefined) options.offset = args.offset;
  if (args['max-iterations'] !== undefined) options.maxIterations = Number(args['max-iterations']);
  let model;
  if (args.stepwise !== undefined) {
    const result = await warehouse.stepwiseInDatabase(run, { ...options, criterion: args.stepwise });
    for (const s of result.steps) progress(`step ${s.step}: ${s.removed ? `removed ${s.removed}` : 'full model'}, AIC ${s.aic.toFixed(3)}`);
    model = result.model;
  } else {
    model = await warehouse.fitLogitInDatabase(run, options);
  }
  process.stdout.write(`${model.summary()}\n`);
  if (args.out) {
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, `${JSON.stringify(model.toJSON(), null, 2)}\n`);
    progress(`model written to ${args.out}`);
  }
}

async function main() {
  const { command, args } = parseArgs(process.argv.slice(2));
  let db;
  try {
    db = await connect(args.db);
    if (command === 'load') {
      if (db.dialect !== 'duckdb') fail('load writes into a DuckDB file; give --db a DuckDB path', 2);
      await load(args, db);
    } else if (command === 'score') await score(args, db);
    else await fit(args, db);
  } catch (error) {
    fail(error?.code ? `${error.code}: ${error.message}` : String(error?.stack ? error.stack : error), 1);
  } finally {
    if (db) await db.close();
  }
}

main();
