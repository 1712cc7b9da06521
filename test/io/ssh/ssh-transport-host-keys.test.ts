/**
 * Host key verification of connectSsh against a real sshd, compared with what OpenSSH's own ssh client
 * decides for the same known_hosts file.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type ConnectSshOptions, type UnknownHostKeyInfo } from '../../../main/io/ssh/ssh-transport.ts';
import { TransportError } from '../../../main/io/transport.ts';
import { generateKey, makeTempDir, startSshd, type Sshd } from '../../helpers/sshd.ts';

const execFileAsync = promisify(execFile);
const user = userInfo().username;

type Verdict = 'match' | 'changed' | 'revoked' | 'unknown';

interface Home {
  dir: string;
  knownHosts: string;
  store: string;
}

const homes: string[] = [];

afterAll(async () => {
  await Promise.all(homes.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function makeHome(): Promise<Home> {
  const dir = await makeTempDir('atlas-home-');
  homes.push(dir);
  await mkdir(join(dir, '.ssh'), { mode: 0o700 });
  return { dir, knownHosts: join(dir, '.ssh', 'known_hosts'), store: join(dir, '.config', 'iommu-atlas', 'known_hosts') };
}

function options(sshd: Sshd, home: Home, extraConfig = ''): ConnectSshOptions {
  return {
    homeDir: home.dir,
    configText: `Host lab\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  IdentityFile ${sshd.clientKeyPath}\n  GlobalKnownHostsFile none\n${extraConfig}`,
    agentSocket: null,
    readyTimeoutMs: 5_000,
  };
}

async function connectVerdict(target: string, connectOptions: ConnectSshOptions): Promise<Verdict> {
  try {
    const transport = await connectSsh(target, connectOptions);
    await transport.close();
    return 'match';
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    if (error.kind === 'host-key-unknown') return 'unknown';
    if (error.kind === 'host-key-changed') return error.message.includes('REVOKED') ? 'revoked' : 'changed';
    throw error;
  }
}

async function connectError(target: string, connectOptions: ConnectSshOptions): Promise<TransportError> {
  const error = await connectSsh(target, connectOptions).then(
    async (transport) => {
      await transport.close();
      return null;
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

/** What OpenSSH's ssh (StrictHostKeyChecking=yes, no config) says about the same known_hosts file. */
async function openSshVerdict(sshd: Sshd, knownHostsFile: string): Promise<Verdict> {
  try {
    await execFileAsync('ssh', [
      '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHostsFile}`,
      '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'IdentitiesOnly=yes', '-i', sshd.clientKeyPath, '-p', String(sshd.port), `${user}@127.0.0.1`, 'true',
    ]);
    return 'match';
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr);
    if (stderr.includes('REMOTE HOST IDENTIFICATION HAS CHANGED')) return 'changed';
    if (stderr.includes('REVOKED HOST KEY')) return 'revoked';
    if (/No \S+ host key is known/.test(stderr)) return 'unknown';
    throw new Error(`unexpected ssh failure: ${stderr}`);
  }
}

