/**
 * A host added in the app collects over SSH through `serve`, against a real OpenSSH sshd on
 * 127.0.0.1 (test/helpers/sshd.ts) that reads the lab capture "mixed" through ATLAS_SYSROOT. The
 * unknown host key reaches the page as a `hostKey.prompt` event with the fingerprint ssh-keygen
 * prints; answering it continues the same collection, declining or not answering stops it. A key
 * with a passphrase is asked for as a `secret.prompt` event, answered with `secret.answer`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type WebSocket from 'ws';
import { AtlasService } from '../../main/service/atlas-service.ts';
import { startAtlasServer, type AtlasServer } from '../../main/server/server.ts';
import { generateKey, startSshd, type Sshd } from '../helpers/sshd.ts';
import { captureTree } from '../helpers/fstree.ts';
import { makeAtlasHome } from '../helpers/atlas-home.ts';
import { wsCall, wsOpen } from '../helpers/http.ts';

let sshd: Sshd;
/** What `ssh-keygen -lf` says of the server's key: "256 SHA256:… atlas-test-host (ED25519)". */
let fingerprint: string;
const homes: string[] = [];
const tree = captureTree('mixed');

beforeAll(async () => {
  sshd = await startSshd();
  const { stdout } = await promisify(execFile)('ssh-keygen', ['-lf', join(sshd.dir, 'host_ed25519.pub')]);
  fingerprint = stdout.split(' ')[1]!;
  expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
});

