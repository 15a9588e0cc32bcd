/**
 * @module Telnet dialogues, shared by the sensor's telnet persona and `analyze`: option
 * negotiation, the lines a client typed, and the records they make (credential pairs and the
 * commands typed after them). Pure and bounded; never throws on any bytes.
 */

import { latin1 } from "./http-message.js";

/** Telnet command bytes (RFC 854). */
export const IAC = 0xff;
export const DONT = 0xfe;
export const DO = 0xfd;
export const WONT = 0xfc;
export const WILL = 0xfb;
export const SB = 0xfa;
export const SE = 0xf0;
/** Option codes the persona negotiates: echo, suppress go-ahead, window size. */
export const OPT_ECHO = 0x01;
export const OPT_SGA = 0x03;
export const OPT_NAWS = 0x1f;

/** Bytes of either direction a dialogue is decoded from. */
export const MAX_TELNET_BYTES = 8192;
/** Template lines kept per session (non-empty ones), and characters per line of any kind. */
export const MAX_TELNET_LINES = 64;
export const MAX_TELNET_LINE = 512;
/** Option commands kept per session. */
export const MAX_TELNET_OPTIONS = 32;
/** Lines as entered kept per session (empty ones too: an empty password is a line). */
export const MAX_TELNET_TYPED = 128;
/** Credential pairs and commands kept per session. */
export const MAX_TELNET_CREDENTIALS = 32;
export const MAX_TELNET_COMMANDS = 64;

/** What a TelnetReader reports, in stream order. */
export interface TelnetSink {
  /** IAC WILL/WONT/DO/DONT `option`, or the start of a subnegotiation (verb SB). */
  option(verb: number, option: number): void;
  /**
   * A line as entered: ended by CR (CR LF and CR NUL count once) or a bare LF, backspace and
   * DEL applied, NUL dropped; may be empty.
   */
  line(text: string): void;
  /** A line as the template reads it: split at every CR, LF and NUL, raw, never empty. */
  rawLine?(text: string): void;
}

const CR = 0x0d;
const LF = 0x0a;
/** Reader states: in data, after IAC, after IAC and a verb, in a subnegotiation. */
const St = { Data: 0, Iac: 1, Verb: 2, SubOpt: 3, Sub: 4, SubIac: 5 } as const;

/**
 * An incremental telnet decoder: chunks may split anywhere (inside an IAC sequence too). Its
 * state is a few numbers and two line buffers of at most MAX_TELNET_LINE characters.
 */
export class TelnetReader {
  private st: number = St.Data;
  private verb = 0;
  private raw: number[] = [];
  private typed: number[] = [];
  private afterCr = false;

  constructor(private readonly sink: TelnetSink) {}

  /** Decodes `b[start, end)`. */
  push(b: Uint8Array, start = 0, end = b.length): void {
    for (let i = start; i < end; i++) this.byte(b[i] as number);
  }

  /**
   * Ends the stream: an unterminated line is reported, a lone trailing IAC is data, and an
   * option command cut off before its option byte takes `next` (the byte after a cap) or 0.
   */
  finish(next?: number): void {
    if (this.st === St.Iac) this.data(IAC);
    else if (this.st === St.Verb) this.sink.option(this.verb, next ?? 0);
    else if (this.st === St.SubOpt) this.sink.option(SB, next ?? 0);
    this.st = St.Data;
    this.endRaw();
    if (this.typed.length > 0) this.endTyped();
  }

  private byte(c: number): void {
    switch (this.st) {
      case St.Data:
        if (c === IAC) this.st = St.Iac;
        else this.data(c);
        return;
      case St.Iac:
        if (c === IAC) {
          this.st = St.Data;
          this.data(IAC);
        } else if (c === SB) {
          this.st = St.SubOpt;
        } else if (c > SB) {
          this.verb = c;
          this.st = St.Verb;
        } else {
          // NOP, GA, IP and other two-byte commands carry nothing a record needs.
          this.st = St.Data;
        }
        return;
      case St.Verb:
        this.sink.option(this.verb, c);
        this.st = St.Data;
        return;
      case St.SubOpt:
        this.sink.option(SB, c);
        this.st = c === IAC ? St.SubIac : St.Sub;
        return;
      case St.Sub:
        if (c === IAC) this.st = St.SubIac;
        return;
      case St.SubIac:
        if (c === SE) this.st = St.Data;
        else if (c !== IAC) this.st = St.Sub;
        return;
    }
  }

  private data(c: number): void {
    if (c === CR || c === LF || c === 0) this.endRaw();
    else if (this.raw.length < MAX_TELNET_LINE) this.raw.push(c);
    if (c === CR) {
      this.endTyped();
      this.afterCr = true;
      return;
    }
    const afterCr = this.afterCr;
    this.afterCr = false;
    if (c === LF) {
      if (!afterCr) this.endTyped();
    } else if (c === 0x08 || c === 0x7f) {
      this.typed.pop();
    } else if (c !== 0 && this.typed.length < MAX_TELNET_LINE) {
      this.typed.push(c);
    }
  }

  private endRaw(): void {
    if (this.raw.length > 0) this.sink.rawLine?.(String.fromCharCode(...this.raw));
    this.raw = [];
  }