describe('host key verification against a real sshd', () => {
  let sshd: Sshd;
  let scratch: string;
  const otherKeys = { ed25519: '', rsa: '' };

  beforeAll(async () => {
    [sshd, scratch] = await Promise.all([startSshd(), makeTempDir('atlas-hostkeys-')]);
    const [ed25519 = '', rsa = ''] = await Promise.all([
      generateKey(join(scratch, 'other_ed25519')),
      generateKey(join(scratch, 'other_rsa'), { type: 'rsa' }),
    ]);
    otherKeys.ed25519 = ed25519.split(' ').slice(0, 2).join(' ');
    otherKeys.rsa = rsa.split(' ').slice(0, 2).join(' ');
  });

  afterAll(async () => {
    await sshd?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('refuses an unknown host key with its fingerprint, exactly as ssh-keygen -lf prints it', async () => {
    const home = await makeHome();
    const error = await connectError('lab', { ...options(sshd, home), hostKeyStorePath: home.store });
    const { stdout } = await execFileAsync('ssh-keygen', ['-lf', join(sshd.dir, 'host_ed25519.pub')]);
    const fingerprint = stdout.split(' ')[1];
    expect(error.kind).toBe('host-key-unknown');
    expect(error.details).toEqual({ host: `[127.0.0.1]:${sshd.port}`, keyType: 'ssh-ed25519', fingerprint });
    expect(error.message).toContain(`ED25519 key fingerprint is ${fingerprint}`);
    expect(error.message).toContain('--accept-new-host-key');
    await expect(stat(home.store)).rejects.toThrow();
  });

  it('accepts a new key with acceptNewHostKey, stores it privately, and needs no flag the second time', async () => {
    const home = await makeHome();
    const first = await connectSsh('lab', { ...options(sshd, home), acceptNewHostKey: true });
    await first.close();
    expect(await readFile(home.store, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic}\n`);
    expect((await stat(home.store)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home.dir, '.config', 'iommu-atlas'))).mode & 0o777).toBe(0o700);
    const second = await connectSsh('lab', options(sshd, home));
    const result = await second.run({ command: 'plain', stdin: 'echo still-here\n', timeoutMs: 5_000 });
    expect(result.stdout).toBe('still-here\n');
    await second.close();
    // The user's own known_hosts is never written.
    await expect(stat(home.knownHosts)).rejects.toThrow();
  });

  it('asks onUnknownHostKey and follows its answer', async () => {
    const home = await makeHome();
    const seen: UnknownHostKeyInfo[] = [];
    const refused = await connectError('lab', { ...options(sshd, home), onUnknownHostKey: async (info) => (seen.push(info), false) });
    expect(refused.kind).toBe('host-key-unknown');
    const accepted = await connectSsh('lab', { ...options(sshd, home), onUnknownHostKey: async (info) => (seen.push(info), true) });
    await accepted.close();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toEqual({ host: `[127.0.0.1]:${sshd.port}`, keyType: 'ssh-ed25519', fingerprint: refused.details.fingerprint });
    expect(await readFile(home.store, 'utf8')).toContain(sshd.hostKeyPublic);
  });

  it('files the key under HostKeyAlias when one is configured', async () => {
    const home = await makeHome();
    const transport = await connectSsh('lab', { ...options(sshd, home, '  HostKeyAlias My-Lab\n'), acceptNewHostKey: true });
    await transport.close();
    expect(await readFile(home.store, 'utf8')).toBe(`my-lab ${sshd.hostKeyPublic}\n`);
  });

  describe('decides like OpenSSH for the same known_hosts file', () => {
    const scenarios: Array<[string, Verdict, (port: number, key: string) => string]> = [
      ['the exact [host]:port entry', 'match', (port, key) => `[127.0.0.1]:${port} ${key}\n`],
      ['the bare host name on a non-22 port', 'match', (_port, key) => `127.0.0.1 ${key}\n`],
      ['a wildcard entry', 'match', (port, key) => `[127.0.0.?]:${port} ${key}\n`],
      ['a negated entry', 'unknown', (port, key) => `*,![127.0.0.1]:${port},!127.0.0.1 ${key}\n`],
      ['a negated [host]:port but * still covering the bare name', 'match', (port, key) => `*,![127.0.0.1]:${port} ${key}\n`],
      ['another key of the same type', 'changed', (port) => `[127.0.0.1]:${port} ${otherKeys.ed25519}\n`],
      ['only a key of another type', 'changed', (port) => `[127.0.0.1]:${port} ${otherKeys.rsa}\n`],
      ['another type and the right key', 'match', (port, key) => `[127.0.0.1]:${port} ${otherKeys.rsa}\n[127.0.0.1]:${port} ${key}\n`],
      ['another key under the bare name only', 'unknown', () => `127.0.0.1 ${otherKeys.ed25519}\n`],
      ['the right key but @revoked', 'revoked', (port, key) => `[127.0.0.1]:${port} ${key}\n@revoked * ${key}\n`],
      ['a @cert-authority line only', 'unknown', (_port, key) => `@cert-authority * ${key}\n`],
      ['nothing', 'unknown', () => '# empty\n'],
    ];

    it.each(scenarios)('%s: %s', async (_name, expected, contents) => {
      const home = await makeHome();
      await writeFile(home.knownHosts, contents(sshd.port, sshd.hostKeyPublic));
      const ours = await connectVerdict('lab', { ...options(sshd, home), hostKeyStorePath: home.store });
      expect({ ours, openssh: await openSshVerdict(sshd, home.knownHosts) }).toEqual({ ours: expected, openssh: expected });
    });

    it('the same file hashed by ssh-keygen -H', async () => {
      const home = await makeHome();
      await writeFile(home.knownHosts, `other.example ${otherKeys.ed25519}\n[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic}\n`);
      await execFileAsync('ssh-keygen', ['-H', '-f', home.knownHosts]);
      expect(await readFile(home.knownHosts, 'utf8')).not.toContain('127.0.0.1');
      expect(await connectVerdict('lab', { ...options(sshd, home), hostKeyStorePath: home.store })).toBe('match');
      expect(await openSshVerdict(sshd, home.knownHosts)).toBe('match');
    });
  });

  it('puts the offending file and line and the new fingerprint in the changed-key message', async () => {
    const home = await makeHome();
    await writeFile(home.knownHosts, `# lab\n[127.0.0.1]:${sshd.port} ${otherKeys.ed25519}\n`);
    const error = await connectError('lab', { ...options(sshd, home), acceptNewHostKey: true });
    expect(error.kind).toBe('host-key-changed');
    expect(error.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(error.message).toContain(`ED25519 key in ${home.knownHosts}:2`);
    expect(error.details.fingerprint).toMatch(/^SHA256:/);
    expect(error.message).toContain(error.details.fingerprint);
    await expect(stat(home.store)).rejects.toThrow();
  });
});

describe('a host with several host keys', () => {
  let sshd: Sshd;

  beforeAll(async () => {
    sshd = await startSshd({ extraHostKeys: ['ecdsa'] });
  });

  afterAll(async () => {
    await sshd?.stop();
  });

  it('is checked with the key type already on file, as OpenSSH orders its host key algorithms', async () => {
    const home = await makeHome();
    const ecdsa = (await readFile(join(sshd.dir, 'host_ecdsa.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
    await writeFile(home.knownHosts, `[127.0.0.1]:${sshd.port} ${ecdsa}\n`);
    // Without that ordering ssh2 would negotiate ed25519 and call the host changed.
    expect(await connectVerdict('lab', { ...options(sshd, home), hostKeyStorePath: home.store })).toBe('match');
    await expect(stat(home.store)).rejects.toThrow();
  });

  it('stores the preferred (ed25519) key when the host is new', async () => {
    const home = await makeHome();
    const transport = await connectSsh('lab', { ...options(sshd, home), acceptNewHostKey: true });
    await transport.close();
    expect(await readFile(home.store, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic}\n`);
  });
});

describe('a host whose key changed after it was accepted', () => {
  let sshd: Sshd;

  beforeAll(async () => {
    sshd = await startSshd();
  });

  afterAll(async () => {
    await sshd?.stop();
  });

  it('is refused even with acceptNewHostKey, whether the old key is in the app store or in known_hosts', async () => {
    const storeHome = await makeHome();
    const knownHostsHome = await makeHome();
    const accepted = await connectSsh('lab', { ...options(sshd, storeHome), acceptNewHostKey: true });
    await accepted.close();
    await writeFile(knownHostsHome.knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic}\n`);
    const storedBefore = await readFile(storeHome.store, 'utf8');

    await sshd.restartWithNewHostKey();

    const fromStore = await connectError('lab', { ...options(sshd, storeHome), acceptNewHostKey: true });
    expect(fromStore.kind).toBe('host-key-changed');
    expect(fromStore.message).toContain(`ED25519 key in ${storeHome.store}:1`);
    expect(await readFile(storeHome.store, 'utf8')).toBe(storedBefore);

    const fromKnownHosts = await connectError('lab', { ...options(sshd, knownHostsHome), acceptNewHostKey: true, onUnknownHostKey: async () => true });
    expect(fromKnownHosts.kind).toBe('host-key-changed');
    expect(fromKnownHosts.message).toContain(`ED25519 key in ${knownHostsHome.knownHosts}:1`);
    await expect(stat(knownHostsHome.store)).rejects.toThrow();
  });
});
