/** @module HTTP URI and host normalisation as libhtp's IDS personality does it for http.uri/http.host. */

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Decodes %XX and IIS-style %uXXXX escapes (code points above 0xff become '?'). */
export function percentDecode(s: string): string {
  if (!s.includes("%")) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 37) {
      const a = hexVal(s.charCodeAt(i + 1));
      const b = hexVal(s.charCodeAt(i + 2));
      if (a >= 0 && b >= 0) {
        out += String.fromCharCode(a * 16 + b);
        i += 2;
        continue;
      }
      if ((s[i + 1] === "u" || s[i + 1] === "U") && i + 5 < s.length) {
        let v = 0;
        let ok = true;
        for (let k = 2; k <= 5; k++) {
          const h = hexVal(s.charCodeAt(i + k));
          if (h < 0) ok = false;
          v = v * 16 + h;
        }
        if (ok) {
          out += v <= 0xff ? String.fromCharCode(v) : "?";
          i += 5;
          continue;
        }
      }
    }
    out += s[i];
  }
  return out;
}

/** Removes `.` and `..` segments (RFC 3986 section 5.2.4). */
export function removeDotSegments(path: string): string {
  if (!path.includes(".")) return path;
  const segs = path.split("/");
  const out: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i] as string;
    if (s === ".") {
      if (i === segs.length - 1) out.push("");
      continue;
    }
    if (s === "..") {
      if (out.length > 1) out.pop();
      if (i === segs.length - 1) out.push("");
      continue;
    }
    out.push(s);
  }
  const r = out.join("/");
  return path.startsWith("/") && !r.startsWith("/") ? `/${r}` : r;
}

/**
 * The normalised URI: the path of an absolute-form target, %-decoded, backslashes turned into
 * slashes, repeated slashes compressed and dot segments removed; the query is kept as sent.
 */
export function normalizeUri(target: string): string {
  let t = target;
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.exec(t);
  if (scheme !== null) {
    const slash = t.indexOf("/", scheme[0].length);
    t = slash < 0 ? "/" : t.slice(slash);
  }
  const q = t.indexOf("?");
  const rawPath = q < 0 ? t : t.slice(0, q);
  const query = q < 0 ? "" : t.slice(q);
  let path = percentDecode(rawPath)
    .replace(/\\/g, "/")
    .replace(/\/{2,}/g, "/");
  path = removeDotSegments(path);
  return path + query;
}

/** The host of a request: from an absolute-form target, else the Host header; lowercase, no port. */
export function normalizeHost(target: string, hostHeader: string | undefined): string | undefined {
  let h: string | undefined;
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(target);
  if (m !== null) h = (m[1] as string).replace(/^[^@]*@/, "");
  else h = hostHeader;
  if (h === undefined) return undefined;
  h = h.trim().toLowerCase();
  if (h.startsWith("[")) {
    const close = h.indexOf("]");
    return close < 0 ? h : h.slice(0, close + 1);
  }
  const colon = h.lastIndexOf(":");
  if (colon >= 0 && /^\d*$/.test(h.slice(colon + 1))) h = h.slice(0, colon);
  return h.endsWith(".") ? h.slice(0, -1) : h;
}
