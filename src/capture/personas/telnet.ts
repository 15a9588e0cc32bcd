/**
 * @module The telnet persona: a BusyBox telnetd with `login:` and `Password:`, a configurable
 * "successful" login and an ash shell that answers the checks Mirai-style bots make (`enable`,
 * `system`, `shell`, `sh`, `/bin/busybox ECCHI`). Records every credential pair and command;
 * never executes, fetches or forwards anything.
 */

import {
  MAX_TELNET_COMMANDS,
  MAX_TELNET_CREDENTIALS,
  MAX_TELNET_LINE,
  TelnetReader,
} from "../../decode/telnet.js";
import type {
  Persona,
  PersonaContext,
  PersonaFacts,
  PersonaReply,
  PersonaSession,
} from "./persona.js";
import { Negotiation, TELNETD_GREETING } from "./telnet-options.js";
import { runLine, type ShellState } from "./telnet-shell.js";

/** Login attempts recorded per connection (the decoder's cap, so both keep the same records). */
export const MAX_PERSONA_CREDENTIALS = MAX_TELNET_CREDENTIALS;
/** Commands recorded per connection. */
export const MAX_PERSONA_COMMANDS = MAX_TELNET_COMMANDS;
/** Characters per typed line (longer lines are cut, as the decoder cuts them). */
export const MAX_PERSONA_LINE = MAX_TELNET_LINE;
/** BusyBox login closes the connection after this many failed attempts. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** BusyBox login waits this long before `Login incorrect` (LOGIN_FAIL_DELAY, 3 s). */
export const DEFAULT_FAIL_DELAY_MS = 3000;
/** With `accept = any`, the attempt (1-based) from which a login succeeds. */
export const DEFAULT_ACCEPT_AFTER = 1;
/** Largest value the numeric options take. */
const MAX_OPTION_NUMBER = 1000;
const MAX_FAIL_DELAY_MS = 30_000;

const BANNER =
  "\r\n\r\nBusyBox v1.19.4 built-in shell (ash)\r\nEnter 'help' for a list of built-in commands.\r\n\r\n";
const INCORRECT = "\r\nLogin incorrect\r\n";

/** The persona's settings, from its config options. */
export interface TelnetConfig {
  /** Pairs that always log in, as "user:password". */
  pairs: ReadonlySet<string>;
  /** Any pair logs in from this attempt on (1-based); undefined: only listed pairs. */
  acceptAfter: number | undefined;
  maxAttempts: number;
  failDelayMs: number;
  /** The shell prompt, "# " or "$ ". */
  prompt: string;
  /** The login prompt, "login: " or "HOST login: ". */
  loginPrompt: string;
}

function number(v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined || !/^\d{1,6}$/.test(v.trim())) return undefined;
  const n = Number(v.trim());
  return n >= min && n <= max ? n : undefined;
}

/** Reads the options; a missing or invalid value takes its default. */
export function telnetConfig(o: Readonly<Record<string, string>>): TelnetConfig {
  const accept = (o.accept ?? "any").trim();
  const pairs = new Set<string>();
  let acceptAfter: number | undefined = number(o["accept-after"], 1, MAX_OPTION_NUMBER);
  if (accept === "any") {
    acceptAfter ??= DEFAULT_ACCEPT_AFTER;
  } else if (accept === "none") {
    acceptAfter = undefined;
  } else {
    for (const item of accept.split(",")) {
      const t = item.trim();
      if (t.includes(":")) pairs.add(t);
    }
  }
  const host = (o.hostname ?? "").trim();
  return {
    pairs,
    acceptAfter,
    maxAttempts: number(o["max-attempts"], 1, MAX_OPTION_NUMBER) ?? DEFAULT_MAX_ATTEMPTS,
    failDelayMs: number(o["fail-delay-ms"], 0, MAX_FAIL_DELAY_MS) ?? DEFAULT_FAIL_DELAY_MS,
    prompt: o.prompt?.trim() === "$" ? "$ " : "# ",
    loginPrompt: /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(host) ? `${host} login: ` : "login: ",
  };
}

/** Terminal text as bytes: one byte per character, IAC doubled as telnet requires. */
export function telnetBytes(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    out.push(c);
    if (c === 0xff) out.push(0xff);
  }
  return Uint8Array.from(out);
}

type State = "login" | "password" | "shell" | "closed";

