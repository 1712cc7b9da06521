/**
 * `iommu-atlas serve`: the app's page and its API over HTTP and one WebSocket, on 127.0.0.1 only.
 * For a headless hypervisor (reach it through `ssh -L 7311:127.0.0.1:7311 host`) and for the
 * browser tests. Who may connect is decided in access.ts; the page's files come from
 * static-files.ts; requests go through the same door as Electron's IPC (service/door.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AtlasService } from '../service/atlas-service.ts';
import { callThroughDoor } from '../service/door.ts';
import { MAX_WS_MESSAGE_BYTES, MAX_WS_REQUESTS_IN_FLIGHT, WS_PATH, WsRequest, type WsResponse } from '../core/contract/wire.ts';
import { checkToken, isLoopbackHost, isSameOrigin, newCookieName, newToken, sessionCookie } from './access.ts';
import { contentSecurityPolicy } from './csp.ts';
import { contentType, readStaticFile, resolveStaticPath } from './static-files.ts';

/** Where `npm run build:renderer` puts the page. */
export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

export const LISTEN_HOST = '127.0.0.1';

export interface AtlasServerOptions {
  service: AtlasService;
  /** 0: any free port. */
  port: number;
  rendererDir?: string;
}

export interface AtlasServer {
  /** `http://127.0.0.1:PORT/?token=TOKEN`: the address to open. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly cookieName: string;
  close(): Promise<void>;
}

/** Shown at "/" until the renderer is built; static, so the strict CSP holds for it too. */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>IOMMU Atlas</title></head>
<body><h1>IOMMU Atlas</h1><p>renderer not built: run <code>npm run build:renderer</code>, then reload.</p>
<p>The API is up: the WebSocket at <code>${WS_PATH}</code> answers.</p></body></html>
`;

function securityHeaders(host: string): Record<string, string> {
  return {
    // Host was checked to be a loopback name (isLoopbackHost), so it is safe to repeat here.
    'Content-Security-Policy': contentSecurityPolicy([`ws://${host}`]),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

function plain(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'X-Content-Type-Options': 'nosniff', ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(`${text}\n`);
}

/** Refuses an upgrade before any WebSocket exists: a plain HTTP answer, then the socket is closed. */
function refuseUpgrade(socket: Duplex, status: 400 | 401 | 403 | 404, reason: string): void {
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status];
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(reason) + 1}\r\n\r\n${reason}\n`);
}

function requestUrl(request: IncomingMessage): URL | null {
  try {
    return new URL(request.url ?? '/', 'http://127.0.0.1');
  } catch {
    return null;
  }
}

export async function startAtlasServer(options: AtlasServerOptions): Promise<AtlasServer> {
  const token = newToken();
  const cookieName = newCookieName();
  const rendererDir = options.rendererDir ?? DEFAULT_RENDERER_DIR;
  const { service } = options;

  const handleHttp = async (request: IncomingMessage, response: ServerResponse) => {
    const host = request.headers.host;
    if (!isLoopbackHost(host)) return plain(response, 403, 'forbidden: this server answers only to 127.0.0.1 or localhost');
    const headers = securityHeaders(host!);
    const url = requestUrl(request);
    if (url === null) return plain(response, 400, 'bad request', headers);
    const access = checkToken({ url, cookieHeader: request.headers.cookie }, token, cookieName);
    if (!access.ok) return plain(response, access.status, access.status === 401 ? `unauthorized: ${access.reason}` : `forbidden: ${access.reason}`, headers);
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(response, 405, 'method not allowed', { ...headers, Allow: 'GET, HEAD' });
    if (access.via === 'query') {
      // Keep the token out of the address bar and history: from now on the cookie carries it.
      url.searchParams.delete('token');
      response.writeHead(303, { ...headers, 'Set-Cookie': sessionCookie(cookieName, token), Location: `${url.pathname}${url.search}` });
      return response.end();
    }
    if (url.pathname === WS_PATH) return plain(response, 426, 'upgrade required: this is the WebSocket API', { ...headers, Upgrade: 'websocket' });
    const path = resolveStaticPath(rendererDir, url.pathname);
    const body = path === null ? null : await readStaticFile(rendererDir, path);
    if (body === null) {
      if (url.pathname === '/') {
        response.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' });
        return response.end(request.method === 'HEAD' ? undefined : NOT_BUILT_PAGE);
      }
      return plain(response, 404, 'not found', headers);
    }
    response.writeHead(200, { ...headers, 'Content-Type': contentType(path!), 'Content-Length': body.length });
    response.end(request.method === 'HEAD' ? undefined : body);
  };

  const server = createServer((request, response) => {
    handleHttp(request, response).catch(() => {
      if (!response.headersSent) plain(response, 500, 'internal error');
      else response.destroy();
    });
  });
  // Slow or stuck clients must not hold sockets for ever.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES, clientTracking: true });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const host = request.headers.host;
    const url = requestUrl(request);
    if (!isLoopbackHost(host)) return refuseUpgrade(socket, 403, 'forbidden: not a loopback host name');
    if (url === null) return refuseUpgrade(socket, 400, 'bad request');
    if (url.pathname !== WS_PATH) return refuseUpgrade(socket, 404, 'not found');
    if (!isSameOrigin(request.headers.origin, host)) return refuseUpgrade(socket, 403, 'forbidden: foreign origin');
    const access = checkToken({ url, cookieHeader: request.headers.cookie }, token, cookieName);
    if (!access.ok) return refuseUpgrade(socket, access.status, access.reason);
    wss.handleUpgrade(request, socket, head, (ws) => serveConnection(ws));
  });

  const send = (ws: WebSocket, message: WsResponse | { event: string; payload: unknown }) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };

  const serveConnection = (ws: WebSocket) => {
    let inFlight = 0;
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      // RFC 6455 7.4.1: 1003, "received a type of data it cannot accept".
      if (isBinary) return ws.close(1003, 'text messages only');
      let json: unknown;
      try {
        json = JSON.parse(data.toString());
      } catch {
        return send(ws, { id: null, error: { kind: 'invalid-request', message: 'not JSON' } });
      }
      const request = WsRequest.safeParse(json);
      if (!request.success) return send(ws, { id: null, error: { kind: 'invalid-request', message: 'expected {"id", "method", "params"}' } });
      const { id, method, params } = request.data;
      if (inFlight >= MAX_WS_REQUESTS_IN_FLIGHT) {
        return send(ws, { id, error: { kind: 'invalid-request', message: `more than ${MAX_WS_REQUESTS_IN_FLIGHT} requests in flight on this connection` } });
      }
      inFlight++;
      void callThroughDoor(service, method, params).then((outcome) => {
        inFlight--;
        send(ws, outcome.ok ? { id, result: outcome.result } : { id, error: outcome.error });
      });
    });
  };

  const unsubscribe = service.subscribe((event, payload) => {
    for (const ws of wss.clients) send(ws, { event, payload });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, LISTEN_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;

  return {
    url: `http://${LISTEN_HOST}:${port}/?token=${token}`,
    port,
    token,
    cookieName,
    async close() {
      unsubscribe();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
