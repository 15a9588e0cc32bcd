import { describe, expect, it } from "vitest";
import { DecodedPacket, TCP_ACK, TCP_SYN } from "../decode/decoded.js";
import { parseIpv4 } from "../simulate/frames.js";
import {
  FP_MASSCAN,
  FP_MIRAI,
  FP_UNKNOWN,
  FP_ZMAP,
  fingerprintName,
  fingerprintSyn,
  isSyn,
} from "./fingerprint.js";

function syn(fields: Partial<DecodedPacket>): DecodedPacket {
  const p = new DecodedPacket();
  p.ipVersion = 4;
  p.proto = 6;
  p.tcpFlags = TCP_SYN;
  p.src4 = parseIpv4("198.51.100.20");
  p.dst4 = parseIpv4("203.0.113.8");
  p.sport = 40000;
  p.dport = 23;
  p.seq = 12345;
  p.ipId = 777;
  p.tcpOptionsLen = 20;
  Object.assign(p, fields);
  return p;
}

describe("fingerprintSyn", () => {
  it("labels Mirai when the sequence number is the destination address", () => {
    const p = syn({});
    p.seq = p.dst4;
    expect(fingerprintSyn(p)).toBe(FP_MIRAI);
    expect(fingerprintName(FP_MIRAI)).toBe("mirai");
  });

  it("labels masscan when ip id == (dst ^ dport ^ seq) & 0xffff and there are no options", () => {
    const p = syn({ tcpOptionsLen: 0, seq: 0x9abc1234 });
    p.ipId = (p.dst4 ^ p.dport ^ p.seq) & 0xffff;
    expect(fingerprintSyn(p)).toBe(FP_MASSCAN);
    p.tcpOptionsLen = 4; // masscan since 2021: a lone MSS option
    p.mss = 1460;
    expect(fingerprintSyn(p)).toBe(FP_MASSCAN);
    p.tcpOptionsLen = 20; // a full option list is a stack, not masscan's template
    expect(fingerprintSyn(p)).toBe(FP_UNKNOWN);
  });

  it("labels ZMap by its fixed IP id 54321", () => {
    expect(fingerprintSyn(syn({ ipId: 54321 }))).toBe(FP_ZMAP);
  });

  it("handles sequence numbers and addresses above 2^31 (unsigned comparison)", () => {
    const p = syn({ dst4: parseIpv4("203.0.113.250") });
    p.seq = p.dst4;
    expect(p.dst4).toBeGreaterThan(2 ** 31);
    expect(fingerprintSyn(p)).toBe(FP_MIRAI);
  });

  it("calls an ordinary Linux SYN unknown, and IPv6 SYNs unknown", () => {
    expect(fingerprintSyn(syn({}))).toBe(FP_UNKNOWN);
    const v6 = syn({ ipVersion: 6, src4: 0, dst4: 0, seq: 0 });
    expect(fingerprintSyn(v6)).toBe(FP_UNKNOWN);
  });

  it("applies only to SYN without ACK", () => {
    expect(isSyn(syn({}))).toBe(true);
    expect(isSyn(syn({ tcpFlags: TCP_SYN | TCP_ACK }))).toBe(false);
    expect(isSyn(syn({ proto: 17 }))).toBe(false);
  });
});
