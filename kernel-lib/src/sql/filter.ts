import { check, describeValue } from '../errors';
import { parseFilter, type Filter, type FilterLiteral, type FilterOperand } from '../model/filter';
import type { SqlDialect } from './executor';
import { checkDialect, quoteIdentifier, quoteString, sqlNumber } from './dialect';
import { expressionSQL } from './expression';

/**
 * A row filter (R-like text such as `contacted & age >= 30`, see `parseFilter`) as a SQL
 * condition for a WHERE clause. The caller's text is parsed, never passed on: every column is
 * written with the dialect's identifier quoting, every literal with its string or number quoting,
 * and the structure is the library's own (`AND`, `OR`, `NOT`, `=`, `IN`, `IS NULL`). The condition
 * selects the rows `filterRows` keeps in memory: a comparison with NULL is NULL and drops the row,
 * `%in%` is never NULL (as in R), undefined arithmetic is NULL.
 *
 * @example
 * filterSQL('postgres', "gender %in% c('F', 'M') & age >= 30");
 * // '(("gender" IS NOT NULL AND "gender" IN ('F', 'M')) AND ("age" >= CAST(30 AS DOUBLE PRECISION)))'
 */
export function filterSQL(dialect: SqlDialect, filter: string | Filter, column?: (name: string) => string): string {
  checkDialect(dialect, 'filterSQL');
  check(column === undefined || typeof column === 'function', `filterSQL: column must be a function from a column name to its SQL, got ${describeValue(column)}`);
  const tree = typeof filter === 'string' ? parseFilter(filter, 'filterSQL') : filter;
  const columnSQL = column ?? ((name: string) => quoteIdentifier(dialect, name));
  const literal = (value: FilterLiteral): string =>
    value === null ? 'NULL' : typeof value === 'number' ? sqlNumber(dialect, value) : typeof value === 'string' ? quoteString(dialect, value) : value ? 'TRUE' : 'FALSE';
  const operand = (o: FilterOperand): string => {
    if (o.kind === 'literal') return literal(o.value);
    return o.expression.kind === 'column' ? columnSQL(o.expression.name) : expressionSQL(dialect, o.expression, columnSQL);
  };
  // NA written as a typed NULL: `x = NULL` would turn into `x IS NULL` under PostgreSQL's transform_null_equals.
  const unknown = 'CAST(NULL AS BOOLEAN)';
  const isNull = (o: FilterOperand) => o.kind === 'literal' && o.value === null;
  const walk = (f: Filter): string => {
    switch (f.kind) {
      case 'and':
        return `(${walk(f.left)} AND ${walk(f.right)})`;
      case 'or':
        return `(${walk(f.left)} OR ${walk(f.right)})`;
      case 'not':
        return `(NOT ${walk(f.argument)})`;
      case 'isNA':
        return isNull(f.operand) ? 'TRUE' : `(${operand(f.operand)} IS NULL)`;
      case 'truth':
        return isNull(f.operand) ? unknown : `(${operand(f.operand)})`;
      case 'compare': {
        if (isNull(f.left) || isNull(f.right)) return unknown;
        return `(${operand(f.left)} ${f.op === '==' ? '=' : f.op === '!=' ? '<>' : f.op} ${operand(f.right)})`;
      }
      case 'in': {
        const x = operand(f.operand);
        const known = f.values.filter((v) => v !== null);
        const member = known.length ? `${x} IN (${known.map(literal).join(', ')})` : 'FALSE';
        return f.values.includes(null) ? `(${x} IS NULL OR ${member})` : `(${x} IS NOT NULL AND ${member})`;
      }
    }
  };
  return walk(tree);
}
