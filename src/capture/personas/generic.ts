/**
 * @module The generic persona for any other port: accepts, reads (the sensor records every byte)
 * and never answers, unless a `banner` option gives it a line to greet with.
 */

import type { Persona, PersonaReply, PersonaSession } from "./persona.js";

/** The option holding a greeting banner; `\r`, `\n`, `\t` and `\\` escapes are understood. */
export const BANNER_OPTION = "banner";
/** Longest banner sent (the rest is dropped). */
export const MAX_BANNER_BYTES = 4096;

/** The banner option with its escapes decoded, or "" when absent. */
export function bannerOption(options: Readonly<Record<string, string>>): string {
  const raw = options[BANNER_OPTION];
  if (raw === undefined) return "";
  const text = raw.replace(/\\([rnt\\])/g, (_m, c: string) =>
    c === "r" ? "\r" : c === "n" ? "\n" : c === "t" ? "\t" : "\\",
  );
  return text.length > MAX_BANNER_BYTES ? text.slice(0, MAX_BANNER_BYTES) : text;
}

/** A silent listener: it keeps no state, so any amount of input costs nothing here. */
export const genericPersona: Persona = {
  name: "generic",
  summary: "any port: accept, read and record, never answer (optionally greet with a banner)",
  ports: [],
  options: {
    [BANNER_OPTION]: "text sent when a client connects (\\r \\n \\t escapes); default none",
  },
  open(ctx): PersonaSession {
    const banner = bannerOption(ctx.options);
    return {
      greet: (): PersonaReply[] => (banner === "" ? [] : [{ data: banner }]),
      data: (): PersonaReply[] => [],
    };
  },
};
