import { divideHalfEven, formatAmount } from "../lib/money";
import { addDays, daysBetween, localDate } from "../lib/time-zones";

/** Rules in docs/recurring.md. Pure: no DB, no clock (`now` is passed in). */

export type Frequency = "weekly" | "biweekly" | "semi_monthly" | "monthly" | "quarterly" | "annually";
export type StreamStatus = "early_detection" | "mature" | "tombstoned";
export type TransactionType = "credit" | "debit";

export interface RecurringInput {
  id: string;
  /** ISO instant; for `date_only` items the calendar date is its first 10 characters. */
  date: string;
  date_only: boolean;
  amount_minor: bigint;
  currency: string;
  transaction_type: TransactionType;
  merchant: string | null;
  description: string | null;
}

export interface RecurringStream {
  id: string;
  key: string;
  currency: string;
  transaction_type: TransactionType;
  frequency: Frequency;
  average_amount: string;
  average_amount_minor: bigint;
  last_amount: string;
  last_amount_minor: bigint;
  /** (last − average) / average × 100, two digits, half-to-even, computed on the rounded average_amount. */
  last_amount_change: string;
  first_date: string;
  last_date: string;
  predicted_next_date: string;
  occurrences: number;
  status: StreamStatus;
  missed: boolean;
  /** The latest 12, newest first. */
  transaction_ids: string[];
  /** Days from the predicted slot to the one after it, and the frequency's tolerance: `status` and `missed` as of a later day. */
  interval_days: number;
  tolerance_days: number;
}

export interface DetectOptions {
  /** IANA zone whose local days the rules use (instants only; date_only items keep their date). */
  zone: string;
  /** The moment "as of" which `missed` and `tombstoned` are judged. */
  now: number | string | Date;
}

const LATEST_IDS = 12;

/** Lower-case, trimmed, whitespace collapsed; Unicode-normalized so look-alike spellings group. */
function normalizeText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

/**
 * The grouping key: the normalized merchant, else the normalized description with every token that
 * holds a digit removed (reference numbers, dates, card tails vary per payment) and stray "#*" marks
 * dropped. Null when nothing is left: such a transaction joins no stream.
 */
