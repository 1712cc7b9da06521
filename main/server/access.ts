/**
 * Who may use `iommu-atlas serve`: whoever holds the token printed at start. Decisions only (no
 * sockets here), so each one is tested on its own.
 *
 * - The token comes in the address (`?token=`) on the first visit; the answer then sets it as an
 *   HttpOnly, SameSite=Strict session cookie, so the page's later requests (assets, the WebSocket)
 *   carry it without script access (RFC 6265bis "SameSite", "HttpOnly").
 * - No token: 401. A wrong token: 403. Compared in constant time.
 * - The Host header must name the loopback interface: a DNS-rebinding page (evil.example resolving
 *   to 127.0.0.1) sends its own name there and is refused even before the token is looked at.
 * - A WebSocket upgrade must come from the page's own origin (RFC 6455 10.2: browsers send Origin;
 *   the server decides). Clients that are not browsers send none and rely on the token alone.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type AccessDecision =
  | { ok: true; via: 'query' | 'cookie' }
  | { ok: false; status: 401 | 403; reason: string };

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Each start has its own cookie name, so two servers on one browser (two tunnels) do not overwrite each other. */
export function newCookieName(): string {
  return `atlas_session_${randomBytes(4).toString('hex')}`;
}

/** Constant time in the content and the length of `given`: both sides are hashed to 32 bytes first. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** `Cookie: a=1; b=2` (RFC 6265 5.4); the first value of a repeated name wins, as browsers order them. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

export function sessionCookie(name: string, token: string): string {
  return `${name}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

export function checkToken(request: { url: URL; cookieHeader: string | undefined }, token: string, cookieName: string): AccessDecision {
  const given = request.url.searchParams.getAll('token');
  if (given.length > 0) {
    return given.length === 1 && tokensEqual(given[0]!, token)
      ? { ok: true, via: 'query' }
      : { ok: false, status: 403, reason: 'wrong token' };
  }
  const cookie = parseCookies(request.cookieHeader).get(cookieName);
  if (cookie !== undefined) return tokensEqual(cookie, token) ? { ok: true, via: 'cookie' } : { ok: false, status: 403, reason: 'wrong token' };
  return { ok: false, status: 401, reason: 'no token: open the address `iommu-atlas serve` printed (with ?token=…)' };
}

/** `127.0.0.1:7311`, `localhost:8080` (an SSH tunnel's local end), `[::1]:8080`; any port. */
export function isLoopbackHost(hostHeader: string | undefined): boolean {
  if (hostHeader === undefined) return false;
  return /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i.test(hostHeader);
}

/** The page's own origin as the browser sees it: `http://` + the Host it asked for. */
export function isSameOrigin(originHeader: string | undefined, hostHeader: string | undefined): boolean {
  if (originHeader === undefined) return true;
  return hostHeader !== undefined && originHeader.toLowerCase() === `http://${hostHeader.toLowerCase()}`;
}
