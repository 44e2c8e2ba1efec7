import { CbmError, check, describeValue } from '../errors';
import { checkOptionSchema, type OptionRule } from '../options';
import { seededUniform, shuffledIndices, standardNormal } from '../random';

/** One of the bank's credit-card holders that {@link bankCardCustomers} generates: one row of kernel-lib/data/bankcard.csv. */
export interface BankCardCustomer {
  [column: string]: string | number | boolean | null;
  /** 1 … 1000. */
  id: number;
  /** 'M' or 'F' (the book's X1: male 1, female 0 after encoding). */
  gender: 'M' | 'F';
  /** Whole years, 18–47. */
  age: number;
  /** Monthly income in currency units, rounded to 10. */
  income: number;
  /** Received last month's promotion (150 customers drawn at random). */
  contacted: boolean;
  /** 1 responded, 0 did not; null for customers who were not contacted. */
  responded: 0 | 1 | null;
}

/**
 * The generating mechanism, in the book's variables: with age and income min–max scaled over
 * the customer file (age01 = (age − 18)/(47 − 18), income01 likewise) and male = 1 for men,
 *   V = intercept + maleAge·male·age01 + maleIncome·male·income01,   P(respond) = ceiling/(1 + e^−V).
 * Women respond rarely; among men the response rises with age and income. The values were
 * calibrated (kernel-lib/data/calibrate-bankcard.mjs: the grid candidate nearest the book) so
 * that the walk-through, averaged over draws, lands near the book: base rate 0.37, a fifth of
 * training rows above P = 0.8 with 85% response among them, hit rate 0.77, lift 2.3. A single
 * draw of 100 training customers varies around that by several points.
 */
export const BANKCARD_MECHANISM = Object.freeze({
  customers: 1000,
  contacted: 150,
  shareMale: 0.5,
  ageMin: 18,
  ageMax: 47,
  /** log income = log(incomeMedianAt18) + incomeAgeSlope·(age − 18) + incomeLogSd·N(0, 1). */
  incomeMedianAt18: 2200,
  incomeAgeSlope: 0.03,
  incomeLogSd: 0.35,
  intercept: -2.6,
  maleAge: 9,
  maleIncome: 6,
  /** The highest response probability: some customers never answer a mailing, however well they fit. */
  ceiling: 0.83,
});

/** What each mechanism setting may be, checked when a caller changes it (the defaults obey it); typed so a setting cannot go unchecked. */
const MECHANISM_SETTINGS: Readonly<Record<keyof typeof BANKCARD_MECHANISM, OptionRule>> = {
  customers: { kind: 'number', integer: true, min: 2 },
  contacted: { kind: 'number', integer: true, min: 0 },
  shareMale: { kind: 'number', min: 0, max: 1 },
  ageMin: { kind: 'number', integer: true },
  ageMax: { kind: 'number', integer: true },
  incomeMedianAt18: { kind: 'number', min: 0, exclusive: 'min' },
  incomeAgeSlope: { kind: 'number' },
  incomeLogSd: { kind: 'number', min: 0 },
  intercept: { kind: 'number' },
  maleAge: { kind: 'number' },
  maleIncome: { kind: 'number' },
  ceiling: { kind: 'number', min: 0, max: 1 },
};

/** The mechanism's settings, each a number (the defaults are `BANKCARD_MECHANISM`). */
export type BankCardMechanism = { -readonly [K in keyof typeof BANKCARD_MECHANISM]: number };

/** The largest customer file bankCardCustomers generates (about 200 MB of row objects). */
export const BANKCARD_MAX_CUSTOMERS = 1_000_000;

/** The default seed of the walk-through and of kernel-lib/data/bankcard.csv. */
export const BANKCARD_SEED = 2026;

/**
 * Generates the textbook's bank: 1,000 credit-card holders, 150 of whom received last month's
 * platinum-card promotion at random and whose responses were recorded. The data are
 * synthetic but the mechanism is documented and fixed, so every number in the walk-through
 * can be traced back to it.
 *
 * Use it for the scoring walk-through (fit on the contacted, score everyone) and wherever a
 * realistic customer file with a known truth is needed; `mechanism` changes the truth for a
 * simulation study.
 *
 * Draw order (so the file is reproducible everywhere from the
 * seed alone): gender, age, income for each customer in id order; then the 150 contacted
 * customers; then, in id order, the contacted customers' responses.
 *
 * @example
 * const customers = bankCardCustomers({ seed: 2026 });
 * customers.filter(c => c.contacted).length // 150
 */
