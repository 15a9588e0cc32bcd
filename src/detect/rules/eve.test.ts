import { describe, expect, it } from "vitest";
import { RuleEngine } from "./engine.js";
import { eveAddress, eveAlert, eveTimestamp } from "./eve.js";
import { parseRules } from "./parse.js";
import { makeSession } from "./test-session.js";

describe("eveAlert", () => {
  it("writes Suricata's alert record, with http.* for HTTP transactions", () => {
    const set = parseRules(
      'alert http any any -> any any (msg:"JAWS shell"; http.uri; content:"/shell?"; classtype:attempted-admin; reference:cve,2016-20016; metadata:created_at 2018_06_14; sid:9200007; rev:2;)',
      "t",
    );
    const s = makeSession({
      client:
        "GET /shell?cd+/tmp HTTP/1.1\r\nHost: 203.0.113.5:81\r\nUser-Agent: Hello, world\r\n\r\n",
      server: "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnah",
      dport: 81,
      start: Date.UTC(2018, 5, 14, 3, 10, 0) * 1000 + 123456,
      id: "0000000000001abc",
    });
    const [a] = new RuleEngine(set).session(s);
    expect(eveAlert(a!, s)).toEqual({
      timestamp: "2018-06-14T03:10:00.123456+0000",
      flow_id: 1,
      event_type: "alert",
      src_ip: "192.0.2.10",
      src_port: 40000,
      dest_ip: "203.0.113.5",
      dest_port: 81,
      proto: "TCP",
      direction: "to_server",
      tx_id: 0,
      alert: {
        action: "allowed",
        gid: 1,
        signature_id: 9200007,
        rev: 2,
        signature: "JAWS shell",
        category: "Attempted Administrator Privilege Gain",
        severity: 1,
        metadata: { created_at: ["2018_06_14"] },
      },
      app_proto: "http",
      http: {
        hostname: "203.0.113.5",
        url: "/shell?cd+/tmp",
        http_user_agent: "Hello, world",
        http_method: "GET",
        protocol: "HTTP/1.1",
        status: 404,
        length: 3,
      },
    });
  });

  it("formats times and IPv6 addresses as Suricata does", () => {
    expect(eveTimestamp(1_528_945_800_000_001)).toBe("2018-06-14T03:10:00.000001+0000");
    expect(eveAddress("2001:db8::1")).toBe("2001:0db8:0000:0000:0000:0000:0000:0001");
    expect(eveAddress("198.51.100.7")).toBe("198.51.100.7");
  });
});
