// The one test harness: every suite imports from here. The analytics oracle is shared with scripts/stress.mjs.
export {
  bruteForceAnalytics,
  defaultCurrency,
  formatMinor,
  type OracleCategory,
  type OracleLocal,
  type OracleRow,
  toMinor,
} from "../../scripts/lib/analytics-oracle.mjs";
export * from "./counting";
export * from "./db";
export * from "./http";
export * from "./jwt";
export * from "./random";
export * from "./sync";
