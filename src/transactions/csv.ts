import { parse } from "csv-parse/sync";
import { ApiError } from "../http/problem";
import type { TransactionRecord } from "./transactions.service";

/** The export's columns, in order. Import accepts this header unchanged. */
export const EXPORT_COLUMNS = [
  "id",
  "transaction_date",
  "transaction_amount",
  "transaction_type",
  "currency",
  "status",
  "description",
  "external_id",
  "category_id",
  "merchant",
  "tags",
  "created_at",
  "updated_at",
] as const;

/** Tags travel in one cell, joined by ";" (tags cannot contain it). */
const TAG_SEPARATOR = ";";

/** Present in exports, ignored on import. */
const READ_ONLY = new Set(["id", "user_id", "full_name", "created_at", "updated_at"]);
/** The export's columns an import writes. */
const WRITABLE = new Set<string>(EXPORT_COLUMNS.filter((column) => !READ_ONLY.has(column)));

/** RFC 4180 quoting: quote fields with separators, quotes or line breaks; double inner quotes. */
export function csvField(value: string | null): string {
  if (value === null) return "";
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(values: readonly (string | null)[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

export function recordToCsv(record: TransactionRecord): string {
  // A date-only row is written as its plain date, so importing the file keeps it a calendar date.
  const row = record.date_only ? { ...record, transaction_date: record.transaction_date.slice(0, 10) } : record;
  return csvLine(EXPORT_COLUMNS.map((column) => (column === "tags" ? row.tags.join(TAG_SEPARATOR) : row[column])));
}

/** Validates the header row itself, so a file with no data rows is checked too. */
function checkHeader(header: string[]): string[] {
  const repeated = header.find((c, i) => header.indexOf(c) !== i);
  // Like a duplicate JSON key: which of the two cells counts would be a guess.
  if (repeated !== undefined) throw new ApiError("bad_request", `The CSV header repeats the column ${JSON.stringify(repeated)}`);
  const unknown = header.filter((c) => !WRITABLE.has(c) && !READ_ONLY.has(c));
  if (unknown.length > 0) {
    throw new ApiError("validation_failed", "The CSV header has unknown columns", {
      errors: unknown.map((c) => ({ path: c, message: "unknown column" })),
    });
  }
  return header;
}

/** Data rows per import file; beyond this the import is refused (413) before anything is validated. */
export const MAX_IMPORT_ROWS = 100_000;
/** Errors listed in an import answer; `error_count` has the total. Keeps answers (and their stored replays) small. */
export const MAX_REPORTED_ERRORS = 1_000;

export interface ImportRow {
  line: number;
  item: Record<string, string | string[]>;
  /** The row's `id` column, when the file is an export: the caller's own row makes it a duplicate. */
  id?: string;
}

/**
 * Parses an import file with csv-parse. Columns are named like the record's fields; read-only
 * columns (created_at, …) are ignored. `id` is not written, but a row whose id the caller already has
 * is a duplicate of it (re-importing your own export adds nothing), and it stands in for an empty
 * external_id, so importing another account's export twice does not duplicate anything either.
 */
export function parseImportCsv(text: string): ImportRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    // One record past the cap is enough to refuse, and keeps memory bounded whatever the file holds.
    records = parse(text, {
      columns: checkHeader,
      bom: true,
      skip_empty_lines: true,
      trim: false,
      info: true,
      relax_column_count: false,
      to: MAX_IMPORT_ROWS + 1,
    });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError("bad_request", `The CSV could not be parsed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (records.length > MAX_IMPORT_ROWS) {
    throw new ApiError("payload_too_large", `An import holds at most ${MAX_IMPORT_ROWS} rows; split the file`);
  }
  return records.map(({ record, info }) => {
    const item: Record<string, string | string[]> = {};
    for (const [column, value] of Object.entries(record)) {
      if (WRITABLE.has(column) && value !== "") item[column] = column === "tags" ? value.split(TAG_SEPARATOR) : value;
    }
    if (!item.external_id && record.id) item.external_id = record.id;
    return { line: info.lines, item, id: record.id || undefined };
  });
}