export function bankCardCustomers(options: { seed?: number | string; mechanism?: Partial<BankCardMechanism> } = {}): BankCardCustomer[] {
  const context = 'bankCardCustomers';
  checkOptionSchema(options, context, { seed: { kind: 'seed', example: '7' }, mechanism: { kind: 'object', example: '{ customers: 1000 }' } });
  const given = options?.mechanism ?? {};
  checkOptionSchema(given, `${context}: mechanism`, MECHANISM_SETTINGS);
  const m = { ...BANKCARD_MECHANISM, ...given };
  // Bounded at the door: a billion customer records would exhaust memory long before finishing.
  if (m.customers > BANKCARD_MAX_CUSTOMERS) {
    throw new CbmError(
      'TOO_LARGE',
      `${context}: ${m.customers} customers is more than the ${BANKCARD_MAX_CUSTOMERS.toLocaleString('en-US')} a customer file in memory allows; generate a smaller file`,
      { customers: m.customers, limit: BANKCARD_MAX_CUSTOMERS },
    );
  }
  // What one setting cannot say alone: the bounds between two of them.
  check(m.contacted <= m.customers, `${context}: mechanism: contacted must be at most customers (${m.customers}), got ${m.contacted}`, { option: 'contacted' });
  check(m.ageMax > m.ageMin, `${context}: mechanism: ageMax must be above ageMin (${m.ageMin}), got ${m.ageMax}`, { option: 'ageMax' });
  const uniform = seededUniform(options.seed ?? BANKCARD_SEED);
  const customers: BankCardCustomer[] = [];
  for (let i = 0; i < m.customers; i++) {
    const gender = uniform() < m.shareMale ? 'M' : 'F';
    const age = m.ageMin + Math.floor(uniform() * (m.ageMax - m.ageMin + 1));
    const logIncome = Math.log(m.incomeMedianAt18) + m.incomeAgeSlope * (age - m.ageMin) + m.incomeLogSd * standardNormal(uniform);
    const income = Math.round(Math.exp(logIncome) / 10) * 10;
    customers.push({ id: i + 1, gender, age, income, contacted: false, responded: null });
  }
  const order = shuffledIndices(m.customers, uniform);
  for (let k = 0; k < m.contacted; k++) customers[order[k]].contacted = true;
  const probabilities = bankCardResponseProbabilities(customers, m);
  for (let i = 0; i < customers.length; i++) {
    if (customers[i].contacted) customers[i].responded = uniform() < probabilities[i] ? 1 : 0;
  }
  return customers;
}

/**
 * The true response probability of each customer under the mechanism (scaled over the file): the
 * truth a fitted model's scores can be compared with.
 *
 * @example
 * const customers = bankCardCustomers();
 * bankCardResponseProbabilities(customers).length; // 1000, one per customer
 */
export function bankCardResponseProbabilities(customers: readonly BankCardCustomer[], mechanism: Partial<BankCardMechanism> = {}): Float64Array {
  checkCustomers(customers, 'bankCardResponseProbabilities');
  check(
    mechanism !== null && typeof mechanism === 'object' && !Array.isArray(mechanism),
    `bankCardResponseProbabilities: mechanism must be an object like { ceiling: 0.83 }, got ${describeValue(mechanism)}`,
  );
  checkOptionSchema(mechanism, 'bankCardResponseProbabilities: mechanism', MECHANISM_SETTINGS);
  const m = { ...BANKCARD_MECHANISM, ...mechanism };
  let ageLow = Infinity;
  let ageHigh = -Infinity;
  let incomeLow = Infinity;
  let incomeHigh = -Infinity;
  for (const c of customers) {
    ageLow = Math.min(ageLow, c.age);
    ageHigh = Math.max(ageHigh, c.age);
    incomeLow = Math.min(incomeLow, c.income);
    incomeHigh = Math.max(incomeHigh, c.income);
  }
  return Float64Array.from(customers, (c) => {
    const male = c.gender === 'M' ? 1 : 0;
    const age01 = (c.age - ageLow) / (ageHigh - ageLow);
    const income01 = (c.income - incomeLow) / (incomeHigh - incomeLow);
    const v = m.intercept + m.maleAge * male * age01 + m.maleIncome * male * income01;
    return m.ceiling / (1 + Math.exp(-v));
  });
}

