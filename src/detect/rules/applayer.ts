/**
 * @module Which application protocol a session speaks, for rules written for `dns`, `ftp`,
 * `smtp`, `smb`, `ssh` and `tls`: by the first bytes when they are telling, else by the port.
 */

import type { Session } from "../../schema/session.js";
import type { RuleProto } from "./types.js";

function startsWith(b: Uint8Array, text: string): boolean {
  if (b.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[i] !== text.charCodeAt(i)) return false;
  return true;
}

function port(s: Session, ...ports: number[]): boolean {
  return ports.includes(s.dport);
}

/** Whether session `s` speaks the protocol a rule names (`ip`, `tcp`, `udp` and `http` included). */
export function speaks(s: Session, p: RuleProto): boolean {
  const tcp = s.proto === "tcp";
  const c = s.clientBytes;
  const sv = s.serverBytes;
  switch (p) {
    case "ip":
      return true;
    case "tcp":
    case "tcp-pkt":
    case "tcp-stream":
      return tcp;
    case "udp":
      return !tcp;
    case "icmp":
      return false;
    case "http":
      return tcp && s.http !== undefined;
    case "dns":
      return port(s, 53, 5353) || (s.sport === 53 && !tcp);
    case "ssh":
      return tcp && (startsWith(c, "SSH-") || startsWith(sv, "SSH-") || port(s, 22, 2222));
    case "tls":
      return tcp && ((c[0] === 0x16 && c[1] === 0x03) || port(s, 443, 8443, 993, 995, 465));
    case "smb":
      return (
        tcp &&
        (port(s, 139, 445) ||
          (c.length > 8 && c[4] === 0xff && c[5] === 0x53 && c[6] === 0x4d && c[7] === 0x42) ||
          (c[4] === 0xfe && c[5] === 0x53))
      );
    case "smtp":
      return tcp && (port(s, 25, 465, 587, 2525) || startsWith(c, "EHLO") || startsWith(c, "HELO"));
    case "ftp":
      return (
        tcp &&
        (port(s, 21, 2121) ||
          startsWith(c, "USER ") ||
          (startsWith(sv, "220") && startsWith(c, "USER")))
      );
    default:
      return false;
  }
}
