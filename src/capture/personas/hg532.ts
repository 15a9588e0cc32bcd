/**
 * @module The hg532 persona: the UPnP SOAP service of a Huawei HG532 home gateway on 37215, where
 * `POST /ctrlt/DeviceUpgrade_1` takes a digest login and runs NewStatusURL (CVE-2017-17215; Satori,
 * then most Mirai variants).
 */

import { latin1 } from "../../decode/http-message.js";
import { digestNonce, type HttpAnswer } from "./http-answer.js";
import { type DeviceRequest, httpPersona } from "./http-persona.js";
import type { Persona, PersonaContext } from "./persona.js";

/** The digest realm of the service (the exploit's Authorization header names it). */
export const HG532_REALM = "HuaweiHomeGateway";
/** The control URLs of the upgrade service; the exploit uses the first. */
const CONTROL_PATHS: ReadonlySet<string> = new Set([
  "/ctrlt/DeviceUpgrade_1",
  "/ctrlt/DeviceUpgrade",
]);

const XML_TYPE = 'text/xml; charset="utf-8"';

function answer(
  status: number,
  body: string,
  keepAlive: boolean,
  extra: Array<[string, string]> = [],
): HttpAnswer {
  const headers: Array<[string, string]> = [
    ...extra,
    ["Content-Type", XML_TYPE],
    ["Content-Length", ""],
  ];
  headers.push(["Connection", keepAlive ? "keep-alive" : "close"]);
  return { status, headers, body };
}

function envelope(inner: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">
<s:Body>
${inner}
</s:Body>
</s:Envelope>
`;
}

const UPGRADE_OK = envelope(
  '<u:UpgradeResponse xmlns:u="urn:schemas-upnp-org:service:WANPPPConnection:1"></u:UpgradeResponse>',
);

function fault(code: number, text: string): string {
  return envelope(`<s:Fault>
<faultcode>s:Client</faultcode>
<faultstring>UPnPError</faultstring>
<detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>${code}</errorCode><errorDescription>${text}</errorDescription></UPnPError></detail>
</s:Fault>`);
}

const UNAUTHORIZED =
  "<html><head><title>401 Unauthorized</title></head><body>401 Unauthorized</body></html>\n";
const NOT_FOUND =
  "<html><head><title>404 Not Found</title></head><body>404 Not Found</body></html>\n";

/** The challenge a request without digest credentials gets. */
function challenge(ctx: PersonaContext, keepAlive: boolean): HttpAnswer {
  const nonce = digestNonce(ctx, HG532_REALM);
  const www = `Digest realm="${HG532_REALM}", nonce="${nonce}", qop="auth", algorithm="MD5"`;
  return answer(401, UNAUTHORIZED, keepAlive, [["WWW-Authenticate", www]]);
}

function respond(req: DeviceRequest, ctx: PersonaContext): HttpAnswer {
  const ka = req.keepAlive;
  if (!CONTROL_PATHS.has(req.path)) return answer(404, NOT_FOUND, ka);
  if (req.method !== "POST") return answer(405, fault(401, "Invalid Action"), ka);
  // Any digest answer is taken: the point is to see the exploit's command, never to run it.
  const auth = req.header("authorization") ?? "";
  if (!/^\s*Digest\s+\S/i.test(auth)) return challenge(ctx, ka);
  const body = latin1(req.body, 0, req.body.length);
  if (!/<(?:\w+:)?Upgrade[\s>]/.test(body)) return answer(500, fault(401, "Invalid Action"), ka);
  return answer(200, UPGRADE_OK, ka);
}

/** Huawei HG532 UPnP device-upgrade SOAP service. */
export const hg532Persona: Persona = httpPersona({
  name: "hg532",
  summary: "Huawei HG532 UPnP SOAP on 37215 (digest-guarded DeviceUpgrade_1; CVE-2017-17215)",
  ports: [37215],
  respond,
  reject: (status) => answer(status, "", false),
});
