/** @module Argument parsing on node:util parseArgs, turning its errors into usage errors. */

import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "../schema/errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** Parses `argv` strictly; unknown flags and missing values become UsageError with the reason. */
export function parse(argv: string[], options: Options): Parsed {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: r.values as Parsed["values"], positionals: r.positionals };
  } catch (e) {
    throw new UsageError(
      e instanceof Error ? e.message.replace(/\s*To specify.*$/s, "") : String(e),
    );
  }
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === "string" ? v : undefined;
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** Parses an integer option within [min, max]. */
export function int(p: Parsed, name: string, dflt: number, min: number, max: number): number {
  const v = str(p, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, not "${v}"`);
  }
  return n;
}

/** Parses a positive number option (may be fractional). */
export function num(p: Parsed, name: string, dflt: number, min: number, max: number): number {
  const v = str(p, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} takes a number from ${min} to ${max}, not "${v}"`);
  }
  return n;
}

/** All values of a repeatable string option (declared with `multiple: true`), in order. */
export function strs(p: Parsed, name: string): string[] {
  const v = p.values[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return typeof v === "string" ? [v] : [];
}
