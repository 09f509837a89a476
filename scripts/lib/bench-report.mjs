// What the benchmark scripts print about the machine, and how they write their section of docs/benchmarks.md.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, release, totalmem } from "node:os";
import { join } from "node:path";
import { packageVersion, root } from "./local-worker.mjs";

/** The CPU model as the kernel reports it (os.cpus() may abbreviate it). */
export function cpuModel() {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.split(":").slice(1).join(":").trim();
  } catch {
    /* not Linux */
  }
  return cpus()[0]?.model ?? "unknown CPU";
}

/** "Run on <date>: nproc, CPU, memory, kernel;\nNode, wrangler, workerd, hono, drizzle-orm." */
export function machineAndVersions() {
  // The workerd that `wrangler dev` runs (wrangler's own dependency), not the copy npm hoisted for the test plugin.
  const workerd = `workerd ${packageVersion("wrangler/node_modules/workerd")}`;
  return (
    `Run on ${new Date().toISOString().slice(0, 10)}: nproc ${availableParallelism()}, ${cpuModel()} (/proc/cpuinfo), ` +
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()};\nNode ${process.version}, wrangler ${packageVersion("wrangler")}, ` +
    `${workerd}, hono ${packageVersion("hono")}, drizzle-orm ${packageVersion("drizzle-orm")}.`
  );
}

/** Replaces the `<!-- bench:<name>:start -->…end -->` section of docs/benchmarks.md, or appends it. */
export function writeBenchSection(name, body) {
  const section = `<!-- bench:${name}:start -->\n${body.trim()}\n<!-- bench:${name}:end -->`;
  const file = join(root, "docs", "benchmarks.md");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const marker = new RegExp(`<!-- bench:${name}:start -->[\\s\\S]*<!-- bench:${name}:end -->`);
  writeFileSync(file, marker.test(current) ? current.replace(marker, () => section) : `${current.trimEnd()}\n\n${section}\n`);
}
