/** @module `portent demo` (what `npm start` runs): simulate June 2018, analyse it, print the report. */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeFiles } from "../aggregate/analyze-files.js";
import { Detection } from "../detect/setup.js";
import { renderReport } from "../serve/terminal.js";
import { simulate } from "../simulate/scenarios.js";
import { writeReport } from "./analyze.js";
import { flag, int, parse } from "./args.js";
import type { Command } from "./command.js";
import { humanBytes } from "./progress.js";

export const demo: Command = {
  name: "demo",
  summary: "simulate the June 2018 Satori port-8000 wave, analyse it and print the report",
  help: `Usage: portent demo [--seed N] [--keep] [--json FILE]

The first thing to run: writes the satori-2018 scenario (a honeypot /24, June 7-16 2018) into a
temporary capture, analyses it like "portent analyze" would, and prints the report.

Options:
  --seed N      random seed (default 1)
  --keep        keep the temporary capture and print its path
  --json FILE   also write the JSON report
  -h, --help    this text`,

  async run(argv) {
    const p = parse(argv, {
      seed: { type: "string" },
      keep: { type: "boolean" },
      json: { type: "string" },
    });
    const seed = int(p, "seed", 1, 0, 2 ** 32 - 1);
    const dir = mkdtempSync(join(tmpdir(), "portent-demo-"));
    const file = join(dir, "satori-2018.pcap");
    try {
      const t0 = performance.now();
      const sim = simulate("satori-2018", { seed, out: file });
      const t1 = performance.now();
      process.stdout.write(
        `Simulated the satori-2018 scenario: ${sim.packets.toLocaleString("en-US")} packets (${humanBytes(sim.bytes)}) ` +
          `in ${((t1 - t0) / 1000).toFixed(1)} s -> ${file}\n`,
      );
      const detection = new Detection({ rules: [], defaultRules: true, families: [] });
      const { report } = await analyzeFiles([file], { detection });
      const t2 = performance.now();
      process.stdout.write(
        `Analysed in ${((t2 - t1) / 1000).toFixed(1)} s (${Math.round(report.input.packets / ((t2 - t1) / 1000)).toLocaleString("en-US")} packets/s)\n\n`,
      );
      const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
      process.stdout.write(renderReport(report, { color, top: 15, sparkWidth: 36 }));
      const json = p.values.json;
      if (typeof json === "string") writeReport(report, json);
    } finally {
      if (flag(p, "keep")) process.stdout.write(`\nThe capture is kept in ${file}\n`);
      else rmSync(dir, { recursive: true, force: true });
    }
    return 0;
  },
};
