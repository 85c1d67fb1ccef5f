/**
 * The web view answers only requests addressed to it: a page on another site that points its
 * own DNS name at 127.0.0.1 (DNS rebinding) sends its own name as Host, and is refused.
 */

/** Host names that reach a loopback listener on this machine. */
const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The host part of a Host header, lower-case, brackets kept for IPv6; and its port. */
function splitHost(host: string): { name: string; port: string } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  return m ? { name: m[1], port: m[2] ?? "80" } : { name: "", port: "" };
}

/** `hostname` as it appears in a Host header: IPv6 addresses in brackets. */
function asHostName(hostname: string): string {
  const name = hostname.toLowerCase();
  return name.includes(":") && !name.startsWith("[") ? `[${name}]` : name;
}

function isLoopback(name: string): boolean {
  return LOOPBACK_NAMES.has(name) || /^127(\.\d{1,3}){3}$/.test(name);
}

function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || /^\[[0-9a-f:.]+\]$/.test(name);
}

/**
 * True when `host` (a request's Host header) names this server: the address it bound, or the
 * name it was given (`--host`), on its port; for a loopback bind also localhost, 127.0.0.1 and
 * [::1]; for a wildcard bind (0.0.0.0, ::) any IP address or localhost, never another name.
 */
export function hostIsOwn(host: string | null, bound: Deno.NetAddr, given: string): boolean {
  if (!host) return false;
  const { name, port } = splitHost(host);
  if (port !== String(bound.port)) return false;
  const boundName = asHostName(bound.hostname);
  if (name === boundName || name === asHostName(given)) return true;
  if (isLoopback(boundName)) return isLoopback(name);
  if (boundName === "0.0.0.0" || boundName === "[::]") {
    return isIpLiteral(name) || name === "localhost";
  }
  return false;
}

/** The answer to a request whose Host is not this server's. */
export function misdirected(host: string | null, bound: Deno.NetAddr): Response {
  return new Response(
    `Host ${JSON.stringify(host ?? "")} is not this server's address: open ` +
      `http://${asHostName(bound.hostname)}:${bound.port}/\n`,
    { status: 421, headers: { "content-type": "text/plain; charset=utf-8" } },
  );
}
