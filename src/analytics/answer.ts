import { bodyEtag } from "../lib/etag";
import type { WeekStart } from "../lib/time-zones";
import { buildAnalytics, type Summary } from "./compute";
import type { CategoryInfo } from "./labels";

/** Everything an analytics answer is made of besides the summary. */
export interface AnswerInputs {
  userId: string;
  zone: string;
  currency: string | undefined;
  categories: readonly CategoryInfo[];
  weekStart: WeekStart;
  computedAt: string;
  stale: boolean;
}

export interface Answer {
  /** The JSON body. */
  json: string;
  etag: string;
}

// Answers built from a summary, kept as long as the summary is (analytics/read.ts keeps a user's parsed snapshot
// until a newer one replaces it): a repeated read of an unchanged snapshot skips building the figures (BigInt
// formatting of every month and category), serialising them and hashing the ETag.
const answers = new WeakMap<Summary, Map<string, Answer>>();
/** Distinct answers kept per summary (currencies, week starts, category sets, stale or not): each about the snapshot's size. */
const ANSWERS_PER_SUMMARY = 4;

/** The answer's body and ETag, built once per summary and inputs. */
export async function analyticsAnswer(summary: Summary, inputs: AnswerInputs): Promise<Answer> {
  const { userId, zone, currency, categories, weekStart, computedAt, stale } = inputs;
  const key = JSON.stringify([userId, zone, currency ?? null, weekStart, computedAt, stale, categories]);
  let built = answers.get(summary);
  const hit = built?.get(key);
  if (hit) return hit;
  const body = {
    user_id: userId,
    time_zone: zone,
    ...buildAnalytics(summary, currency, categories, weekStart),
    computed_at: computedAt,
    stale,
  };
  const json = JSON.stringify(body);
  const answer = { json, etag: await bodyEtag(json) };
  if (!built) answers.set(summary, (built = new Map()));
  if (built.size >= ANSWERS_PER_SUMMARY) built.clear();
  built.set(key, answer);
  return answer;
}
