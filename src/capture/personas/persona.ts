/**
 * @module The persona contract: how a honeypot listener answers like a device. A persona is a
 * descriptor in the registry (registry.ts); adding a device is adding a file.
 */

/** What a persona knows about the connection it serves. */
export interface PersonaContext {
  /** The sensor's id (config `sensor-id`). */
  sensorId: string;
  /** The local port the client connected to. */
  localPort: number;
  /** The client's address as text ("192.0.2.7", "2001:db8::1"). */
  remoteAddress: string;
  /** The current time, ms since the epoch (injected so tests are deterministic). */
  now(): number;
  /** Persona options from the config (`[persona.NAME]` keys), already validated as strings. */
  options: Readonly<Record<string, string>>;
}

/** Bytes to send back, optionally after a pause, optionally closing afterwards. */
export interface PersonaReply {
  data: Uint8Array | string;
  /** Milliseconds to wait before sending (device-like timing); default 0. */
  delayMs?: number;
  /** Close the connection (after sending) when true. */
  close?: boolean;
}

/** What a persona records about a connection besides its bytes, e.g. telnet credentials. */
export interface PersonaFacts {
  /** Login attempts, in order (telnet). */
  credentials?: Array<{ user: string; password: string; accepted: boolean }>;
  /** Commands typed after a login (telnet). */
  commands?: string[];
}

/** One connection's dialogue. Must never throw on any input, and keep bounded state. */
export interface PersonaSession {
  /** Sent as the connection opens: telnet greets first; HTTP personas return []. */
  greet(): PersonaReply[];
  /** Client bytes arrived (any split, any content); returns the replies, in order. */
  data(chunk: Uint8Array): PersonaReply[];
  /** Facts to record with the session when the connection closes. */
  facts?(): PersonaFacts;
}

/** A device persona: a descriptor in the registry. */
export interface Persona {
  /** Registry name: "uc-httpd", "dlink-dsl", "gpon", "hg532", "realtek", "tr069", "telnet", "generic". */
  name: string;
  /** One line for `portent sensor --help` and docs/sensor.md. */
  summary: string;
  /** The ports this device is usually found on (the sensor's defaults map them to it). */
  ports: readonly number[];
  /** Option names the persona accepts in the config, with a one-line description each. */
  options?: Readonly<Record<string, string>>;
  open(ctx: PersonaContext): PersonaSession;
}