/** Customers as bankCardCustomers makes them: checked at the door of the functions that read them. */
function checkCustomers(customers: unknown, context: string): asserts customers is readonly BankCardCustomer[] {
  check(Array.isArray(customers), `${context}: customers must be an array of bank-card customers (bankCardCustomers())`);
  for (let i = 0; i < customers.length; i++) {
    // An index loop, not forEach: holes in a sparse array are checked too.
    const row = customers[i] as Record<string, unknown> | null | undefined;
    const ok =
      row !== null &&
      row !== undefined &&
      typeof row === 'object' &&
      Number.isFinite(row.id) &&
      (row.gender === 'M' || row.gender === 'F') &&
      Number.isFinite(row.age) &&
      Number.isFinite(row.income) &&
      typeof row.contacted === 'boolean' &&
      (row.responded === 0 || row.responded === 1 || row.responded === null);
    check(ok, `${context}: customers[${i}] is not a bank-card customer { id, gender: 'M' | 'F', age, income, contacted, responded: 0 | 1 | null }`);
  }
}

const CSV_COLUMNS = ['id', 'gender', 'age', 'income', 'contacted', 'responded'] as const;

/**
 * The customer file as CSV text (contacted as 1/0, responded empty when not contacted), LF line ends.
 *
 * @example
 * bankCardCsv(bankCardCustomers()).split('\n')[0]; // 'id,gender,age,income,contacted,responded'
 */
export function bankCardCsv(customers: readonly BankCardCustomer[]): string {
  checkCustomers(customers, 'bankCardCsv');
  const lines = [CSV_COLUMNS.join(',')];
  for (const c of customers) lines.push([c.id, c.gender, c.age, c.income, c.contacted ? 1 : 0, c.responded === null ? '' : c.responded].join(','));
  return lines.join('\n') + '\n';
}

/**
 * Reads the CSV written by bankCardCsv back into customer records (checks every field). Accepts
 * what spreadsheet programs do to such a file: a byte-order mark, CRLF, LF or CR-only line ends,
 * and blank lines, which are skipped; line numbers in messages count every physical line.
 *
 * @example
 * parseBankCardCsv('id,gender,age,income,contacted,responded\n1,M,30,2500,1,1\n')[0]; // { id: 1, gender: 'M', age: 30, income: 2500, contacted: true, responded: 1 }
 */
export function parseBankCardCsv(text: string): BankCardCustomer[] {
  check(typeof text === 'string', 'parseBankCardCsv: expected CSV text');
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r\n|\r|\n/);
  const numbered = lines.map((line, k) => ({ line, number: k + 1 })).filter((l) => l.line.trim().length > 0);
  const header = numbered[0];
  check(header !== undefined && header.line === CSV_COLUMNS.join(','), `parseBankCardCsv: the header must be '${CSV_COLUMNS.join(',')}', found '${header?.line ?? ''}'`);
  return numbered.slice(1).map(({ line, number }) => {
    const f = line.split(',');
    const at = `parseBankCardCsv: line ${number}`;
    check(f.length === CSV_COLUMNS.length, `${at} has ${f.length} fields, expected ${CSV_COLUMNS.length}`, { line: number });
    const [id, gender, age, income, contacted, responded] = f;
    check(gender === 'M' || gender === 'F', `${at}: gender must be M or F, found '${gender}'`, { line: number });
    check(contacted === '0' || contacted === '1', `${at}: contacted must be 0 or 1, found '${contacted}'`, { line: number });
    check(responded === '' || responded === '0' || responded === '1', `${at}: responded must be 0, 1 or empty, found '${responded}'`, { line: number });
    check((contacted === '1') === (responded !== ''), `${at}: responded must be recorded exactly for contacted customers`, { line: number });
    // Whole numbers only: Number('') is 0 and Number('0x10') is 16, neither a valid field here;
    // at most 15 digits, so that every value is an exact (safe) integer rather than Infinity.
    for (const [name, value] of [
      ['id', id],
      ['age', age],
      ['income', income],
    ] as const) {
      check(/^[0-9]+$/.test(value), `${at}: ${name} must be a whole number, found '${value.length > 20 ? value.slice(0, 20) + '…' : value}'`, { line: number, field: name });
      check(value.length <= 15, `${at}: ${name} has ${value.length} digits; whole numbers of at most 15 digits are accepted`, { line: number, field: name });
    }
    return { id: Number(id), gender, age: Number(age), income: Number(income), contacted: contacted === '1', responded: responded === '' ? null : (Number(responded) as 0 | 1) };
  });
}
