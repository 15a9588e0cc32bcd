import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MIRAI_CREDENTIALS,
  TELNET_ANSWERS,
  TELNET_BANNER,
  TELNET_COMMANDS,
  TELNET_INCORRECT,
  TELNET_LOGIN,
  TELNET_MIRAI_IAC,
  TELNET_PASSWORD,
  TELNET_SENSOR_IAC,
} from "../simulate/payloads.js";
import { bytes } from "./flow-fixture.js";
import { latin1 } from "./http-message.js";
import {
  DO,
  decodeTelnet,
  IAC,
  looksLikeTelnetBytes,
  MAX_TELNET_COMMANDS,
  MAX_TELNET_CREDENTIALS,
  MAX_TELNET_LINE,
  MAX_TELNET_LINES,
  MAX_TELNET_OPTIONS,
  MAX_TELNET_TYPED,
  OPT_NAWS,
  SB,
  TelnetReader,
  WILL,
} from "./telnet.js";

const cat = (...parts: Array<string | Uint8Array>): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? bytes(p) : p)));
const NONE = new Uint8Array(0);

/**
 * The template parser as it was before it moved here (src/detect/template-telnet.ts), kept
 * as the oracle: template ids are stored, so its options, lines and count must not change.
 */
function oracle(b: Uint8Array, v: Uint8Array) {
  const hex2 = (x: number): string => x.toString(16).padStart(2, "0");
  const n = Math.min(b.length, 8192);
  const options: string[] = [];
  const lines: string[] = [];
  let line: number[] = [];
  const endLine = (): void => {
    if (line.length > 0 && lines.length < 64) lines.push(String.fromCharCode(...line));
    line = [];
  };
  for (let i = 0; i < n; i++) {
    const c = b[i] as number;
    if (c === 0xff && i + 1 < n) {
      const cmd = b[i + 1] as number;
      if (cmd === 0xff) {
        i++;
      } else if (cmd === 0xfa) {
        if (options.length < 32) options.push(`fa${hex2((b[i + 2] ?? 0) as number)}`);
        let j = i + 2;
        while (j + 1 < n && !(b[j] === 0xff && b[j + 1] === 0xf0)) j++;
        i = j + 1;
        continue;
      } else if (cmd > 0xfa) {
        if (options.length < 32) options.push(hex2(cmd) + hex2((b[i + 2] ?? 0) as number));
        i += 2;
        continue;
      } else {
        i++;
        continue;
      }
    }
    if (c === 0x0d || c === 0x0a || c === 0) endLine();
    else if (line.length < 512) line.push(c);
  }
  endLine();
  let credentialLines = 0;
  if (v.length === 0) credentialLines = lines.length >= 2 ? 2 : 0;
  else {
    const text = latin1(v, 0, Math.min(v.length, 8192)).toLowerCase();
    let k = 0;
    for (let i = text.indexOf("assword"); i >= 0 && k < 64; i = text.indexOf("assword", i + 7)) k++;
    if (k > 0) credentialLines = Math.min(2 * k, lines.length);
    else if (text.includes("ogin") || text.includes("sername"))
      credentialLines = Math.min(1, lines.length);
  }
  return { options, lines, credentialLines };
}

/** One Mirai attempt as the simulator writes it: both directions, in order. */
function mirai(credential: number, accepted: boolean): { client: Uint8Array; server: Uint8Array } {
  const [u, p] = MIRAI_CREDENTIALS[credential] as readonly [Uint8Array, Uint8Array];
  const client = cat(TELNET_MIRAI_IAC, u, p, ...(accepted ? TELNET_COMMANDS : []));
  const server = accepted
    ? cat(TELNET_SENSOR_IAC, TELNET_LOGIN, TELNET_PASSWORD, TELNET_BANNER, ...TELNET_ANSWERS)
    : cat(TELNET_SENSOR_IAC, TELNET_LOGIN, TELNET_PASSWORD, TELNET_INCORRECT);
  return { client, server };
}

const MIRAI_CMDS = ["enable", "system", "shell", "sh", "/bin/busybox ECCHI"];

