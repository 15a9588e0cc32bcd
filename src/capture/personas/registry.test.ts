import { describe, expect, it } from "vitest";
import {
  DEFAULT_LISTENERS,
  defaultPersonaFor,
  getPersona,
  PERSONAS,
  personaNames,
} from "./registry.js";

describe("persona registry", () => {
  it("holds every persona under its own name", () => {
    expect(personaNames()).toEqual([
      "telnet",
      "uc-httpd",
      "dlink-dsl",
      "gpon",
      "hg532",
      "realtek",
      "tr069",
      "generic",
    ]);
    for (const [name, p] of PERSONAS) expect(p.name).toBe(name);
    expect(getPersona("gpon")?.name).toBe("gpon");
    expect(getPersona("nope")).toBe(undefined);
  });

  it("maps a port to the first persona listing it, else generic", () => {
    const cases: Array<[number, string]> = [
      [23, "telnet"],
      [2323, "telnet"],
      [80, "uc-httpd"],
      [81, "uc-httpd"],
      [8000, "uc-httpd"],
      [8080, "dlink-dsl"],
      [8443, "gpon"],
      [37215, "hg532"],
      [52869, "realtek"],
      [7547, "tr069"],
      [5555, "generic"],
      [65535, "generic"],
    ];
    for (const [port, name] of cases) expect(defaultPersonaFor(port).name).toBe(name);
    for (const p of PERSONAS.values())
      for (const port of p.ports) expect(PERSONAS.has(defaultPersonaFor(port).name)).toBe(true);
  });

  it("defaults to one unprivileged listener per persona, all resolvable", () => {
    expect(DEFAULT_LISTENERS.map((l) => `${l.port} ${l.persona}`)).toEqual([
      "2323 telnet",
      "7547 tr069",
      "8000 uc-httpd",
      "8080 dlink-dsl",
      "8081 gpon",
      "37215 hg532",
      "52869 realtek",
      "5555 generic",
    ]);
    expect(new Set(DEFAULT_LISTENERS.map((l) => l.port)).size).toBe(DEFAULT_LISTENERS.length);
    expect(new Set(DEFAULT_LISTENERS.map((l) => l.persona))).toEqual(new Set(personaNames()));
    for (const l of DEFAULT_LISTENERS) {
      expect(getPersona(l.persona)).toBeDefined();
      expect(l.port).toBeGreaterThanOrEqual(1024);
    }
  });

  it("gives every HTTP persona the delay-ms option", () => {
    for (const p of PERSONAS.values()) {
      if (p.name === "telnet" || p.name === "generic") continue;
      expect(p.options?.["delay-ms"]).toBeDefined();
    }
  });
});
