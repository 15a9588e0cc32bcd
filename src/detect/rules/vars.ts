/** @module Rule variables ($HOME_NET, $HTTP_PORTS, ...): honeypot defaults, Suricata's, overrides. */

/**
 * Defaults for a honeypot or darknet sensor: every address it sees is its own (HOME_NET any)
 * and every peer is external (EXTERNAL_NET any), so rules written for either direction fire on
 * what attackers send. HTTP_PORTS lists the ports IoT web exploits are seen on, not just 80.
 */
export const HONEYPOT_VARS: Readonly<Record<string, string>> = Object.freeze({
  HOME_NET: "any",
  EXTERNAL_NET: "any",
  HTTP_PORTS:
    "[80,81,82,83,84,85,88,443,591,1080,3128,5000,7001,7547,8000,8001,8008,8080,8081,8088,8090,8443,8888,9000,37215,49152,52869]",
  ...serverVars(),
  ...portVars(),
});

/** Suricata's suricata.yaml defaults, for replaying its test cases. */
export const SURICATA_VARS: Readonly<Record<string, string>> = Object.freeze({
  HOME_NET: "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]",
  EXTERNAL_NET: "!$HOME_NET",
  HTTP_PORTS: "80",
  ...serverVars(),
  ...portVars(),
});

function serverVars(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of [
    "HTTP_SERVERS",
    "SMTP_SERVERS",
    "SQL_SERVERS",
    "DNS_SERVERS",
    "TELNET_SERVERS",
    "AIM_SERVERS",
    "DC_SERVERS",
    "DNP3_SERVER",
    "DNP3_CLIENT",
    "MODBUS_CLIENT",
    "MODBUS_SERVER",
    "ENIP_CLIENT",
    "ENIP_SERVER",
  ]) {
    out[n] = "$HOME_NET";
  }
  return out;
}

function portVars(): Record<string, string> {
  return {
    SHELLCODE_PORTS: "!80",
    ORACLE_PORTS: "1521",
    SSH_PORTS: "22",
    DNP3_PORTS: "20000",
    MODBUS_PORTS: "502",
    FILE_DATA_PORTS: "[$HTTP_PORTS,110,143]",
    FTP_PORTS: "21",
    GENEVE_PORTS: "6081",
    VXLAN_PORTS: "4789",
    TEREDO_PORTS: "3544",
    SIP_PORTS: "[5060,5061]",
    TELNET_PORTS: "[23,2323]",
  };
}

/** Most nested variable expansions followed before a cycle is assumed. */
const MAX_DEPTH = 16;

/**
 * Replaces `$NAME` references (also inside groups and after `!`) by their values, recursively.
 * Returns a reason string for an unknown variable or a cycle.
 */
export function expandVars(text: string, vars: Readonly<Record<string, string>>): string {
  let cur = text;
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    if (!cur.includes("$")) return cur;
    let missing = "";
    cur = cur.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
      const v = vars[name];
      if (v === undefined) {
        if (missing === "") missing = name;
        return "";
      }
      return v;
    });
    if (missing !== "") throw new VarError(`unknown variable $${missing}`);
  }
  throw new VarError(`variables nest deeper than ${MAX_DEPTH} (a cycle?) in "${text}"`);
}

export class VarError extends Error {}
