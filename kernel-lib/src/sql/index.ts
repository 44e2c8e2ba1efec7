/**
 * @cbm-kit/kernel-lib/sql – SQL text from the library's models: scoring expressions and queries
 * (the model goes to the data), Newton fits as aggregate queries over any executor, and the
 * churn modelling table. Pure string generation for DuckDB, PostgreSQL, ClickHouse and Spark SQL; nothing
 * here opens a connection (the warehouse entry holds the executors and re-exports these names).
 *
 * @example
 * import { fitLogit } from '@cbm-kit/kernel-lib';
 * import { scoringQuery } from '@cbm-kit/kernel-lib/sql';
 * const model = fitLogit({ y: [0, 1, 0, 1, 1, 0], age: [20, 30, 40, 50, 35, 45] }, 'y ~ age');
 * const sql = scoringQuery(model, { table: 'customers', keep: ['id'], dialect: 'postgres' });
 */
export { scoringSQL, scoringQuery, type ScoringOptions, type ScoringQueryOptions, type ScorableModel } from './scoring';
export { fitLogitInDatabase, stepwiseInDatabase, type InDatabaseFitOptions, type InDatabaseStepwiseOptions } from './fit';
export { filterSQL } from './filter';
export { quoteIdentifier, quoteString, sqlNumber, createTableAsSql, SQL_DIALECTS } from './dialect';
export { churnModelTableSql, type ChurnModelTableSqlOptions } from './churn';
export type { SqlDialect, SqlExecutor, SqlRow, SqlRun } from './executor';