  private endTyped(): void {
    this.sink.line(String.fromCharCode(...this.typed));
    this.typed = [];
  }
}

/** A user name and password typed at a login (either may be empty). */
export interface TelnetCredential {
  user: string;
  password: string;
}

/** A decoded telnet dialogue. */
export interface TelnetDecoded {
  /** The client's option commands in order, as hex: "fb1f" (WILL NAWS), "fa1f" (NAWS data). */
  options: string[];
  /** Template lines: split at every CR, LF and NUL, raw, non-empty. */
  lines: string[];
  /** How many leading template `lines` are credentials (the template's count; see below). */
  credentialLines: number;
  /** Lines as entered (TelnetSink.line), empty ones included. */
  typed: string[];
  /** Login attempts, in order. */
  credentials: TelnetCredential[];
  /** Lines typed after the credentials, trimmed, blank ones left out. */
  commands: string[];
}

const HEX = "0123456789abcdef";
const hex2 = (b: number): string => `${HEX[b >> 4]}${HEX[b & 15]}`;

/** True when either side speaks telnet options first, or the server asks for a login. */
export function looksLikeTelnetBytes(client: Uint8Array, server: Uint8Array): boolean {
  if (client[0] === IAC && (client[1] as number) >= SB) return true;
  if (server[0] === IAC && (server[1] as number) >= SB) return true;
  if (server.length === 0) return false;
  const text = latin1(server, 0, Math.min(server.length, 1024)).toLowerCase();
  return text.includes("login:") || text.includes("username:") || text.includes("password:");
}

/**
 * Decodes a dialogue from the client's bytes and the server's (empty for a one-sided capture),
 * each read up to MAX_TELNET_BYTES.
 */
export function decodeTelnet(client: Uint8Array, server: Uint8Array): TelnetDecoded {
  const options: string[] = [];
  const lines: string[] = [];
  const typed: string[] = [];
  const reader = new TelnetReader({
    option(verb, option) {
      if (options.length < MAX_TELNET_OPTIONS) options.push(hex2(verb) + hex2(option));
    },
    line(text) {
      if (typed.length < MAX_TELNET_TYPED) typed.push(text);
    },
    rawLine(text) {
      if (lines.length < MAX_TELNET_LINES) lines.push(text);
    },
  });
  const n = Math.min(client.length, MAX_TELNET_BYTES);
  reader.push(client, 0, n);
  reader.finish(client[n]);
  const text = latin1(server, 0, Math.min(server.length, MAX_TELNET_BYTES)).toLowerCase();
  const { credentials, used } = pairCredentials(typed, text);
  const commands: string[] = [];
  for (let i = used; i < typed.length && commands.length < MAX_TELNET_COMMANDS; i++) {
    const t = (typed[i] as string).trim();
    if (t !== "") commands.push(t);
  }
  return {
    options,
    lines,
    credentialLines: templateCredentialLines(text, lines.length),
    typed,
    credentials,
    commands,
  };
}

/**
 * How many leading template lines are credentials: two per password prompt the server showed,
 * one for a lone login prompt. With no server bytes (a one-sided capture) a bot typing two or
 * more lines is taken to start with a user name and a password. `server` is lower-cased text.
 * Template ids depend on this count: it must not change.
 */
function templateCredentialLines(server: string, lines: number): number {
  if (server.length === 0) return lines >= 2 ? 2 : 0;
  let n = 0;
  for (let i = server.indexOf("assword"); i >= 0 && n < 64; i = server.indexOf("assword", i + 7)) {
    n++;
  }
  if (n > 0) return Math.min(2 * n, lines);
  return server.includes("ogin") || server.includes("sername") ? Math.min(1, lines) : 0;
}

/** Login and password prompts (not "Last login:"), in the order the server showed them. */
const PROMPT = /(last )?(login|user ?name|password)\s*:/g;

/**
 * Pairs typed lines with the server's prompts, in order: a line after a login prompt is a user
 * name, one after a password prompt completes a pair (user "" when no login prompt came first);
 * a user name never followed by a password prompt is consumed but not a pair. With no server
 * bytes the first two lines are taken as a pair. Returns the pairs and the lines they used.
 */
function pairCredentials(
  typed: readonly string[],
  server: string,
): { credentials: TelnetCredential[]; used: number } {
  const credentials: TelnetCredential[] = [];
  if (server.length === 0) {
    if (typed.length < 2) return { credentials, used: 0 };
    credentials.push({ user: typed[0] as string, password: typed[1] as string });
    return { credentials, used: 2 };
  }
  let used = 0;
  let user: string | undefined;
  PROMPT.lastIndex = 0;
  for (let m = PROMPT.exec(server); m !== null && used < typed.length; m = PROMPT.exec(server)) {
    if (m[1] !== undefined) continue;
    const line = typed[used++] as string;
    if (m[2] !== "password") {
      user = line;
    } else {
      if (credentials.length < MAX_TELNET_CREDENTIALS) {
        credentials.push({ user: user ?? "", password: line });
      }
      user = undefined;
    }
  }
  return { credentials, used };
}
