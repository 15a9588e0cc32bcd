/**
 * @module The persona registry: every device persona by name, the default persona of a port, and
 * the listeners of a sensor started without a config. Adding a device is adding a file and a line.
 */

import { dlinkDslPersona } from "./dlink-dsl.js";
import { genericPersona } from "./generic.js";
import { gponPersona } from "./gpon.js";
import { hg532Persona } from "./hg532.js";
import type { Persona } from "./persona.js";
import { realtekPersona } from "./realtek.js";
import { telnetPersona } from "./telnet.js";
import { tr069Persona } from "./tr069.js";
import { ucHttpdPersona } from "./uc-httpd.js";

/**
 * All personas, in preference order: when several list the same port, the earlier one is that
 * port's default (80: uc-httpd before dlink-dsl and gpon, as Satori's 2018 scans made XiongMai
 * DVRs the most probed device there; 8080: dlink-dsl before gpon). `generic` lists no port.
 */
const ORDERED: readonly Persona[] = [
  telnetPersona,
  ucHttpdPersona,
  dlinkDslPersona,
  gponPersona,
  hg532Persona,
  realtekPersona,
  tr069Persona,
  genericPersona,
];

/** Every persona by its registry name. */
export const PERSONAS: ReadonlyMap<string, Persona> = new Map(ORDERED.map((p) => [p.name, p]));

/** The registry names, in preference order. */
export function personaNames(): string[] {
  return ORDERED.map((p) => p.name);
}

/** The persona of that name, or undefined. */
export function getPersona(name: string): Persona | undefined {
  return PERSONAS.get(name);
}

/** The persona answering on `port` by default: the first (in preference order) listing it, else generic. */
export function defaultPersonaFor(port: number): Persona {
  for (const p of ORDERED) if (p.ports.includes(port)) return p;
  return genericPersona;
}

/**
 * The sensor without a config: one listener per device on unprivileged ports (the usual low
 * ports, such as 23 and 80, need privileges or a redirect).
 */
export const DEFAULT_LISTENERS: ReadonlyArray<{ port: number; persona: string }> = [
  { port: 2323, persona: "telnet" },
  { port: 7547, persona: "tr069" },
  { port: 8000, persona: "uc-httpd" },
  { port: 8080, persona: "dlink-dsl" },
  { port: 8081, persona: "gpon" },
  { port: 37215, persona: "hg532" },
  { port: 52869, persona: "realtek" },
  { port: 5555, persona: "generic" },
];
