/**
 * Collection over a real OpenSSH sshd on 127.0.0.1: the same fixture tree gives the same snapshot
 * through SSH as through the local transport; host keys are refused, accepted and re-checked as
 * OpenSSH would; a connection cut mid-collection is a clean error. Driven through the library and
 * through the `iommu-atlas` binary, as a user would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectSnapshot } from '../../main/io/collect.ts';
import { LocalTransport } from '../../main/io/local-transport.ts';
import { connectSsh, type ConnectSshOptions } from '../../main/io/ssh/ssh-transport.ts';
import { TransportError } from '../../main/io/transport.ts';
import { startSshd, makeTempDir, type Sshd } from '../helpers/sshd.ts';
import { captureTree } from '../helpers/fstree.ts';

const BIN = fileURLToPath(new URL('../../main/cli/bin.mjs', import.meta.url));

function atlas(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('collect over SSH', () => {
  let sshd: Sshd;
  let home: string;
  const tree = captureTree('mixed');

  const options = (extra: Partial<ConnectSshOptions> = {}): ConnectSshOptions => ({
    homeDir: home,
    configText: '',
    agentSocket: null,
    identityFiles: [sshd.clientKeyPath],
    hostKeyStorePath: join(home, 'store', 'known_hosts'),
    ...extra,
  });

  beforeAll(async () => {
    sshd = await startSshd();
    home = await makeTempDir('atlas-home-');
    await mkdir(join(home, '.ssh'), { recursive: true });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('an unknown host key is refused, with the fingerprint to check', async () => {
    const error = await connectSsh(`root@127.0.0.1:${sshd.port}`, options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).kind).toBe('host-key-unknown');
    expect((error as TransportError).message).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
  });

  it('the fixture tree round-trips into the same snapshot as the local transport gives', async () => {
    const transport = await connectSsh(`root@127.0.0.1:${sshd.port}`, options({ acceptNewHostKey: true }));
    const viaSsh = await collectSnapshot(transport, { env: { ATLAS_SYSROOT: tree } });
    await transport.close();
    const local = await collectSnapshot(new LocalTransport(), { env: { ATLAS_SYSROOT: tree } });
    expect(viaSsh.provenance.method).toBe('ssh');
    expect(viaSsh.provenance.target).toBe(`root@127.0.0.1:${sshd.port}`);
    expect(viaSsh.devices).toEqual(local.devices);
    expect(viaSsh.groups).toEqual(local.groups);
    expect(viaSsh.iommu.units).toEqual(local.iommu.units);
    expect(viaSsh.cmdline).toEqual(local.cmdline);
    expect(viaSsh.iommu.dmesg).toEqual(local.iommu.dmesg);
  });

  it('the accepted key is remembered: the next connection needs no flag', async () => {
    const transport = await connectSsh(`root@127.0.0.1:${sshd.port}`, options());
    await transport.close();
  });

  it('sshd killed mid-collection gives a clean error, not a partial snapshot', async () => {
    const transport = await connectSsh(`root@127.0.0.1:${sshd.port}`, options({ acceptNewHostKey: true }));
    // A large sysroot collection takes long enough to be cut: kill the session as soon as output flows.
    let killed = false;
    const collecting = collectSnapshot(transport, {
      env: { ATLAS_SYSROOT: tree },
      progress: (m) => {
        if (!killed && m.includes('reading lspci')) {
          killed = true;
          void sshd.killSessions('SIGKILL');
        }
      },
    });
    const error = await collecting.catch((e: unknown) => e);
    await transport.close();
    expect(killed).toBe(true);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).message).toMatch(/cut off|did not finish|disconnect/i);
  });

  it('the CLI collects over SSH with -i and --accept-new-host-key, then refuses a changed key', async () => {
    const cliHome = await makeTempDir('atlas-cli-home-');
    await mkdir(join(cliHome, '.ssh'), { recursive: true });
    await writeFile(join(cliHome, '.ssh', 'config'), '');
    const env = { HOME: cliHome, SSH_AUTH_SOCK: '', ATLAS_SYSROOT: tree };
    const target = `root@127.0.0.1:${sshd.port}`;

    const refused = await atlas(['collect', target, '-i', sshd.clientKeyPath], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--accept-new-host-key/);
    expect(refused.stdout).toBe('');

    const out = join(cliHome, 'snap.json');
    const ok = await atlas(['collect', target, '-i', sshd.clientKeyPath, '--accept-new-host-key', '-o', out], env);
    expect(ok.code, ok.stderr).toBe(0);
    const snapshot = JSON.parse(readFileSync(out, 'utf8'));
    expect(snapshot.devices).toHaveLength(33);
    expect(snapshot.provenance.method).toBe('ssh');

    const shown = await atlas(['show', target, '-i', sshd.clientKeyPath, '--json'], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).groups).toHaveLength(23);

    await sshd.restartWithNewHostKey();
    const changed = await atlas(['collect', target, '-i', sshd.clientKeyPath, '--accept-new-host-key'], env);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/changed|CHANGED|does not match/);
    expect(changed.stdout).toBe('');
  });
});
