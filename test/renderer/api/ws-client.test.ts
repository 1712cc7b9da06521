/**
 * The page's WebSocket client when things go wrong: no server, a server that goes away mid-call,
 * answers outside the contract; and the address it derives from the page's location.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { apiUrl } from '../../../renderer/src/api/index.ts';
import { AtlasCallError } from '../../../renderer/src/api/errors.ts';
import { createWsClient, type WebSocketConstructor } from '../../../renderer/src/api/ws-client.ts';
import { AtlasService } from '../../../main/service/atlas-service.ts';
import { startAtlasServer } from '../../../main/server/server.ts';
import { makeAtlasHome } from '../../helpers/atlas-home.ts';

const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;
const homes: string[] = [];
afterAll(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

/** A WebSocket server on loopback that answers every request with `answer(request)`. */
async function scriptedServer(answer: (request: { id: number; method: string }) => unknown) {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => ws.on('message', (data) => {
    const reply = answer(JSON.parse(data.toString()));
    if (reply !== undefined) ws.send(JSON.stringify(reply));
  }));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const port = (http.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}/api?token=secret-token`,
    wss,
    close: () => new Promise<void>((resolve) => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      http.close(() => resolve());
    }),
  };
}

describe('createWsClient', () => {
  it('no server: the call fails with kind "connection", without the token in the message', async () => {
    const free = await scriptedServer(() => undefined);
    const url = free.url;
    await free.close();
    const client = createWsClient(url, { WebSocket: NodeWebSocket });
    const error = await client.call('hosts.list', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtlasCallError);
    expect((error as AtlasCallError).kind).toBe('connection');
    expect((error as AtlasCallError).message).not.toContain('secret-token');
    expect((error as AtlasCallError).message).toContain(url.replace(/\?.*/, ''));
  });

  it('a server that refuses the token: "connection" too (the page was not opened from the printed address)', async () => {
    const home = await makeAtlasHome();
    homes.push(home);
    const service = new AtlasService({ homeDir: home, env: {} });
    const server = await startAtlasServer({ service, port: 0 });
    const client = createWsClient(`ws://127.0.0.1:${server.port}/api?token=stale`, { WebSocket: NodeWebSocket });
    await expect(client.call('hosts.list', {})).rejects.toMatchObject({ kind: 'connection' });
    await server.close();
    await service.close();
  });

  it('calls in flight fail when the connection closes; the next call opens a new one', async () => {
    let silent = true;
    const server = await scriptedServer((r) => (silent ? undefined : { id: r.id, result: ['lab-q35-mixed'] }));
    const client = createWsClient(server.url, { WebSocket: NodeWebSocket });
    const pending = client.call('snapshots.samples', {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const ws of server.wss.clients) ws.terminate();
    await expect(pending).rejects.toMatchObject({ kind: 'connection' });
    silent = false;
    expect(await client.call('snapshots.samples', {})).toEqual(['lab-q35-mixed']);
    client.close();
    await server.close();
  });

  it('answers and events outside the contract never reach the page', async () => {
    const server = await scriptedServer((r) => {
      for (const ws of server.wss.clients) {
        ws.send(JSON.stringify({ event: 'collect.progress', payload: { hostId: '../x', message: 'bad id' } }));
        ws.send(JSON.stringify({ event: 'shell.exec', payload: {} }));
        ws.send(JSON.stringify({ event: 'collect.progress', payload: { hostId: 'local', message: 'good' } }));
      }
      return r.method === 'hosts.list' ? { id: r.id, result: [{ id: 'local' }] } : { id: r.id, error: { kind: 'not-found', message: 'gone' } };
    });
    const client = createWsClient(server.url, { WebSocket: NodeWebSocket });
    const progress: unknown[] = [];
    client.on('collect.progress', (p) => progress.push(p));
    await expect(client.call('hosts.list', {})).rejects.toMatchObject({ kind: 'internal', message: expect.stringContaining('hosts.list: the back end answered outside the contract') });
    await expect(client.call('snapshots.get', { id: 'AAAAAAAAAAAAAAAA' })).rejects.toEqual(new AtlasCallError('not-found', 'gone'));
    expect(progress).toEqual([{ hostId: 'local', message: 'good' }, { hostId: 'local', message: 'good' }]);
    client.close();
    await server.close();
  });
});

describe('apiUrl', () => {
  it('the server that served the page, ws: for http:, with a token only if the address still has one', () => {
    expect(apiUrl({ protocol: 'http:', host: '127.0.0.1:7311', search: '' })).toBe('ws://127.0.0.1:7311/api');
    expect(apiUrl({ protocol: 'http:', host: 'localhost:8080', search: '?token=abc_-1' })).toBe('ws://localhost:8080/api?token=abc_-1');
    expect(apiUrl({ protocol: 'https:', host: 'atlas.example', search: '?x=1' })).toBe('wss://atlas.example/api');
  });
});
