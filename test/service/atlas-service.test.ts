/**
 * The back end behind every door: hosts saved privately and atomically, ~/.ssh/config aliases
 * offered, real collections (the collector on a lab capture's tree) with progress events, imports
 * of dropped texts, samples, export round trips and the analysis, all through `call()` as the doors
 * use it.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readFile, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AtlasService } from '../../main/service/atlas-service.ts';
import { ServiceError, toApiError } from '../../main/service/service-error.ts';
import { importPaths } from '../../main/io/import.ts';
import { Snapshot } from '../../main/core/model/snapshot.ts';
import type { EventName } from '../../main/core/contract/api.ts';
import { captureTree, LAB_DIR } from '../helpers/fstree.ts';
import { labDevices, labGroups, partitionKey } from '../helpers/lab-truth.ts';
import { labFiles } from '../helpers/lab-files.ts';
import { makeAtlasHome } from '../helpers/atlas-home.ts';

const SSH_CONFIG = `Host pve pve.lan
    HostName 192.168.1.20
    User root
Host *.internal !bastion
    User admin
Host lab-?
    Port 2222
Match host pve
    IdentitiesOnly yes
Host *
    ServerAliveInterval 30
`;

const homes: string[] = [];
afterAll(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

async function newService(options: { sshConfig?: string; env?: Record<string, string> } = {}) {
  const home = await makeAtlasHome(options.sshConfig ?? '');
  homes.push(home);
  const service = new AtlasService({ homeDir: home, env: options.env ?? {} });
  const events: { event: EventName; payload: unknown }[] = [];
  service.subscribe((event, payload) => events.push({ event, payload }));
  return { home, service, events, hostsPath: join(home, '.config', 'iommu-atlas', 'hosts.json') };
}

async function rejection(promise: Promise<unknown>): Promise<ServiceError | Error> {
  return promise.then(() => {
    throw new Error('expected a rejection');
  }, (e: Error) => e);
}

describe('hosts', () => {
  let service: AtlasService;
  afterEach(async () => {
    await service?.close();
  });

  it('with nothing saved: this machine, then the concrete ~/.ssh/config aliases; nothing is written', async () => {
    const made = await newService({ sshConfig: SSH_CONFIG });
    service = made.service;
    const hosts = await service.call('hosts.list', {});
    expect(hosts.map((h) => [h.target, h.kind, h.origin])).toEqual([
      ['local', 'local', 'builtin'],
      ['pve', 'ssh', 'ssh-config'],
      ['pve.lan', 'ssh', 'ssh-config'],
    ]);
    expect(hosts[0]!.id).toBe('local');
    // Listing twice gives the same ids: the UI may collect an offered host before it is ever saved.
    expect((await service.call('hosts.list', {})).map((h) => h.id)).toEqual(hosts.map((h) => h.id));
    await expect(stat(made.hostsPath)).rejects.toThrow(/ENOENT/);
  });

  it('add and remove persist to hosts.json (0600, directory 0700), atomically, and survive a restart', async () => {
    const made = await newService({ sshConfig: SSH_CONFIG });
    service = made.service;
    const added = await service.call('hosts.add', { target: 'root@10.0.0.5:2222', label: 'rack 3' });
    expect(added).toMatchObject({ target: 'root@10.0.0.5:2222', label: 'rack 3', kind: 'ssh', origin: 'manual', lastCollectedAt: null });
    expect(added.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    // Adding the same target again gives the same entry, not a duplicate.
    expect((await service.call('hosts.add', { target: 'root@10.0.0.5:2222' })).id).toBe(added.id);

    const pve = (await service.call('hosts.list', {})).find((h) => h.target === 'pve')!;
    expect(await service.call('hosts.remove', { id: pve.id })).toEqual({ removed: true });
    expect(await service.call('hosts.remove', { id: pve.id })).toEqual({ removed: false });

    expect((await stat(made.hostsPath)).mode & 0o777).toBe(0o600);
    expect((await stat(join(made.home, '.config', 'iommu-atlas'))).mode & 0o777).toBe(0o700);
    // Atomic replace: no temporary file is left next to it.
    expect(await readdir(join(made.home, '.config', 'iommu-atlas'))).toEqual(['hosts.json']);
    const saved = JSON.parse(await readFile(made.hostsPath, 'utf8'));
    expect(saved.version).toBe(1);
    expect(saved.dismissed).toEqual(['pve']);
    expect(saved.hosts.map((h: { target: string }) => h.target)).toEqual(['root@10.0.0.5:2222']);

    const again = new AtlasService({ homeDir: made.home, env: {} });
    expect((await again.call('hosts.list', {})).map((h) => h.target)).toEqual(['local', 'root@10.0.0.5:2222', 'pve.lan']);
    // A dismissed alias comes back when the person adds it by name.
    const readded = await again.call('hosts.add', { target: 'pve' });
    expect(readded).toMatchObject({ id: pve.id, origin: 'ssh-config' });
    await again.close();
  });

  it('refuses targets that could never connect, before saving anything', async () => {
    const made = await newService();
    service = made.service;
    const error = await rejection(service.call('hosts.add', { target: 'root@-oProxyCommand=x' }));
    expect(toApiError(error)).toMatchObject({ kind: 'input' });
    expect(error.message).toMatch(/starts with "-"/);
    const shell = await rejection(service.call('hosts.add', { target: 'a;reboot' }));
    expect(shell).toBeInstanceOf(ServiceError);
    expect((shell as ServiceError).kind).toBe('invalid-request');
    await expect(stat(made.hostsPath)).rejects.toThrow(/ENOENT/);
  });

  it('a corrupt hosts.json is reported, never overwritten', async () => {
    const made = await newService();
    service = made.service;
    await mkdir(join(made.home, '.config', 'iommu-atlas'), { recursive: true });
    await writeFile(made.hostsPath, '{"version": 1, "hosts": [');
    const error = await rejection(service.call('hosts.list', {}));
    expect(toApiError(error)).toMatchObject({ kind: 'input' });
    expect(error.message).toContain('hosts.json is not valid JSON');
    await expect(service.call('hosts.add', { target: 'pve' })).rejects.toThrow(/not valid JSON/);
    expect(await readFile(made.hostsPath, 'utf8')).toBe('{"version": 1, "hosts": [');
  });
});

describe('collecting this machine (the real collector on the lab capture "mixed")', () => {
  it('emits progress, stores the snapshot, records the time on the host, and saves it', async () => {
    const made = await newService({ env: { ATLAS_SYSROOT: captureTree('mixed') } });
    const { service, events } = made;
    const entry = await service.call('hosts.collect', { id: 'local' });
    const truth = labDevices('mixed');
    expect(entry).toMatchObject({ origin: 'collected', hostId: 'local', label: 'This machine', devices: truth.length, groups: labGroups('mixed').size });
    expect(truth.length).toBe(33);

    const progress = events.filter((e) => e.event === 'collect.progress').map((e) => (e.payload as { message: string }).message);
    expect(progress.some((m) => m.includes('reading lspci'))).toBe(true);
    expect(progress.at(-1)).toBe(`this machine: 33 PCI functions, 23 IOMMU groups in ${(await service.call('snapshots.get', { id: entry.id })).provenance.durationMs} ms`);
    expect(events.find((e) => e.event === 'snapshots.added')?.payload).toEqual({ entry });
    expect(events.at(-1)).toEqual({ event: 'collect.done', payload: { hostId: 'local', snapshotId: entry.id, error: null } });

    const snapshot = await service.call('snapshots.get', { id: entry.id });
    expect(partitionKey(snapshot.groups)).toEqual(partitionKey(labGroups('mixed').values()));
    const host = (await service.call('hosts.list', {}))[0]!;
    expect(host).toMatchObject({ id: 'local', lastSnapshotId: entry.id, lastCollectedAt: snapshot.provenance.collectedAt, lastError: null });
    const saved = JSON.parse(await readFile(made.hostsPath, 'utf8'));
    expect(saved.hosts[0]).toMatchObject({ id: 'local', lastSnapshotId: entry.id });
    // The next run has no snapshots in memory: the saved id is not offered as if it still existed.
    const later = new AtlasService({ homeDir: made.home, env: {} });
    expect((await later.call('hosts.list', {}))[0]).toMatchObject({ lastSnapshotId: null, lastCollectedAt: snapshot.provenance.collectedAt });
    await later.close();
    await service.close();
  });

  it('a failed collection is an error event and the host keeps the reason', async () => {
    const made = await newService({ sshConfig: 'Host nowhere\n    HostName 127.0.0.1\n    Port 1\n' });
    const { service, events } = made;
    const nowhere = (await service.call('hosts.list', {})).find((h) => h.target === 'nowhere')!;
    const error = await rejection(service.call('hosts.collect', { id: nowhere.id }));
    expect(error).toBeInstanceOf(ServiceError);
    expect(toApiError(error)).toEqual({ kind: 'connection', message: 'ssh: connect to 127.0.0.1:1: connection refused (is sshd running on that port?)' });
    expect(events.at(-1)).toEqual({ event: 'collect.done', payload: { hostId: nowhere.id, snapshotId: null, error: error.message } });
    expect((await service.call('hosts.list', {})).find((h) => h.id === nowhere.id)?.lastError).toBe(error.message);
    await expect(service.call('hosts.collect', { id: 'AAAAAAAAAAAAAAAA' })).rejects.toMatchObject({ kind: 'not-found' });
    await service.close();
  });
});

describe('snapshots', () => {
  it('dropped capture files import like `iommu-atlas import DIR`; unknown files are skipped with a warning', async () => {
    const { service } = await newService();
    const files = labFiles('mixed');
    const entry = await service.call('snapshots.import', { files });
    const viaCli = await importPaths([join(LAB_DIR, 'mixed')]);
    const snapshot = await service.call('snapshots.get', { id: entry.id });
    expect(entry).toMatchObject({ origin: 'imported', devices: 33, groups: 23, hostId: null });
    expect(snapshot.devices).toEqual(viaCli.devices);
    expect(snapshot.groups).toEqual(viaCli.groups);
    expect(snapshot.provenance.warnings.some((w) => /^skipped \d+ file\(s\) that are not a known command output: .*modprobe\.log/.test(w))).toBe(true);
    await service.close();
  });

  it('files opened through the desktop menu import from disk as `opened`, with an event', async () => {
    const { service, events } = await newService();
    const entry = await service.openFiles([join(LAB_DIR, 'mixed')]);
    expect(entry).toMatchObject({ origin: 'opened', label: 'mixed', devices: 33, groups: 23 });
    expect(events).toEqual([{ event: 'snapshots.added', payload: { entry } }]);
    await expect(service.openFiles([join(LAB_DIR, 'mixed', 'no-such-file')])).rejects.toThrow(/no such file or directory/);
    await service.close();
  });

  it('one pasted text that is no known output is an input error naming it', async () => {
    const { service } = await newService();
    await expect(service.call('snapshots.import', { files: [{ name: 'notes.txt', text: 'my GPU does not show up\n' }] }))
      .rejects.toSatisfy((e: unknown) => e instanceof ServiceError && e.kind === 'input' && e.message.startsWith('notes.txt: cannot tell what this file is'));
    await service.close();
  });

  it('export gives the file `import` reads back losslessly, and the same snapshot imports again', async () => {
    const { service } = await newService();
    const entry = await service.call('snapshots.openSample', { name: 'lab-q35-mixed' });
    const exported = await service.call('snapshots.export', { id: entry.id });
    const original = await service.call('snapshots.get', { id: entry.id });
    expect(exported.fileName).toMatch(/^[a-z0-9.-]+-\d{4}-\d{2}-\d{2}\.iommu-atlas\.json$/);
    expect(Snapshot.parse(JSON.parse(exported.json))).toEqual(original);
    const back = await service.call('snapshots.import', { files: [{ name: exported.fileName, text: exported.json }] });
    expect(await service.call('snapshots.get', { id: back.id })).toEqual(original);
    await service.close();
  });

  it('samples: the bundled list, and an unknown name is not-found', async () => {
    const { service } = await newService();
    expect(await service.call('snapshots.samples', {})).toEqual(['asus-prime-x570-pro', 'lab-q35-mixed']);
    await expect(service.call('snapshots.openSample', { name: 'no-such-sample' })).rejects.toMatchObject({ kind: 'not-found' });
    const asus = await service.call('snapshots.openSample', { name: 'asus-prime-x570-pro' });
    expect(asus).toMatchObject({ origin: 'sample', label: 'sample asus-prime-x570-pro' });
    expect((await service.call('snapshots.list', {})).map((s) => s.id)).toEqual([asus.id]);
    await service.close();
  });

  it('analyze answers the contract\'s shape with a verdict per device of the snapshot', async () => {
    const { service } = await newService();
    const entry = await service.call('snapshots.import', { files: labFiles('mixed') });
    const analysis = await service.call('snapshots.analyze', { id: entry.id });
    expect(analysis.devices.map((d) => d.address).sort()).toEqual(labDevices('mixed').map((d) => d.address).sort());
    expect(analysis.checks.length).toBeGreaterThan(0);
    // lab README: the mixed guest's IOMMU is Intel VT-d, enabled.
    expect(analysis.checks.find((c) => c.id === 'iommu-enabled')?.status).toBe('pass');
    await expect(service.call('snapshots.analyze', { id: 'AAAAAAAAAAAAAAAA' })).rejects.toMatchObject({ kind: 'not-found' });
    await service.close();
  });

  it('requests outside the contract are invalid-request, before any work', async () => {
    const { service } = await newService();
    await expect(service.call('snapshots.get', { id: '../../etc/passwd' })).rejects.toMatchObject({ kind: 'invalid-request' });
    await expect(service.call('hosts.rm' as 'hosts.remove', { id: 'local' })).rejects.toMatchObject({ kind: 'invalid-request', message: 'unknown method "hosts.rm"' });
    await expect(service.call('snapshots.import', { files: [] })).rejects.toMatchObject({ kind: 'invalid-request' });
    await service.close();
  });
});