export function streamKey(merchant: string | null, description: string | null): string | null {
  const fromMerchant = merchant ? normalizeText(merchant) : "";
  if (fromMerchant) return fromMerchant;
  if (!description) return null;
  const words = normalizeText(description)
    .split(" ")
    .filter((word) => !/\d/.test(word))
    .map((word) => word.replace(/[#*]+/g, ""))
    .filter((word) => word.length > 0);
  return words.length > 0 ? words.join(" ") : null;
}

interface Occurrence {
  id: string;
  day: string; // local date
  instant: string;
  amount: bigint;
}

interface Fit {
  frequency: Frequency;
  predicted: string;
  /** Days from the predicted date to the one after it: "one interval" for tombstoning. */
  interval: number;
  tolerance: number;
}

/** Days each occurrence may sit from its schedule. */
const TOLERANCE: Record<Frequency, number> = { weekly: 1, biweekly: 2, semi_monthly: 3, monthly: 3, quarterly: 7, annually: 10 };

// ---- calendar arithmetic on "YYYY-MM-DD" ----

function monthIndexOf(day: string): number {
  return Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1;
}

function daysInMonth(monthIndex: number): number {
  return new Date(Date.UTC(Math.floor(monthIndex / 12), (monthIndex % 12) + 1, 0)).getUTCDate();
}

/** The date of `nominalDay` in a month, clamped to its last day (31 → Feb 28/29, Apr 30). */
function slotDate(monthIndex: number, nominalDay: number): string {
  const year = Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  const day = Math.min(nominalDay, daysInMonth(monthIndex));
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** Day of month, with the last day of any month read as 31 (so Feb 28 and Apr 30 count as month ends). */
function dayValue(day: string): number {
  const dayOfMonth = Number(day.slice(8, 10));
  return dayOfMonth === daysInMonth(monthIndexOf(day)) ? 31 : dayOfMonth;
}

function lowerMedian(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}

/** A schedule's slots are numbered; `ordinalOf` gives the nearest slot of a date and how far off it is. */
interface Schedule {
  ordinalOf(day: string): { ordinal: number; deviation: number };
  dateOf(ordinal: number): string;
}

function monthSchedule(nominalDays: number[]): Schedule {
  const perMonth = nominalDays.length;
  return {
    dateOf: (ordinal) => slotDate(Math.floor(ordinal / perMonth), nominalDays[ordinal % perMonth] ?? 1),
    ordinalOf(day) {
      const month = monthIndexOf(day);
      let best = { ordinal: 0, deviation: Number.POSITIVE_INFINITY };
      for (let m = month - 1; m <= month + 1; m++) {
        nominalDays.forEach((nominal, which) => {
          const deviation = Math.abs(daysBetween(slotDate(m, nominal), day));
          if (deviation < best.deviation) best = { ordinal: m * perMonth + which, deviation };
        });
      }
      return best;
    },
  };
}

/**
 * Consecutive occurrences must advance by `step` slots; an advance of 2 × step is one missed payment,
 * allowed while missed ones are at most half the regular ones. Every occurrence within the tolerance.
 */
function fitsSchedule(days: string[], schedule: Schedule, step: number, tolerance: number): number | null {
  const slots = days.map((day) => schedule.ordinalOf(day));
  if (slots.some((slot) => slot.deviation > tolerance)) return null;
  let regular = 0;
  let missed = 0;
  for (let i = 1; i < slots.length; i++) {
    const advance = (slots[i]?.ordinal ?? 0) - (slots[i - 1]?.ordinal ?? 0);
    if (advance === step) regular++;
    else if (advance === 2 * step) missed++;
    else return null;
  }
  return regular >= 1 && missed * 2 <= regular ? (slots.at(-1)?.ordinal ?? 0) : null;
}

function fitEveryDays(days: string[], frequency: "weekly" | "biweekly"): Fit | null {
  const period = frequency === "weekly" ? 7 : 14;
  const tolerance = TOLERANCE[frequency];
  let regular = 0;
  let missed = 0;
  for (let i = 1; i < days.length; i++) {
    const gap = daysBetween(days[i - 1] ?? "", days[i] ?? "");
    if (Math.abs(gap - period) <= tolerance) regular++;
    else if (Math.abs(gap - 2 * period) <= tolerance) missed++;
    else return null;
  }
  if (regular < 1 || missed * 2 > regular) return null;
  return { frequency, predicted: addDays(days.at(-1) ?? "", period), interval: period, tolerance };
}

function fitMonths(days: string[], frequency: "monthly" | "quarterly" | "annually"): Fit | null {
  const values = days.map(dayValue);
  // Month-end streams (Jan 31 → Feb 28 → Mar 31) when most occurrences fall on a month's last day.
  const nominal = values.filter((v) => v === 31).length * 2 > values.length ? 31 : lowerMedian(values);
  const schedule = monthSchedule([nominal]);
  const step = frequency === "monthly" ? 1 : frequency === "quarterly" ? 3 : 12;
  return fitOnSchedule(days, frequency, schedule, step);
}

/** Two fixed days a month (1st & 15th, 15th & last): alternate occurrences give the two nominal days. */
function fitSemiMonthly(days: string[]): Fit | null {
  const values = days.map(dayValue);
  const a = lowerMedian(values.filter((_, i) => i % 2 === 0));
  const b = lowerMedian(values.filter((_, i) => i % 2 === 1));
  const [first, second] = a < b ? [a, b] : [b, a];
  // Both halves of the month must be roughly half a month long, or this is not two payments a month.
  if (second - first < 10 || first + 30 - second < 10) return null;
  return fitOnSchedule(days, "semi_monthly", monthSchedule([first, second]), 1);
}

function fitOnSchedule(days: string[], frequency: Frequency, schedule: Schedule, step: number): Fit | null {
  const tolerance = TOLERANCE[frequency];
  const last = fitsSchedule(days, schedule, step, tolerance);
  if (last === null) return null;
  const predicted = schedule.dateOf(last + step);
  return { frequency, predicted, interval: daysBetween(predicted, schedule.dateOf(last + 2 * step)), tolerance };
}

/** The first frequency that fits, in this order; semi-monthly is tried before biweekly so it wins ties. */
function fitFrequency(days: string[]): Fit | null {
  return (
    fitEveryDays(days, "weekly") ??
    fitSemiMonthly(days) ??
    fitEveryDays(days, "biweekly") ??
    fitMonths(days, "monthly") ??
    fitMonths(days, "quarterly") ??
    fitMonths(days, "annually")
  );
}

/** Keeps amounts within 25% of the group's median (exact: compares 2 × values so an even-count median stays whole). */
function withinMedianBand(occurrences: Occurrence[]): Occurrence[] {
  const sorted = occurrences.map((o) => o.amount).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const middle = Math.floor(sorted.length / 2);
  const twiceMedian = sorted.length % 2 === 1 ? 2n * (sorted[middle] ?? 0n) : (sorted[middle - 1] ?? 0n) + (sorted[middle] ?? 0n);
  return occurrences.filter((o) => {
    const distance = 2n * o.amount - twiceMedian;
    return 4n * (distance < 0n ? -distance : distance) <= twiceMedian;
  });
}

/** A short, stable id: FNV-1a 64-bit of the UTF-8 bytes, as hex. */
function stableHash(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

export function streamId(key: string, currency: string, transactionType: TransactionType): string {
  return `rec_${stableHash(`${key}|${currency}|${transactionType}`)}`;
}

/** (last − average) / average × 100 as a two-digit decimal string, half-to-even, exact. */
export function percentChange(last: bigint, average: bigint): string {
  if (average <= 0n) throw new RangeError("average must be positive");
  const hundredths = divideHalfEven((last - average) * 10_000n, average);
  const abs = hundredths < 0n ? -hundredths : hundredths;
  const text = abs.toString().padStart(3, "0");
  return `${hundredths < 0n ? "-" : ""}${text.slice(0, -2)}.${text.slice(-2)}`;
}

function compareOccurrences(a: Occurrence, b: Occurrence): number {
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  if (a.instant !== b.instant) return a.instant < b.instant ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function buildStream(key: string, currency: string, type: TransactionType, group: Occurrence[], today: string): RecurringStream | null {
  const banded = withinMedianBand(group).sort(compareOccurrences);
  // One payment per local day: a second one the same day is not another occurrence.
  const occurrences = banded.filter((o, i) => i === 0 || banded[i - 1]?.day !== o.day);
  if (occurrences.length < 2) return null;
  const fit = fitFrequency(occurrences.map((o) => o.day));
  if (!fit) return null;
  const first = occurrences[0] as Occurrence;
  const last = occurrences.at(-1) as Occurrence;
  const total = occurrences.reduce((sum, o) => sum + o.amount, 0n);
  const average = divideHalfEven(total, BigInt(occurrences.length));
  const overdue = daysBetween(fit.predicted, today);
  const tombstoned = overdue > fit.interval + fit.tolerance;
  return {
    id: streamId(key, currency, type),
    key,
    currency,
    transaction_type: type,
    frequency: fit.frequency,
    average_amount: formatAmount(average, currency),
    average_amount_minor: average,
    last_amount: formatAmount(last.amount, currency),
    last_amount_minor: last.amount,
    last_amount_change: percentChange(last.amount, average),
    first_date: first.day,
    last_date: last.day,
    predicted_next_date: fit.predicted,
    occurrences: occurrences.length,
    status: tombstoned ? "tombstoned" : occurrences.length >= 3 ? "mature" : "early_detection",
    missed: overdue > fit.tolerance,
    transaction_ids: occurrences
      .slice(-LATEST_IDS)
      .reverse()
      .map((o) => o.id),
    interval_days: fit.interval,
    tolerance_days: fit.tolerance,
  };
}

/**
 * Recurring streams in a user's transactions, judged in local days of `zone` as of `now`.
 * Transactions dated after `now`'s local day are ignored. Streams come sorted by key, currency, type.
 */
export function detectStreams(transactions: readonly RecurringInput[], options: DetectOptions): RecurringStream[] {
  const today = localDate(options.now, options.zone);
  const groups = new Map<string, { key: string; currency: string; type: TransactionType; items: Occurrence[] }>();
  for (const t of transactions) {
    const key = streamKey(t.merchant, t.description);
    if (key === null || t.amount_minor <= 0n) continue;
    const day = t.date_only ? t.date.slice(0, 10) : localDate(t.date, options.zone);
    if (day > today) continue;
    const groupKey = JSON.stringify([key, t.currency, t.transaction_type]);
    let group = groups.get(groupKey);
    if (!group) groups.set(groupKey, (group = { key, currency: t.currency, type: t.transaction_type, items: [] }));
    group.items.push({ id: t.id, day, instant: t.date, amount: t.amount_minor });
  }
  const streams: RecurringStream[] = [];
  for (const group of groups.values()) {
    const stream = buildStream(group.key, group.currency, group.type, group.items, today);
    if (stream) streams.push(stream);
  }
  return streams.sort((a, b) =>
    a.key !== b.key
      ? a.key < b.key
        ? -1
        : 1
      : a.currency !== b.currency
        ? a.currency < b.currency
          ? -1
          : 1
        : a.transaction_type < b.transaction_type
          ? -1
          : a.transaction_type > b.transaction_type
            ? 1
            : 0,
  );
}
