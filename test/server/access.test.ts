/** The access decisions of `serve`, one by one (the server test drives them over real sockets). */
import { describe, expect, it } from 'vitest';
import { checkToken, isLoopbackHost, isSameOrigin, newToken, parseCookies, sessionCookie, tokensEqual } from '../../main/server/access.ts';

const TOKEN = 'U3fKgF98U15XN6jPxOx8d1-9CQRlSMSQmOBuR1K5mkg';
const COOKIE = 'atlas_session_0badf00d';
const at = (path: string) => new URL(path, 'http://127.0.0.1:7311');

describe('the token', () => {
  it('fresh tokens: 32 random bytes, base64url, never the same twice', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => newToken()));
    expect(tokens.size).toBe(200);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('compares any two strings, of any lengths, without throwing', () => {
    expect(tokensEqual(TOKEN, TOKEN)).toBe(true);
    expect(tokensEqual(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokensEqual('', TOKEN)).toBe(false);
    expect(tokensEqual('é'.repeat(5000), TOKEN)).toBe(false);
  });

  it('401 without, 403 wrong, ok from the query or the cookie', () => {
    expect(checkToken({ url: at('/'), cookieHeader: undefined }, TOKEN, COOKIE)).toMatchObject({ ok: false, status: 401 });
    expect(checkToken({ url: at('/?token='), cookieHeader: undefined }, TOKEN, COOKIE)).toMatchObject({ ok: false, status: 403 });
    expect(checkToken({ url: at(`/?token=${TOKEN}`), cookieHeader: undefined }, TOKEN, COOKIE)).toEqual({ ok: true, via: 'query' });
    expect(checkToken({ url: at(`/?token=${TOKEN}&token=${TOKEN}`), cookieHeader: undefined }, TOKEN, COOKIE)).toMatchObject({ ok: false, status: 403 });
    expect(checkToken({ url: at('/'), cookieHeader: `a=b; ${COOKIE}=${TOKEN}` }, TOKEN, COOKIE)).toEqual({ ok: true, via: 'cookie' });
    expect(checkToken({ url: at('/'), cookieHeader: `${COOKIE}=nope` }, TOKEN, COOKIE)).toMatchObject({ ok: false, status: 403 });
    // A query token wins over the cookie: a wrong one is refused even with a good cookie.
    expect(checkToken({ url: at('/?token=nope'), cookieHeader: `${COOKIE}=${TOKEN}` }, TOKEN, COOKIE)).toMatchObject({ ok: false, status: 403 });
  });

  it('the cookie is a session cookie the page\'s scripts cannot read and other sites cannot send', () => {
    expect(sessionCookie(COOKIE, TOKEN)).toBe(`${COOKIE}=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`);
    expect(sessionCookie(COOKIE, TOKEN)).not.toMatch(/Expires|Max-Age|Domain/);
    expect(parseCookies(` x=1;${COOKIE}=a=b ; ${COOKIE}=second;bad`)).toEqual(new Map([['x', '1'], [COOKIE, 'a=b'], ]));
  });
});

describe('Host and Origin', () => {
  it('only loopback host names (an SSH tunnel\'s local end included)', () => {
    for (const host of ['127.0.0.1:7311', '127.0.0.1', 'localhost:8080', 'LOCALHOST:1', '[::1]:7311']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of [undefined, '', 'evil.example', 'evil.example:7311', '127.0.0.1.evil.example:7311', '127.0.0.2:7311', '0.0.0.0:7311', 'localhost.:7311', '127.0.0.1:7311@evil', '192.168.1.20:7311']) {
      expect(isLoopbackHost(host), String(host)).toBe(false);
    }
  });

  it('the page\'s own origin, or none (not a browser)', () => {
    expect(isSameOrigin(undefined, '127.0.0.1:7311')).toBe(true);
    expect(isSameOrigin('http://127.0.0.1:7311', '127.0.0.1:7311')).toBe(true);
    expect(isSameOrigin('http://localhost:8080', 'localhost:8080')).toBe(true);
    for (const origin of ['null', 'https://127.0.0.1:7311', 'http://127.0.0.1:7312', 'http://evil.example', 'http://127.0.0.1:7311.evil.example', 'file://']) {
      expect(isSameOrigin(origin, '127.0.0.1:7311'), origin).toBe(false);
    }
  });
});