class TelnetSession implements PersonaSession {
  private state: State = "login";
  private user = "";
  private attempts = 0;
  private readonly credentials: NonNullable<PersonaFacts["credentials"]> = [];
  private readonly commands: string[] = [];
  private readonly shell: ShellState = { depth: 0 };
  private readonly options = new Negotiation();
  private readonly reader = new TelnetReader({
    option: (verb, option) => this.option(verb, option),
    line: (text) => this.line(text),
  });
  private out: PersonaReply[] = [];

  constructor(private readonly cfg: TelnetConfig) {}

  greet(): PersonaReply[] {
    return [{ data: TELNETD_GREETING }, { data: telnetBytes(this.cfg.loginPrompt) }];
  }

  data(chunk: Uint8Array): PersonaReply[] {
    this.out = [];
    if (this.state === "closed") return this.out;
    try {
      this.reader.push(chunk);
    } catch {
      // Unreachable by design; a persona must never throw, so whatever was answered stands.
    }
    return this.out;
  }

  facts(): PersonaFacts {
    return {
      credentials: this.credentials.map((c) => ({ ...c })),
      commands: [...this.commands],
    };
  }

  private send(text: string, extra: Omit<PersonaReply, "data"> = {}): void {
    if (text !== "" || extra.close === true) this.out.push({ data: telnetBytes(text), ...extra });
  }

  private option(verb: number, option: number): void {
    if (this.state === "closed") return;
    const a = this.options.answer(verb, option);
    if (a !== undefined) this.out.push({ data: a });
  }

  private line(text: string): void {
    const echo = this.options.echo;
    switch (this.state) {
      case "login":
        if (text.trim() === "") {
          this.send(`${echo ? "\r\n" : ""}${this.cfg.loginPrompt}`);
          return;
        }
        this.user = text;
        this.state = "password";
        this.send(`${echo ? `${text}\r\n` : ""}Password: `);
        return;
      case "password":
        this.login(text);
        return;
      case "shell":
        this.command(text, echo);
        return;
      default:
        return;
    }
  }

  private login(password: string): void {
    this.attempts++;
    const c = this.cfg;
    const accepted =
      c.pairs.has(`${this.user}:${password}`) ||
      (c.acceptAfter !== undefined && this.attempts >= c.acceptAfter);
    if (this.credentials.length < MAX_PERSONA_CREDENTIALS) {
      this.credentials.push({ user: this.user, password, accepted });
    }
    if (accepted) {
      this.state = "shell";
      this.send(`\r\n${BANNER}${c.prompt}`);
      return;
    }
    const last = this.attempts >= c.maxAttempts;
    this.state = last ? "closed" : "login";
    this.send(last ? INCORRECT : INCORRECT + c.loginPrompt, {
      delayMs: c.failDelayMs,
      ...(last ? { close: true } : {}),
    });
  }

  private command(text: string, echo: boolean): void {
    const shown = echo ? `${text}\r\n` : "";
    const t = text.trim();
    if (t === "") {
      this.send(shown + this.cfg.prompt);
      return;
    }
    if (this.commands.length < MAX_PERSONA_COMMANDS) this.commands.push(t);
    const r = runLine(t, this.shell);
    if (r.exit) {
      this.state = "closed";
      this.send(shown + r.output, { close: true });
      return;
    }
    this.send(shown + r.output + this.cfg.prompt);
  }
}

/** A BusyBox telnetd: `login:`, `Password:`, a shell that only pretends. */
export const telnetPersona: Persona = {
  name: "telnet",
  summary:
    "BusyBox telnetd: login/password dialogue, ash shell answers; records credentials and commands",
  ports: [23, 2323],
  options: {
    accept:
      'which logins succeed: "any" (default), "none", or a comma-separated list of user:password pairs',
    "accept-after":
      "the attempt (1-based, per connection) from which any pair succeeds; default 1 with accept = any",
    "max-attempts": "failed attempts before the connection is closed; default 3 (as BusyBox login)",
    "fail-delay-ms": "pause before `Login incorrect`, in milliseconds; default 3000",
    prompt: 'shell prompt: "#" (default) or "$"',
    hostname: 'shown before the login prompt ("HOST login: "); default none',
  },
  open(ctx: PersonaContext): PersonaSession {
    return new TelnetSession(telnetConfig(ctx.options));
  },
};
