/**
 * @module `npm run eval`: runs the surge detector on the simulator's scenarios and prints, per
 * scenario, each true campaign with its onset, Portent's detectedAt and the delay, the decoys
 * that fired, false surges and misses; exits 1 when a true campaign is missed or a decoy fires.
 *
 * Options: --scale N (default 1), --seed N (default 1), --seeds A-B or A,B,... (several seeds;
 * the summary and median cover all of them), --scenario NAME (repeatable), --bucket SECONDS
 * (default 3600), --keep-research (do not exclude research scanners).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EVAL_SCENARIOS, evaluateScenario, medianDelay, type ScenarioResult } from "./evaluate.js";
import { renderScenario, renderSummary, targetsMet } from "./report.js";

/** "1-8" or "1,3,5" → [1, ..., 8] or [1, 3, 5]. */
function parseSeeds(text: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(text);
  if (range !== null) {
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    return Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);
  }
  return text.split(",").map(Number);
}

function parse(argv: string[]): {
  scale: number;
  seeds: number[];
  scenarios: string[];
  bucket: number;
  excludeResearch: boolean;
} {
  const o = {
    scale: 1,
    seeds: [1],
    scenarios: [] as string[],
    bucket: 3600,
    excludeResearch: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === "--scale" && v !== undefined) o.scale = Number(argv[++i]);
    else if (a === "--seed" && v !== undefined) o.seeds = [Number(argv[++i])];
    else if (a === "--seeds" && v !== undefined) o.seeds = parseSeeds(argv[++i] as string);
    else if (a === "--scenario" && v !== undefined) o.scenarios.push(argv[++i] as string);
    else if (a === "--bucket" && v !== undefined) o.bucket = Number(argv[++i]);
    else if (a === "--keep-research") o.excludeResearch = false;
    else {
      process.stderr.write(`eval: unknown argument ${a}\n`);
      process.exit(2);
    }
  }
  if (o.scenarios.length === 0) o.scenarios = EVAL_SCENARIOS;
  if (o.seeds.length === 0 || o.seeds.some((x) => !Number.isInteger(x))) {
    process.stderr.write("eval: --seeds takes A-B or A,B,...\n");
    process.exit(2);
  }
  return o;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), "portent-eval-"));
  const results: ScenarioResult[] = [];
  const t0 = performance.now();
  try {
    for (const seed of o.seeds)
      for (const name of o.scenarios) {
        const r = await evaluateScenario(name, {
          seed,
          scale: o.scale,
          dir,
          bucketSeconds: o.bucket,
          excludeResearch: o.excludeResearch,
        });
        results.push(r);
        process.stdout.write(`${renderScenario(r)}\n`);
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(renderSummary(results, (performance.now() - t0) / 1000));
  const median = medianDelay(results);
  const ok = targetsMet(results);
  process.stdout.write(
    `\nmedian delay ${median === null ? "n/a" : `${median.toFixed(1)} h`}; ${ok.pass ? "PASS" : `FAIL: ${ok.reasons.join("; ")}`}\n`,
  );
  if (!ok.hardPass) process.exitCode = 1;
}

await main();
