// Reads the README's walkthrough: the ```sh walkthrough blocks, run in order as one bash script.
//
// Inside a block, `#` lines directly under a command (no blank line between) are the output that command group
// prints; `…` stands for any text, and an output line starting with a space continues the line above (for wrapping).
// Every other `#` line is prose. A group of commands with no output lines under it must print nothing.

const FENCE = /^```sh walkthrough\s*$/;

/**
 * @typedef {{ code: string, expected: string, line: number }} Step
 * `code` is the bash text since the previous step; `expected` its output; `line` the README line it ends on.
 */

/**
 * @param {string} markdown
 * @returns {Step[]}
 */
export function walkthroughSteps(markdown) {
  const lines = markdown.split("\n");
  /** @type {Step[]} */
  const steps = [];
  let inBlock = false;
  /** @type {string[]} */
  let code = [];
  /** @type {string[] | null} output lines being collected */
  let output = null;
  let previous = "";
  const flush = (/** @type {number} */ line) => {
    if (code.some((l) => l.trim() !== "" && !l.trim().startsWith("#")) || output) {
      steps.push({ code: code.join("\n"), expected: (output ?? []).join("\n"), line });
    }
    code = [];
    output = null;
  };
  lines.forEach((text, index) => {
    if (!inBlock) {
      if (FENCE.test(text)) inBlock = true;
      previous = "";
      return;
    }
    if (text.startsWith("```")) {
      flush(index + 1);
      inBlock = false;
      return;
    }
    const isComment = text.startsWith("#");
    const commandAbove = previous.trim() !== "" && !previous.startsWith("#");
    if (isComment && (output || commandAbove)) {
      const shown = text.replace(/^# ?/, "");
      if (!output) output = [];
      if (/^\s/.test(shown) && output.length > 0) output[output.length - 1] += shown.trimStart();
      else output.push(shown);
    } else {
      if (output) flush(index);
      code.push(text);
    }
    previous = isComment && output ? previous : text;
  });
  return steps;
}

/**
 * Whether `actual` is what `expected` shows, `…` matching any text (within a line).
 * Carriage returns (from `curl -i` headers) are ignored.
 * @param {string} expected
 * @param {string} actual
 */
export function outputMatches(expected, actual) {
  const pattern = expected
    .split("…")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^\\n]*?");
  return new RegExp(`^${pattern}$`).test(actual.replaceAll("\r", ""));
}

/**
 * The operations of an OpenAPI document (`METHOD /path`) missing from the README's Endpoints table. A row lists its
 * method and every path in backticks; methods named in backticks in its last cell ("Read / `PUT` replace / `DELETE`")
 * count for its paths too.
 * @param {string} markdown
 * @param {{ paths: Record<string, Record<string, unknown>> }} doc
 */
export function operationsMissingFromTable(markdown, doc) {
  const section = markdown.split("\n## Endpoints")[1]?.split("\n## ")[0] ?? "";
  const listed = new Set();
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 6 || !/^[A-Z]+$/.test(cells[1] ?? "")) continue;
    const methods = [cells[1], ...[...(cells[4] ?? "").matchAll(/`(GET|POST|PUT|PATCH|DELETE)`/g)].map((m) => m[1])];
    for (const [, path] of (cells[2] ?? "").matchAll(/`([^`]+)`/g)) for (const method of methods) listed.add(`${method} ${path}`);
  }
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
    .filter((op) => !listed.has(op));
}
