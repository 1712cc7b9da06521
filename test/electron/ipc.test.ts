/**
 * The IPC door of the desktop app with the real back end: the sender is checked before anything
 * else, requests are validated, answers are always a CallOutcome, events are forwarded.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { AtlasService } from '../../main/service/atlas-service.ts';
import { createCallHandler, forwardEvents } from '../../main/electron/ipc.ts';
import { APP_ENTRY_URL } from '../../main/electron/security.ts';
import { makeAtlasHome } from '../helpers/atlas-home.ts';

const page = { senderFrame: { url: APP_ENTRY_URL, parent: null } };
const homes: string[] = [];
afterAll(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

async function service() {
  const home = await makeAtlasHome();
  homes.push(home);
  return new AtlasService({ homeDir: home, env: {} });
}

describe('createCallHandler', () => {
  it('answers the app\'s page', async () => {
    const s = await service();
    const handle = createCallHandler(s);
    expect(await handle(page, { method: 'snapshots.samples', params: {} })).toEqual({ ok: true, result: ['asus-prime-x570-pro', 'lab-q35-mixed'] });
    await s.close();
  });

  it('refuses other senders before doing anything', async () => {
    const s = await service();
    const handle = createCallHandler(s);
    for (const senderFrame of [null, { url: 'https://evil.example/', parent: null }, { url: APP_ENTRY_URL, parent: { url: APP_ENTRY_URL } }, { url: 'file:///tmp/x.html', parent: null }]) {
      expect(await handle({ senderFrame }, { method: 'hosts.add', params: { target: 'root@evil' } })).toEqual({
        ok: false, error: { kind: 'invalid-request', message: 'refused: the request did not come from the app\'s own page' },
      });
    }
    expect((await s.call('hosts.list', {})).map((h) => h.target)).toEqual(['local']);
    await s.close();
  });

  it('malformed requests and failures come back as ApiErrors, never as exceptions', async () => {
    const s = await service();
    const handle = createCallHandler(s);
    expect(await handle(page, 'hosts.list')).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect(await handle(page, { method: 'hosts.list' })).toEqual({ ok: true, result: [expect.objectContaining({ id: 'local' })] });
    expect(await handle(page, { method: 'eval', params: {} })).toMatchObject({ ok: false, error: { kind: 'invalid-request', message: 'unknown method "eval"' } });
    expect(await handle(page, { method: 'snapshots.get', params: { id: 'AAAAAAAAAAAAAAAA' } })).toMatchObject({ ok: false, error: { kind: 'not-found' } });
    expect(await handle(page, { method: 'snapshots.import', params: { files: [{ name: 'x.txt', text: 'hello' }] } })).toMatchObject({ ok: false, error: { kind: 'input' } });
    await s.close();
  });
});

describe('forwardEvents', () => {
  it('sends every event as {event, payload}, until unsubscribed', async () => {
    const s = await service();
    const sent: unknown[] = [];
    const stop = forwardEvents(s, (message) => sent.push(message));
    const entry = await s.call('snapshots.openSample', { name: 'lab-q35-mixed' });
    expect(sent).toEqual([{ event: 'snapshots.added', payload: { entry } }]);
    stop();
    await s.call('snapshots.openSample', { name: 'lab-q35-mixed' });
    expect(sent).toHaveLength(1);
    await s.close();
  });
});
