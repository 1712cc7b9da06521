/**
 * `serve` on loopback, driven over real HTTP and WebSocket connections: the token (401/403), the
 * cookie flow, Host and Origin checks, static files without traversal or listings, the security
 * headers, the message protocol and its limits, and events from a real collection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import { AtlasService } from '../../main/service/atlas-service.ts';
import { startAtlasServer, type AtlasServer } from '../../main/server/server.ts';
import { MAX_WS_MESSAGE_BYTES } from '../../main/core/contract/wire.ts';
import { captureTree } from '../helpers/fstree.ts';
import { makeAtlasHome } from '../helpers/atlas-home.ts';
import { httpGet, wsCall, wsOpen } from '../helpers/http.ts';

let server: AtlasServer;
let service: AtlasService;
let rendererDir: string;
let home: string;

const INDEX_HTML = '<!doctype html><html><head><script type="module" src="/assets/app.js"></script></head><body></body></html>\n';

beforeAll(async () => {
  home = await makeAtlasHome();
  rendererDir = await mkdtemp(join(tmpdir(), 'atlas-renderer-'));
  await mkdir(join(rendererDir, 'assets', 'fonts'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), INDEX_HTML);
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log("atlas");\n');
  await writeFile(join(rendererDir, 'assets', 'app.css'), 'body { margin: 0 }\n');
  await writeFile(join(rendererDir, '.env'), 'SECRET=1\n');
  await symlink('/etc/passwd', join(rendererDir, 'assets', 'passwd.js'));
  service = new AtlasService({ homeDir: home, env: { ATLAS_SYSROOT: captureTree('mixed') } });
  server = await startAtlasServer({ service, port: 0, rendererDir });
});

afterAll(async () => {
  await server?.close();
  await service?.close();
  await rm(rendererDir, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

const cookie = () => `${server.cookieName}=${server.token}`;
const wsUrl = (query = `?token=${server.token}`) => `ws://127.0.0.1:${server.port}/api${query}`;

describe('address and binding', () => {
  it('prints http://127.0.0.1:PORT/?token=TOKEN with a fresh 256-bit token each start', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const other = await startAtlasServer({ service, port: 0, rendererDir });
    expect(other.token).not.toBe(server.token);
    expect(other.cookieName).not.toBe(server.cookieName);
    await other.close();
  });

  it('listens on 127.0.0.1 only: another loopback address is refused, and /proc/net/tcp shows 127.0.0.1', async () => {
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.2', port: server.port });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    const listening = (await readFile('/proc/net/tcp', 'utf8')).split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[3] === '0A' && f[1]?.endsWith(`:${server.port.toString(16).toUpperCase().padStart(4, '0')}`));
    expect(listening.map((f) => f[1])).toEqual([`0100007F:${server.port.toString(16).toUpperCase().padStart(4, '0')}`]);
  });
});

describe('the token', () => {
  it('no token: 401 for the page, assets and the API, still with the security headers', async () => {
    for (const path of ['/', '/index.html', '/assets/app.js', '/api', '/nope']) {
      const answer = await httpGet(server.port, path);
      expect(answer.status, path).toBe(401);
      expect(answer.body).toContain('unauthorized');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
      expect(answer.body).not.toContain('<script');
    }
  });

  it('a wrong token: 403, in the address or in the cookie; a token given twice is wrong', async () => {
    expect((await httpGet(server.port, '/?token=wrong')).status).toBe(403);
    expect((await httpGet(server.port, `/?token=${server.token.slice(0, -1)}`)).status).toBe(403);
    expect((await httpGet(server.port, `/?token=${server.token}&token=x`)).status).toBe(403);
    expect((await httpGet(server.port, '/', { cookie: `${server.cookieName}=${server.token}x` })).status).toBe(403);
    // Another server's cookie is no token at all for this one.
    expect((await httpGet(server.port, '/', { cookie: `atlas_session_00000000=${server.token}` })).status).toBe(401);
  });

  it('the first visit sets an HttpOnly SameSite=Strict cookie and drops the token from the address', async () => {
    const first = await httpGet(server.port, `/?token=${server.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    expect(first.headers['set-cookie']).toEqual([`${server.cookieName}=${server.token}; HttpOnly; SameSite=Strict; Path=/`]);
    const page = await httpGet(server.port, '/', { cookie: `other=1; ${cookie()}` });
    expect(page.status).toBe(200);
    expect(page.body).toBe(INDEX_HTML);
  });

  it('a DNS-rebinding page (foreign Host header) is refused even with the token', async () => {
    const answer = await httpGet(server.port, `/?token=${server.token}`, { host: `evil.example:${server.port}` });
    expect(answer.status).toBe(403);
    // An SSH tunnel's local end (another port, or "localhost") is the same server.
    expect((await httpGet(server.port, '/', { host: 'localhost:8080', cookie: cookie() })).status).toBe(200);
  });
});

describe('the page\'s files', () => {
  it('serves them with their types, the strict CSP and nosniff', async () => {
    const js = await httpGet(server.port, '/assets/app.js', { cookie: cookie() });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log("atlas");\n');
    expect((await httpGet(server.port, '/assets/app.css', { cookie: cookie() })).headers['content-type']).toBe('text/css; charset=utf-8');
    const csp = js.headers['content-security-policy'] as string;
    const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')?.[0]).toBe("'self'");
    expect(directives.get('style-src')?.slice(1)).toEqual([expect.stringMatching(/^'sha256-[A-Za-z0-9+/]{43}='$/)]);
    expect(directives.get('connect-src')).toEqual(["'self'", `ws://127.0.0.1:${server.port}`]);
    expect(directives.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect(js.headers['x-frame-options']).toBe('DENY');
    expect(js.headers['referrer-policy']).toBe('no-referrer');
  });

  it('no traversal, no dotfiles, no symlinks out, no directory listing', async () => {
    const attempts = [
      '/../../../../etc/passwd', '/assets/../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd',
      '/assets%5c..%5c..%5cetc%5cpasswd', '/..%5c..%5cetc%5cpasswd', '//etc/passwd', '/assets//app.js', '/%00', '/index.html%00.js', '/.env', '/assets/passwd.js',
      '/assets', '/assets/', '/assets/fonts/', '/%E0%A4%A',
    ];
    for (const path of attempts) {
      const answer = await httpGet(server.port, path, { cookie: cookie() });
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toMatch(/root:|SECRET|app\.js/);
    }
  });

  it('only GET and HEAD', async () => {
    const post = await httpGet(server.port, '/', { cookie: cookie() }, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await httpGet(server.port, '/assets/app.js', { cookie: cookie() }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('until the renderer is built, "/" says how to build it', async () => {
    const bare = await startAtlasServer({ service, port: 0, rendererDir: join(rendererDir, 'missing') });
    const page = await httpGet(bare.port, '/', { cookie: `${bare.cookieName}=${bare.token}` });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('renderer not built: run <code>npm run build:renderer</code>');
    expect(page.body).not.toMatch(/<script|<style|style=/);
    await bare.close();
  });
});

describe('the WebSocket API', () => {
  it('upgrades need the token (401/403) and the page\'s own origin', async () => {
    expect(await wsOpen(wsUrl(''))).toMatchObject({ refused: 401 });
    expect(await wsOpen(wsUrl('?token=nope'))).toMatchObject({ refused: 403 });
    expect(await wsOpen(wsUrl(''), { cookie: `${server.cookieName}=nope` })).toMatchObject({ refused: 403 });
    expect(await wsOpen(wsUrl(), { origin: 'https://evil.example' })).toMatchObject({ refused: 403, body: 'forbidden: foreign origin\n' });
    expect(await wsOpen(wsUrl(), { origin: `http://127.0.0.1:${server.port + 1}` })).toMatchObject({ refused: 403 });
    expect(await wsOpen(wsUrl(), { origin: 'null' })).toMatchObject({ refused: 403 });
    expect(await wsOpen(`ws://127.0.0.1:${server.port}/other?token=${server.token}`)).toMatchObject({ refused: 404 });
    const viaCookie = await wsOpen(wsUrl(''), { origin: `http://127.0.0.1:${server.port}`, cookie: cookie() });
    expect('ws' in viaCookie).toBe(true);
    if ('ws' in viaCookie) viaCookie.ws.close();
  });

  it('answers requests by id; bad requests get invalid-request; binary and oversized messages close the socket', async () => {
    const opened = await wsOpen(wsUrl());
    if (!('ws' in opened)) throw new Error(`refused ${opened.refused}`);
    const ws: WebSocket = opened.ws;
    expect(await wsCall(ws, { id: 1, method: 'snapshots.samples', params: {} }, 1)).toEqual({ id: 1, result: ['asus-prime-x570-pro', 'lab-q35-mixed'] });
    expect(await wsCall(ws, { id: 'a', method: 'hosts.remove', params: { id: '../x' } }, 'a')).toMatchObject({ id: 'a', error: { kind: 'invalid-request' } });
    expect(await wsCall(ws, { id: 2, method: 'system.exec', params: {} }, 2)).toEqual({ id: 2, error: { kind: 'invalid-request', message: 'unknown method "system.exec"' } });
    expect(await wsCall(ws, { id: 3, method: 'snapshots.get', params: { id: 'AAAAAAAAAAAAAAAA' } }, 3)).toMatchObject({ error: { kind: 'not-found' } });
    expect(await wsCall(ws, 'not json', null)).toEqual({ id: null, error: { kind: 'invalid-request', message: 'not JSON' } });
    expect(await wsCall(ws, { method: 'hosts.list' }, null)).toMatchObject({ id: null, error: { kind: 'invalid-request' } });

    const binaryClose = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await binaryClose).toBe(1003);

    const big = await wsOpen(wsUrl());
    if (!('ws' in big)) throw new Error('refused');
    const tooBig = new Promise<number>((resolve) => big.ws.once('close', (code) => resolve(code)));
    big.ws.send(JSON.stringify({ id: 9, method: 'snapshots.import', params: { files: [{ name: 'x', text: 'a'.repeat(MAX_WS_MESSAGE_BYTES) }] } }));
    // RFC 6455 7.4.1: 1009, "a message that is too big for it to process".
    expect(await tooBig).toBe(1009);
  });

  it('a collection streams its progress and done events to every connection', async () => {
    const a = await wsOpen(wsUrl());
    const b = await wsOpen(wsUrl());
    if (!('ws' in a) || !('ws' in b)) throw new Error('refused');
    const seenByB: { event: string; payload: Record<string, unknown> }[] = [];
    b.ws.on('message', (data) => seenByB.push(JSON.parse(data.toString())));
    const eventsA: unknown[] = [];
    const answer = await wsCall(a.ws, { id: 7, method: 'hosts.collect', params: { id: 'local' } }, 7, eventsA);
    expect(answer).toMatchObject({ id: 7, result: { origin: 'collected', hostId: 'local', devices: 33, groups: 23 } });
    const snapshotId = (answer['result'] as { id: string }).id;
    expect(eventsA).toContainEqual({ event: 'collect.done', payload: { hostId: 'local', snapshotId, error: null } });
    expect(eventsA.some((e) => (e as { event: string; payload: { message?: string } }).event === 'collect.progress'
      && (e as { payload: { message: string } }).payload.message === 'this machine: reading lspci…')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seenByB.map((e) => e.event)).toContain('snapshots.added');
    expect(seenByB.find((e) => e.event === 'collect.done')?.payload).toEqual({ hostId: 'local', snapshotId, error: null });
    a.ws.close();
    b.ws.close();
  });
});