afterAll(async () => {
  await sshd?.stop();
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

interface Setup {
  home: string;
  service: AtlasService;
  server: AtlasServer;
  ws: WebSocket;
  events: { event: string; payload: Record<string, unknown> }[];
  close(): Promise<void>;
}

async function setUp(options: { sshConfig?: string; promptTimeoutMs?: number; identityFiles?: string[] } = {}): Promise<Setup> {
  const home = await makeAtlasHome(options.sshConfig ?? '');
  homes.push(home);
  const service = new AtlasService({
    homeDir: home,
    env: { ATLAS_SYSROOT: tree },
    ssh: { agentSocket: null, identityFiles: options.identityFiles ?? [sshd.clientKeyPath] },
    promptTimeoutMs: options.promptTimeoutMs,
  });
  const server = await startAtlasServer({ service, port: 0 });
  const opened = await wsOpen(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
  if (!('ws' in opened)) throw new Error(`refused ${opened.refused}`);
  const events: Setup['events'] = [];
  opened.ws.on('message', (data) => {
    const json = JSON.parse(data.toString());
    if ('event' in json) events.push(json);
  });
  return {
    home, service, server, ws: opened.ws, events,
    async close() {
      opened.ws.close();
      await server.close();
      await service.close();
    },
  };
}

async function waitFor<T>(find: () => T | undefined, what: string, ms = 30_000): Promise<T> {
  for (const started = Date.now(); Date.now() - started < ms;) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('collecting an SSH host through serve', () => {
  it('an added host: the unknown key is a prompt with ssh-keygen\'s fingerprint; accepting it continues the collection', async () => {
    const s = await setUp();
    const target = `root@127.0.0.1:${sshd.port}`;
    const added = await wsCall(s.ws, { id: 1, method: 'hosts.add', params: { target, label: 'lab guest' } }, 1);
    const host = added['result'] as { id: string; origin: string };
    expect(host.origin).toBe('manual');

    const collecting = wsCall(s.ws, { id: 2, method: 'hosts.collect', params: { id: host.id } }, 2);
    const prompt = await waitFor(() => s.events.find((e) => e.event === 'hostKey.prompt'), 'the host-key prompt');
    expect(prompt.payload).toEqual({
      promptId: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
      hostId: host.id,
      host: `[127.0.0.1]:${sshd.port}`,
      keyType: 'ssh-ed25519',
      fingerprint,
    });
    // Nothing was collected while the question was open.
    expect(s.events.some((e) => e.event === 'collect.done')).toBe(false);

    const answered = await wsCall(s.ws, { id: 3, method: 'hostKey.answer', params: { promptId: prompt.payload['promptId'], accept: true } }, 3);
    expect(answered).toEqual({ id: 3, result: { ok: true } });
    const result = await collecting;
    expect(result).toMatchObject({ id: 2, result: { origin: 'collected', hostId: host.id, label: 'lab guest', devices: 33, groups: 23 } });
    expect(s.events.some((e) => e.event === 'collect.progress' && e.payload['message'] === `connecting to ${target}…`)).toBe(true);
    expect(s.events.some((e) => e.event === 'collect.progress' && e.payload['message'] === `${target}: reading lspci…`)).toBe(true);
    expect(s.events).toContainEqual({ event: 'hostKey.closed', payload: { promptId: prompt.payload['promptId'] } });

    const snapshotId = (result['result'] as { id: string }).id;
    const snapshot = await wsCall(s.ws, { id: 4, method: 'snapshots.get', params: { id: snapshotId } }, 4);
    expect((snapshot['result'] as { provenance: { method: string; target: string } }).provenance).toMatchObject({ method: 'ssh', target });

    // The accepted key is in the app's own store (not ~/.ssh/known_hosts), so the next collection asks nothing.
    const stored = await readFile(join(s.home, '.config', 'iommu-atlas', 'known_hosts'), 'utf8');
    expect(stored.trim()).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic}`);
    const prompts = s.events.filter((e) => e.event === 'hostKey.prompt').length;
    expect(await wsCall(s.ws, { id: 5, method: 'hosts.collect', params: { id: host.id } }, 5)).toMatchObject({ result: { devices: 33 } });
    expect(s.events.filter((e) => e.event === 'hostKey.prompt')).toHaveLength(prompts);
    // A stale or repeated answer changes nothing.
    expect(await wsCall(s.ws, { id: 6, method: 'hostKey.answer', params: { promptId: prompt.payload['promptId'], accept: true } }, 6)).toEqual({ id: 6, result: { ok: false } });
    await s.close();
  });

  it('an ~/.ssh/config alias: declining the key stops the collection with a host-key error', async () => {
    const s = await setUp({ sshConfig: `Host lab\n    HostName 127.0.0.1\n    Port ${sshd.port}\n    User root\n` });
    const hosts = (await wsCall(s.ws, { id: 1, method: 'hosts.list', params: {} }, 1))['result'] as { id: string; target: string; origin: string }[];
    const lab = hosts.find((h) => h.target === 'lab')!;
    expect(lab.origin).toBe('ssh-config');
    const collecting = wsCall(s.ws, { id: 2, method: 'hosts.collect', params: { id: lab.id } }, 2);
    const prompt = await waitFor(() => s.events.find((e) => e.event === 'hostKey.prompt'), 'the host-key prompt');
    expect(prompt.payload['fingerprint']).toBe(fingerprint);
    await wsCall(s.ws, { id: 3, method: 'hostKey.answer', params: { promptId: prompt.payload['promptId'], accept: false } }, 3);
    const result = await collecting;
    expect(result).toMatchObject({ id: 2, error: { kind: 'host-key' } });
    // The person declined in the app: the message names the key and does not suggest a CLI flag.
    expect((result['error'] as { message: string }).message).toContain(`${fingerprint}) was not trusted`);
    expect((result['error'] as { message: string }).message).not.toContain('--accept-new-host-key');
    const done = s.events.find((e) => e.event === 'collect.done')!;
    expect(done.payload).toMatchObject({ hostId: lab.id, snapshotId: null });
    const after = (await wsCall(s.ws, { id: 4, method: 'hosts.list', params: {} }, 4))['result'] as { id: string; lastError: string | null }[];
    expect(after.find((h) => h.id === lab.id)?.lastError).toContain('was not trusted, so nothing was collected');
    await s.close();
  });

  it('a prompt nobody answers counts as declined once its time is up', async () => {
    const s = await setUp({ promptTimeoutMs: 300 });
    const added = (await wsCall(s.ws, { id: 1, method: 'hosts.add', params: { target: `root@127.0.0.1:${sshd.port}` } }, 1))['result'] as { id: string };
    const result = await wsCall(s.ws, { id: 2, method: 'hosts.collect', params: { id: added.id } }, 2);
    expect(result).toMatchObject({ error: { kind: 'host-key' } });
    const prompt = s.events.find((e) => e.event === 'hostKey.prompt')!;
    expect(s.events).toContainEqual({ event: 'hostKey.closed', payload: { promptId: prompt.payload['promptId'] } });
    await s.close();
  });

  it('an encrypted key: its passphrase is a secret prompt; the answer logs in; an answer of the wrong kind and an unanswered prompt do not', async () => {
    const keyPath = join(sshd.dir, 'server_test_encrypted');
    await sshd.authorize(await generateKey(keyPath, { passphrase: 'open sesame' }));
    const s = await setUp({ identityFiles: [keyPath], promptTimeoutMs: 1_500 });
    const added = (await wsCall(s.ws, { id: 1, method: 'hosts.add', params: { target: `root@127.0.0.1:${sshd.port}` } }, 1))['result'] as { id: string };
    const collecting = wsCall(s.ws, { id: 2, method: 'hosts.collect', params: { id: added.id } }, 2);
    const hostKey = await waitFor(() => s.events.find((e) => e.event === 'hostKey.prompt'), 'the host-key prompt');
    await wsCall(s.ws, { id: 3, method: 'hostKey.answer', params: { promptId: hostKey.payload['promptId'], accept: true } }, 3);

    const asked = await waitFor(() => s.events.find((e) => e.event === 'secret.prompt'), 'the passphrase prompt');
    expect(asked.payload).toEqual({
      promptId: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/), hostId: added.id, kind: 'passphrase',
      prompt: `Enter passphrase for key '${keyPath}': `, instructions: '', echo: false, attempt: 1,
    });
    // A host-key answer is not an answer to a secret prompt.
    expect(await wsCall(s.ws, { id: 4, method: 'hostKey.answer', params: { promptId: asked.payload['promptId'], accept: true } }, 4)).toEqual({ id: 4, result: { ok: false } });
    expect(await wsCall(s.ws, { id: 5, method: 'secret.answer', params: { promptId: asked.payload['promptId'], secret: 'open sesame' } }, 5)).toEqual({ id: 5, result: { ok: true } });
    expect(await collecting).toMatchObject({ id: 2, result: { origin: 'collected', devices: 33 } });
    expect(s.events).toContainEqual({ event: 'secret.closed', payload: { promptId: asked.payload['promptId'] } });
    // The secret went to the login only: no event carries it.
    expect(JSON.stringify(s.events)).not.toContain('open sesame');

    // Nobody answers the next time: declined when its time is up, and the login fails saying why.
    const again = await wsCall(s.ws, { id: 6, method: 'hosts.collect', params: { id: added.id } }, 6);
    expect((again['error'] as { message: string }).message).toContain(`no passphrase was given for ${keyPath}`);
    const unanswered = s.events.filter((e) => e.event === 'secret.prompt').at(-1)!;
    expect(unanswered.payload['promptId']).not.toBe(asked.payload['promptId']);
    expect(s.events).toContainEqual({ event: 'secret.closed', payload: { promptId: unanswered.payload['promptId'] } });
    await s.close();
  });
});
