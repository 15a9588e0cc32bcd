/** @module `portent simulate`: writes a labelled synthetic capture and its truth file. */

import { writeFileSync } from "node:fs";
import { UsageError } from "../schema/errors.js";
import { listScenarios, simulate } from "../simulate/scenarios.js";
import { flag, int, num, parse, str } from "./args.js";
import type { Command } from "./command.js";
import { humanBytes } from "./progress.js";

export const simulateCommand: Command = {
  name: "simulate",
  summary:
    "write a labelled synthetic capture (background radiation + campaigns) for demos and tests",
  help: `Usage: portent simulate <scenario> -o FILE.pcap [--seed N] [--scale X] [--truth FILE.json]
       portent simulate --list

Writes a deterministic synthetic pcap of a honeypot /24 (203.0.113.0/24): background radiation,
scanners with real fingerprints, and botnet campaigns carrying real exploit request shapes. The
truth file lists each campaign with its ports, onset and payload kind, for evaluation.

Options:
  -o, --output FILE    the pcap to write (required)
  --seed N             random seed (default 1); the same seed and scale give the same bytes
  --scale X            multiply traffic volumes (default 1; e.g. 10 for benchmarks)
  --truth FILE         write the truth file (JSON)
  --list               list the scenarios
  -h, --help           this text

Examples:
  portent simulate satori-2018 -o satori.pcap --truth satori.truth.json
  portent simulate smoke -o smoke.pcap --seed 7`,

  async run(argv) {
    const p = parse(argv, {
      output: { type: "string", short: "o" },
      seed: { type: "string" },
      scale: { type: "string" },
      truth: { type: "string" },
      list: { type: "boolean" },
    });
    if (flag(p, "list")) {
      const all = listScenarios();
      const w = Math.max(...all.map((s) => s.name.length));
      for (const s of all) process.stdout.write(`${s.name.padEnd(w)}  ${s.description}\n`);
      return 0;
    }
    const name = p.positionals[0];
    if (name === undefined) throw new UsageError("simulate needs a scenario name (see --list)");
    if (p.positionals.length > 1) throw new UsageError(`unexpected argument "${p.positionals[1]}"`);
    const out = str(p, "output");
    if (out === undefined) throw new UsageError("simulate needs -o FILE.pcap");
    const seed = int(p, "seed", 1, 0, 2 ** 32 - 1);
    const scale = num(p, "scale", 1, 0.001, 1000);
    const t0 = performance.now();
    const r = simulate(name, { seed, scale, out });
    const truth = str(p, "truth");
    if (truth !== undefined) writeFileSync(truth, `${JSON.stringify(r.truth, null, 2)}\n`);
    const secs = (performance.now() - t0) / 1000;
    process.stderr.write(
      `wrote ${out}: ${r.packets.toLocaleString("en-US")} packets, ${humanBytes(r.bytes)} in ${secs.toFixed(1)} s` +
        `${truth !== undefined ? `; truth in ${truth}` : ""}\n`,
    );
    return 0;
  },
};
