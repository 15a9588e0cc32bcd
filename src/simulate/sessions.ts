/**
 * @module Connections that carry data: HTTP exploit requests (one or two client segments) and
 * Mirai telnet logins, each a complete handshake → data → close as the sensor captures it.
 */

import { TCP_ACK, TCP_FIN, TCP_PSH } from "../decode/decoded.js";
import type { Host } from "./hosts.js";
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
} from "./payloads.js";
import type { World } from "./world.js";

const PSH_ACK = TCP_PSH | TCP_ACK;
const FIN_ACK = TCP_FIN | TCP_ACK;
/** A kernel client resends an unanswered SYN after Linux's initial RTO. */
const SYN_RTO_US = 1_000_000;

/** Opens a kernel connection from `h` to sensor `dst`; a lost SYN-ACK costs one SYN retransmit. */
function connect(w: World, t: number, h: Host, dst: number, dport: number): void {
  const c = w.conn;
  c.begin(
    w.q,
    w.rng,
    t,
    h,
    w.sensor4(dst),
    h.addr6 ? w.sensor6(dst) : null,
    dport,
    32768 + w.rng.int(28232),
  );
  c.syn();
  if (!w.answered()) {
    c.gap(SYN_RTO_US);
    c.syn();
  }
  c.sensorDelay().synAck();
  c.clientDelay().c(TCP_ACK);
}

/** The client closes after the sensor's answer and FIN; the sensor acknowledges. */
function close(w: World): void {
  const c = w.conn;
  c.clientDelay().c(TCP_ACK);
  c.gap(20 + w.rng.int(200)).c(FIN_ACK);
  c.sensorDelay().s(TCP_ACK);
}

/**
 * An HTTP request in one segment (`splitAt` <= 0) or split at `splitAt` into two, then the
 * sensor's `response` and FIN. The second segment waits for the sensor's ACK, as Nagle's
 * algorithm holds a second small write.
 */
export function httpRequest(
  w: World,
  t: number,
  h: Host,
  dst: number,
  dport: number,
  req: Uint8Array,
  splitAt: number,
  response: Uint8Array,
): void {
  const end = splitAt > 0 ? splitAt : req.length;
  exchange(w, t, h, dst, dport, req, end, req, end, response);
}

/** An HTTP request written in two writes (`first`, then `second`), as two segments. */
export function httpTwoWrites(
  w: World,
  t: number,
  h: Host,
  dst: number,
  dport: number,
  first: Uint8Array,
  second: Uint8Array,
  response: Uint8Array,
): void {
  exchange(w, t, h, dst, dport, first, first.length, second, 0, response);
}

/** Client sends a[0, aEnd), then b[bStart, end) if non-empty; the sensor answers and closes. */
function exchange(
  w: World,
  t: number,
  h: Host,
  dst: number,
  dport: number,
  a: Uint8Array,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  response: Uint8Array,
): void {
  const c = w.conn;
  connect(w, t, h, dst, dport);
  c.gap(30 + w.rng.int(300)).c(PSH_ACK, a, 0, aEnd);
  if (bStart < b.length) {
    c.sensorDelay().s(TCP_ACK);
    c.clientDelay().c(PSH_ACK, b, bStart, b.length);
  }
  c.sensorDelay().s(PSH_ACK, response);
  c.gap(10 + w.rng.int(100)).s(FIN_ACK);
  close(w);
}

/**
 * A Mirai brute-force connection: IAC negotiation, one credential pair, and when the sensor
 * accepts it the post-login commands (enable, system, shell, sh, /bin/busybox ECCHI).
 */
export function telnetLogin(
  w: World,
  t: number,
  h: Host,
  dst: number,
  dport: number,
  credential: number,
  accepted: boolean,
): void {
  const c = w.conn;
  const [user, pass] = MIRAI_CREDENTIALS[credential % MIRAI_CREDENTIALS.length] as readonly [
    Uint8Array,
    Uint8Array,
  ];
  connect(w, t, h, dst, dport);
  c.sensorDelay().s(PSH_ACK, TELNET_SENSOR_IAC);
  c.clientDelay().c(PSH_ACK, TELNET_MIRAI_IAC);
  c.sensorDelay().s(PSH_ACK, TELNET_LOGIN);
  c.clientDelay(5000).c(PSH_ACK, user);
  c.sensorDelay().s(PSH_ACK, TELNET_PASSWORD);
  c.clientDelay(5000).c(PSH_ACK, pass);
  if (accepted) {
    c.gap(200_000 + w.rng.int(800_000)).s(PSH_ACK, TELNET_BANNER);
    for (let i = 0; i < TELNET_COMMANDS.length; i++) {
      c.clientDelay(2000).c(PSH_ACK, TELNET_COMMANDS[i] as Uint8Array);
      c.sensorDelay().s(PSH_ACK, TELNET_ANSWERS[i] as Uint8Array);
    }
    c.clientDelay(1000).c(FIN_ACK);
  } else {
    c.gap(1_000_000 + w.rng.int(2_000_000)).s(PSH_ACK, TELNET_INCORRECT);
    c.clientDelay().c(FIN_ACK);
  }
  c.sensorDelay().s(FIN_ACK);
  c.clientDelay().c(TCP_ACK);
}
