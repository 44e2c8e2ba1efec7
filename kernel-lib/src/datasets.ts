/**
 * @cbm-kit/kernel-lib/datasets – the synthetic data the walk-throughs and tests use, each from a
 * documented generating mechanism with a seed: the bank's 1,000 card holders of the scoring
 * chapter and the subscription customer base of the CBM notebooks. A separate entry, as
 * scikit-learn keeps `sklearn.datasets` apart, so that bundles which only score or simulate do
 * not carry the generators.
 *
 * @example
 * import { bankCardCustomers, BANKCARD_SEED } from '@cbm-kit/kernel-lib/datasets';
 * const customers = bankCardCustomers({ seed: BANKCARD_SEED }); // the 1,000 card holders
 */
export {
  bankCardCustomers,
  bankCardResponseProbabilities,
  bankCardCsv,
  parseBankCardCsv,
  BANKCARD_MECHANISM,
  BANKCARD_SEED,
  BANKCARD_MAX_CUSTOMERS,
  type BankCardCustomer,
  type BankCardMechanism,
} from './data/bankcard';
export {
  customerBase,
  customerBaseCsv,
  CUSTOMER_BASE_MECHANISM,
  CUSTOMER_BASE_SEED,
  type CustomerBase,
  type CustomerBaseOptions,
  type CustomerBaseCustomer,
  type CustomerBaseEvent,
  type CustomerBasePrice,
  type CustomerBaseCompetitorPrice,
  type CustomerBaseMechanism,
} from './data/customerBase';
