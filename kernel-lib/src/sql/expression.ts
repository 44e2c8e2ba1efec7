import type { SqlDialect } from './executor';
import { sqlNumber } from './dialect';

/**
 * A formula transform (`log(x)`, `I(x^2)`, `log(a/b)`) as SQL, over SQL values of its columns.
 * The structure is the Expression tree of model/expression.ts (kept structural here so the SQL
 * side only depends on its shape). Where the library's evaluation gives a non-finite value and
 * raises NON_FINITE for the row, the SQL gives NULL (so the row scores NULL), never a number and
 * never a database error: the log of a non-positive value, the square root of a negative value,
 * a division by zero, an overflowing EXP, a negative base under a non-integer power. (PostgreSQL
 * also raises on arithmetic that underflows, e.g. 1e−200 · 1e−200; such inputs are not data.)
 */
export type SqlExpression =
  | { kind: 'column'; name: string }
  | { kind: 'number'; value: number }
  | { kind: 'call'; fn: 'log' | 'exp' | 'sqrt' | 'I'; argument: SqlExpression }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/' | '^'; left: SqlExpression; right: SqlExpression }
  | { kind: 'negate'; argument: SqlExpression };

/** Above this, e^x overflows a double (e^709.78…); PostgreSQL would raise an error. */
const EXP_LIMIT = 709;

/** The SQL of `expr`; `column(name)` gives the SQL value of a (prepared) column. */
export function expressionSQL(dialect: SqlDialect, expr: SqlExpression, column: (name: string) => string): string {
  const walk = (e: SqlExpression): string => {
    switch (e.kind) {
      case 'column':
        return column(e.name);
      case 'number':
        return sqlNumber(dialect, e.value);
      case 'negate':
        return `(-${walk(e.argument)})`;
      case 'call': {
        const a = walk(e.argument);
        if (e.fn === 'I') return a;
        // NULLIF(greatest(a, 0), 0) is a for a > 0 and NULL otherwise (greatest skips or propagates a NULL a, NULLIF turns the 0 into NULL); lower case as ClickHouse knows no GREATEST.
        if (e.fn === 'log') return `LN(NULLIF(greatest(${a}, ${sqlNumber(dialect, 0)}), ${sqlNumber(dialect, 0)}))`;
        if (e.fn === 'sqrt') return `(CASE WHEN ${a} >= ${sqlNumber(dialect, 0)} THEN SQRT(${a}) END)`;
        // PostgreSQL raises on an underflowing EXP too: below −708 its value (< 1e−307) is taken at −708.
        const argument = dialect === 'postgres' ? `GREATEST(${a}, ${sqlNumber(dialect, -708)})` : a;
        return `(CASE WHEN ${a} <= ${sqlNumber(dialect, EXP_LIMIT)} THEN EXP(${argument}) END)`;
      }
      case 'binary': {
        const l = walk(e.left);
        const r = walk(e.right);
        if (e.op === '/') return `(${l} / NULLIF(${r}, ${sqlNumber(dialect, 0)}))`;
        if (e.op === '^') {
          // A whole literal exponent is defined for every base (but 0 under a negative one);
          // otherwise a negative base is NaN (R, JS): NULL here, also when the exponent column
          // happens to hold a whole number.
          const zero = sqlNumber(dialect, 0);
          if (e.right.kind === 'number' && Number.isInteger(e.right.value))
            return e.right.value >= 0 ? `POWER(${l}, ${r})` : `(CASE WHEN ${l} <> ${zero} THEN POWER(${l}, ${r}) END)`;
          return `(CASE WHEN ${l} > ${zero} OR (${l} = ${zero} AND ${r} >= ${zero}) THEN POWER(${l}, ${r}) END)`;
        }
        return `(${l} ${e.op} ${r})`;
      }
    }
  };
  return walk(expr);
}
