/**
 * @module The gpon persona: a Dasan-style "GPON Home Gateway" ONT web UI with the `?images/`
 * authentication bypass and the diag form of CVE-2018-10561/10562 (May 2018: Mettle, Muhstik,
 * Mirai, Hajime, Satori).
 */

import { escapeHtml, type HttpAnswer } from "./http-answer.js";
import { type DeviceRequest, httpPersona } from "./http-persona.js";
import type { Persona } from "./persona.js";

/** The product name the pages carry (what Shodan and scanners match: the title and XOntName). */
export const GPON_NAME = "GPON Home Gateway";

/**
 * The fields of every answer. These ONTs send no Server banner (its absence is part of the
 * fingerprint), so none is invented here.
 */
function answer(status: number, body: string, keepAlive: boolean, type = "text/html"): HttpAnswer {
  const headers: Array<[string, string]> = [
    ["Content-Type", type],
    ["Content-Length", ""],
    ["Cache-Control", "no-cache"],
  ];
  if (!keepAlive) headers.push(["Connection", "close"]);
  return { status, headers, body };
}

/** The root and every protected page without a session: back to the login page. */
const TO_LOGIN = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta http-equiv="refresh" content="0;url=/login.html">
<title>${GPON_NAME}</title></head>
<body><script language="javascript">top.location.href="/login.html";</script></body></html>
`;

const LOGIN = `<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>${GPON_NAME}</title>
<link rel="stylesheet" type="text/css" href="/css/login.css">
<script type="text/javascript" src="/js/jquery-1.12.4.min.js"></script>
<script type="text/javascript">
var XOntName = '${GPON_NAME}';
var XLoginErr = 0;
</script>
</head>
<body>
<div class="title">${GPON_NAME}</div>
<form id="XForm" name="XForm" method="post" action="/GponForm/LoginForm">
<input type="hidden" name="XWebPageName" value="index">
<table class="login">
<tr><td>Username</td><td><input type="text" name="username" id="username" maxlength="32"></td></tr>
<tr><td>Password</td><td><input type="password" name="password" id="password" maxlength="32"></td></tr>
<tr><td colspan="2"><input type="submit" id="XLogin" value="Login"></td></tr>
</table>
</form>
</body></html>
`;

/** The diagnostics page; the device keeps the last result in `diag_result` (empty here). */
const DIAG = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>${GPON_NAME}</title>
<script type="text/javascript">
var diag_host = "";
var diag_result = "";
</script>
</head><body>
<form id="XForm" name="XForm" method="post" action="/GponForm/diag_Form">
<input type="hidden" name="XWebPageName" value="diag">
<select name="diag_action"><option value="ping">Ping</option><option value="traceroute">Traceroute</option></select>
<select name="wan_conlist"><option value="0">WAN 1</option></select>
<input type="text" name="dest_host" maxlength="64">
<select name="ipv"><option value="0">IPv4</option><option value="1">IPv6</option></select>
<input type="submit" value="Start">
</form>
<textarea id="diag_result" rows="16" cols="80" readonly></textarea>
</body></html>
`;

const MENU = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>${GPON_NAME}</title></head><body>
<ul class="menu"><li><a href="/status.html">Status</a></li><li><a href="/network.html">Network</a></li>
<li><a href="/security.html">Security</a></li><li><a href="/diag.html">Diagnostics</a></li>
<li><a href="/management.html">Management</a></li></ul>
</body></html>
`;

/** Pages behind the login, with what they show once the bypass (or a session) lets one in. */
const PROTECTED: Readonly<Record<string, string>> = {
  "/diag.html": DIAG,
  "/menu.html": MENU,
  "/status.html": MENU,
  "/GponForm/diag_Form": DIAG,
  "/GponForm/diag_XForm": DIAG,
};

function notFound(path: string): string {
  return `<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>
<p>The requested URL ${escapeHtml(path.slice(0, 200))} was not found on this server.</p></body></html>
`;
}

function respond(req: DeviceRequest): HttpAnswer {
  const ka = req.keepAlive;
  if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "POST") {
    return answer(501, "<html><body><h1>501 Not Implemented</h1></body></html>\n", ka);
  }
  // CVE-2018-10561: a URL holding "images/" is taken for a static image, served without a session.
  const bypass = req.target.includes("images/");
  if (req.path === "/" || req.path === "/index.html") return answer(200, TO_LOGIN, ka);
  if (req.path === "/login.html") return answer(200, LOGIN, ka);
  if (req.path === "/GponForm/LoginForm") return answer(200, TO_LOGIN, ka);
  const page = PROTECTED[req.path];
  if (page !== undefined) return answer(200, bypass ? page : TO_LOGIN, ka);
  return answer(404, notFound(req.path), ka);
}

const BAD_REQUEST =
  "<html><head><title>400 Bad Request</title></head><body><h1>Bad Request</h1></body></html>\n";

/** GPON ONT home gateway web login. */
export const gponPersona: Persona = httpPersona({
  name: "gpon",
  summary: "GPON Home Gateway ONT web UI (?images/ auth bypass, diag_Form; CVE-2018-10561/10562)",
  ports: [80, 8080, 8443],
  respond,
  reject: (status) => answer(status, BAD_REQUEST, false),
});