describe("decodeTelnet", () => {
  it("reads a Mirai login: options, the pair, the post-login commands", () => {
    const { client, server } = mirai(0, true);
    const d = decodeTelnet(client, server);
    expect(d.options).toEqual(["fc01", "fb1f", "fa1f", "fd01", "fd03"]);
    expect(d.credentials).toEqual([{ user: "root", password: "xc3511" }]);
    expect(d.commands).toEqual(MIRAI_CMDS);
    expect(d.lines).toEqual(["root", "xc3511", ...MIRAI_CMDS]);
    expect(d.credentialLines).toBe(2);
  });

  it("keeps an empty password as a pair, with and without server bytes", () => {
    const i = MIRAI_CREDENTIALS.findIndex(([, p]) => p.length === 2);
    const user = latin1(MIRAI_CREDENTIALS[i]?.[0] as Uint8Array, 0, 4).trim();
    const { client, server } = mirai(i, true);
    for (const s of [server, NONE]) {
      const d = decodeTelnet(client, s);
      expect(d.credentials).toEqual([{ user, password: "" }]);
      expect(d.commands).toEqual(MIRAI_CMDS);
    }
  });

  it("pairs every attempt of a multi-try session and skips 'Last login:'", () => {
    const client = cat("root\r\nbad\r\nadmin\r\n\r\nroot\r\nvizxv\r\nps\r\n");
    const server = cat(
      "login: root\r\nPassword: \r\nLogin incorrect\r\nlogin: admin\r\nPassword: \r\n",
      "Login incorrect\r\nlogin: root\r\nPassword: \r\nLast login: today\r\n# ",
    );
    const d = decodeTelnet(client, server);
    expect(d.credentials).toEqual([
      { user: "root", password: "bad" },
      { user: "admin", password: "" },
      { user: "root", password: "vizxv" },
    ]);
    expect(d.commands).toEqual(["ps"]);
  });

  it("takes a password-only prompt as a pair with an empty user", () => {
    const d = decodeTelnet(cat("secret\r\nls\r\n"), cat("Password: \r\n$ "));
    expect(d.credentials).toEqual([{ user: "", password: "secret" }]);
    expect(d.commands).toEqual(["ls"]);
  });

  it("has no credentials when the server asked for none", () => {
    const d = decodeTelnet(cat("id\r\nuname -a\r\n"), cat("\xff\xfb\x01# "));
    expect(d.credentials).toEqual([]);
    expect(d.commands).toEqual(["id", "uname -a"]);
  });

  it("applies backspace and DEL, folds CR LF and CR NUL, and unescapes IAC IAC", () => {
    const d = decodeTelnet(cat("rooo\x08t\r\0pass\x7fs\r\nx\xff\xffy\n"), NONE);
    expect(d.typed).toEqual(["root", "pass", "x\xffy"]);
    expect(d.credentials).toEqual([{ user: "root", password: "pass" }]);
    expect(d.commands).toEqual(["x\xffy"]);
  });

  it("keeps the template parse of the code it replaced, on any bytes", () => {
    const seeds = [mirai(0, true), mirai(11, true), mirai(3, false)];
    const piece = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.constantFrom(
        ...[
          "\xff",
          "\xff\xfa",
          "\xff\xf0",
          "\xff\xff",
          "\r",
          "\n",
          "\0",
          "\x08",
          "login: ",
          "Password: ",
        ].map(bytes),
      ),
      fc.constantFrom(...seeds.map((s) => s.client)),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }),
        fc.constantFrom(NONE, ...seeds.map((s) => s.server), bytes("login: ")),
        (parts, server) => {
          const client = cat(...parts);
          const d = decodeTelnet(client, server);
          const o = oracle(client, server);
          expect({
            options: d.options,
            lines: d.lines,
            credentialLines: d.credentialLines,
          }).toEqual(o);
        },
      ),
      { numRuns: 500 },
    );
    // Around the byte cap: an option command cut by it reads the byte after, as before.
    for (const tail of ["\xff", "\xff\xfb", "\xff\xfa", "\xff\xfa\x1f\xff"]) {
      for (let pad = 8186; pad <= 8192; pad++) {
        const client = cat("a".repeat(pad), tail, "\x18zz");
        expect(decodeTelnet(client, NONE).options).toEqual(oracle(client, NONE).options);
      }
    }
  });

  it("never throws on random bytes and stays within its caps", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 12000 }),
        fc.uint8Array({ maxLength: 600 }),
        (c, s) => {
          const d = decodeTelnet(c, s);
          return (
            d.options.length <= MAX_TELNET_OPTIONS &&
            d.lines.length <= MAX_TELNET_LINES &&
            d.typed.length <= MAX_TELNET_TYPED &&
            d.credentials.length <= MAX_TELNET_CREDENTIALS &&
            d.commands.length <= MAX_TELNET_COMMANDS &&
            d.credentialLines <= d.lines.length &&
            [...d.lines, ...d.typed, ...d.commands].every((l) => l.length <= MAX_TELNET_LINE)
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("TelnetReader", () => {
  it("decodes the same events whatever the chunking", () => {
    const { client } = mirai(5, true);
    const run = (cuts: number[]): string[] => {
      const out: string[] = [];
      const r = new TelnetReader({
        option: (v, o) => out.push(`opt ${v} ${o}`),
        line: (t) => out.push(`line ${t}`),
      });
      let at = 0;
      for (const c of [...cuts.map((x) => x % (client.length + 1))].sort((a, b) => a - b)) {
        r.push(client, at, c);
        at = c;
      }
      r.push(client, at);
      r.finish();
      return out;
    };
    const whole = run([]);
    expect(whole.slice(0, 3)).toEqual([
      `opt ${0xfc} 1`,
      `opt ${WILL} ${OPT_NAWS}`,
      `opt ${SB} ${OPT_NAWS}`,
    ]);
    expect(whole).toContain(`opt ${DO} 3`);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 10 }), (cuts) => {
        expect(run(cuts)).toEqual(whole);
      }),
    );
    expect(IAC).toBe(0xff);
  });
});

describe("looksLikeTelnetBytes", () => {
  it("knows option negotiation and login prompts, not HTTP", () => {
    expect(looksLikeTelnetBytes(TELNET_MIRAI_IAC, NONE)).toBe(true);
    expect(looksLikeTelnetBytes(cat("root\r\n"), TELNET_SENSOR_IAC)).toBe(true);
    expect(looksLikeTelnetBytes(cat("root\r\n"), cat("\r\nUsername: "))).toBe(true);
    expect(looksLikeTelnetBytes(cat("GET / HTTP/1.1\r\n\r\n"), cat("HTTP/1.1 200 OK\r\n"))).toBe(
      false,
    );
    expect(looksLikeTelnetBytes(cat("root\r\n"), NONE)).toBe(false);
  });
});
