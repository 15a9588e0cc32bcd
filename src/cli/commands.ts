/** @module The command registry of `portent`: names, summaries, and how to load each. */

import type { Command } from "./command.js";

/**
 * The commands, each loaded only when run: a command's modules (the rule engine, the stores, the
 * personas) cost a tenth of a second or more to load, which `analyze --counts-only` on a small
 * file or `portent --version` should not pay for the others'. The summaries are repeated here
 * for the command list; a test checks they match the commands' own.
 */
export const COMMANDS: ReadonlyArray<{
  name: string;
  summary: string;
  load: () => Promise<Command>;
}> = [
  {
    name: "analyze",
    summary:
      "analyse captures (files, .gz, or -): ports, scanners, alerts, campaigns, IoCs, surges",
    load: async () => (await import("./analyze.js")).analyze,
  },
  {
    name: "simulate",
    summary:
      "write a labelled synthetic capture (background radiation + campaigns) for demos and tests",
    load: async () => (await import("./simulate.js")).simulateCommand,
  },
  {
    name: "demo",
    summary: "simulate the June 2018 Satori port-8000 wave, analyse it and print the report",
    load: async () => (await import("./demo.js")).demo,
  },
  {
    name: "rules",
    summary: "Suricata rules: check what loads; draft rules for unmatched campaigns",
    load: async () => (await import("./rules.js")).rulesCommand,
  },
  {
    name: "db",
    summary: "inspect and prune a store: row counts, time span, retention",
    load: async () => (await import("./db.js")).db,
  },
  {
    name: "surges",
    summary: "list the surges in a store (portent analyze --db), explained",
    load: async () => (await import("./surges.js")).surgesCommand,
  },
  {
    name: "sensor",
    summary: "run the honeypot: device personas on the ports botnets scan, recorded to a store",
    load: async () => (await import("./sensor.js")).sensorCommand,
  },
  {
    name: "replay",
    summary: "send the client side of captured TCP sessions to a sensor on loopback (tests, demos)",
    load: async () => (await import("./replay.js")).replayCommand,
  },
];
