#!/usr/bin/env node
/** @module The `portent` command: dispatches to one file per command, maps errors to exit codes. */

import { PortentError, UsageError } from "../schema/errors.js";
import { COMMANDS } from "./commands.js";

function overview(): string {
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join("\n");
  return `Usage: portent <command> [options]

Portent sees the next IoT botnet coming: it reads what scanners send at a network and says which
ports are rising, who is scanning them, and with which scanner.

Commands:
${rows}

Run "portent <command> --help" for a command's options and examples.
`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    const entry = name === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    const sub = entry !== undefined ? await entry.load() : undefined;
    process.stdout.write(sub !== undefined ? `${sub.help}\n` : overview());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    process.stdout.write("portent 0.1.0\n");
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    process.stderr.write(`portent: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes("-h") || rest.includes("--help")) {
    process.stdout.write(`${cmd.help}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(
        `portent ${cmd.name}: ${e.message}\nRun "portent ${cmd.name} --help" for usage.\n`,
      );
      return 2;
    }
    if (e instanceof PortentError) {
      process.stderr.write(`portent ${cmd.name}: ${e.message}\n`);
      return 1;
    }
    const err = e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.stderr.write(`portent ${cmd.name}: internal error (please report): ${err}\n`);
    return 1;
  }
}

// A closed stdout (e.g. `portent analyze x | head`) is not an error worth a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`portent: internal error: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
