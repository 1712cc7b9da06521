/**
 * A real OpenSSH server for tests: `/usr/sbin/sshd -D -e -f <config>` on 127.0.0.1 and a free port, with a
 * throwaway host key and a throwaway client key, everything in a temp dir that is removed on stop() and, if a
 * test forgets or crashes, when the test process exits.
 *
 * sshd forks a monitor per connection, which forks the unprivileged session process, which runs the shell
 * (and each of those calls setsid(), so a process group kill misses them). kill()/killSessions() therefore
 * walk /proc for every descendant of the listener.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface Sshd {
  readonly port: number;
  readonly dir: string;
  /** The current host public key line, "ssh-ed25519 AAAA…". */
  readonly hostKeyPublic: string;
  /** The current host key in SSH wire format. */
  readonly hostKeyBlob: Buffer;
  /** Private key authorised for every user (unencrypted ed25519). */
  readonly clientKeyPath: string;
  /** Adds a public key line to the AuthorizedKeysFile (read by sshd on every login). */
  authorize(publicKeyLine: string): Promise<void>;
  /** SIGKILLs (or `signal`s) every process sshd forked for connections; the listener keeps running. */
  killSessions(signal?: NodeJS.Signals): Promise<void>;
  /** Signals the listener and all its descendants. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops sshd, gives it a new host key and starts it again on the same port. */
  restartWithNewHostKey(): Promise<void>;
  /** sshd's stderr so far (for failing tests). */
  log(): string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Extra sshd_config lines, e.g. "MaxAuthTries 3". */
  extraConfig?: string[];
  /** Host keys besides the ed25519 one, written to `<dir>/host_<type>` (public half in `.pub`). */
  extraHostKeys?: Array<'ecdsa' | 'rsa'>;
}

/** Everything still running, so a crashed test run does not leave sshd behind. */
const live = new Set<{ child: ChildProcess; dir: string }>();
process.on('exit', () => {
  for (const { child, dir } of live) {
    if (child.pid !== undefined) for (const pid of [...descendantsOf(child.pid), child.pid]) trySignal(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** All processes below `root`, from the parent pid in /proc/<pid>/stat (field 4, after the parenthesised name). */
export function descendantsOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(name), Number(fields[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [pid, parent] of parentOf) if (frontier.includes(parent)) next.push(pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * `ssh-keygen -t ed25519`; a passphrase encrypts it (few KDF rounds to keep tests fast); `pem` writes the
 * old PEM format instead of openssh-key-v1. Returns the .pub line.
 */
export async function generateKey(
  path: string,
  options: { passphrase?: string; type?: 'ed25519' | 'ecdsa' | 'rsa'; comment?: string; pem?: boolean } = {},
): Promise<string> {
  const args = ['-q', '-t', options.type ?? 'ed25519', '-N', options.passphrase ?? '', '-C', options.comment ?? 'atlas-test', '-f', path];
  if (options.passphrase && !options.pem) args.push('-a', '4');
  if (options.pem) args.push('-m', 'PEM');
  if (options.type === 'rsa') args.push('-b', '2048');
  await execFileAsync('ssh-keygen', args);
  return (await readFile(`${path}.pub`, 'utf8')).trim();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once something on the port sends an SSH banner. */
function readBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\n')) done(received.startsWith('SSH-2.0-'));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

function sshdConfig(dir: string, port: number, options: SshdOptions): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    ...(options.extraHostKeys ?? []).map((type) => `HostKey ${join(dir, `host_${type}`)}`),
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'PermitRootLogin yes',
    'UsePAM no',
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AcceptEnv ATLAS_*',
    'AllowTcpForwarding yes',
    'LogLevel VERBOSE',
    ...(options.extraConfig ?? []),
    '',
  ].join('\n');
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  // Privilege separation needs this empty directory (Debian creates it from the service unit, not the package).
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await makeTempDir('atlas-sshd-');
  const hostKeyPath = join(dir, 'host_ed25519');
  const clientKeyPath = join(dir, 'client_ed25519');
  const configPath = join(dir, 'sshd_config');
  let stderr = '';
  let entry: { child: ChildProcess; dir: string } | null = null;
  let hostKeyPublic = '';
  let port = 0;

  const launch = async (): Promise<void> => {
    const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    entry = { child, dir };
    live.add(entry);
    let exited = false;
    child.on('exit', () => {
      exited = true;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    for (let waited = 0; waited < 10_000; waited += 50) {
      if (exited) throw new Error(`sshd exited at start:\n${stderr}`);
      if (await readBanner(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`sshd did not answer on port ${port}:\n${stderr}`);
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const current = entry;
    if (current === null) return;
    entry = null;
    live.delete(current);
    const { child } = current;
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (const pid of [...descendantsOf(child.pid), child.pid]) trySignal(pid, signal);
    await exited;
  };

  const readHostKey = async () => {
    hostKeyPublic = (await readFile(`${hostKeyPath}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  };

  await generateKey(hostKeyPath, { comment: 'atlas-test-host' });
  for (const type of options.extraHostKeys ?? []) await generateKey(join(dir, `host_${type}`), { type, comment: 'atlas-test-host' });
  const clientPublic = await generateKey(clientKeyPath, { comment: 'atlas-test-client' });
  await writeFile(join(dir, 'authorized_keys'), `${clientPublic}\n`, { mode: 0o600 });
  await readHostKey();
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    await writeFile(configPath, sshdConfig(dir, port, options));
    try {
      await launch();
      break;
    } catch (error) {
      await halt('SIGKILL');
      // Another process may have taken the port between freePort() and sshd's bind(); try another.
      if (attempt >= 3) throw error;
    }
  }

  return {
    get port() {
      return port;
    },
    dir,
    get hostKeyPublic() {
      return hostKeyPublic;
    },
    get hostKeyBlob() {
      return Buffer.from(hostKeyPublic.split(' ')[1] ?? '', 'base64');
    },
    clientKeyPath,
    async authorize(publicKeyLine: string) {
      await appendFile(join(dir, 'authorized_keys'), `${publicKeyLine}\n`);
    },
    async killSessions(signal: NodeJS.Signals = 'SIGKILL') {
      const pid = entry?.child.pid;
      if (pid !== undefined) for (const child of descendantsOf(pid)) trySignal(child, signal);
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      await halt(signal);
    },
    async restartWithNewHostKey() {
      await halt('SIGTERM');
      await rm(hostKeyPath, { force: true });
      await rm(`${hostKeyPath}.pub`, { force: true });
      await generateKey(hostKeyPath, { comment: 'atlas-test-host-new' });
      await readHostKey();
      await launch();
    },
    log: () => stderr,
    async stop() {
      await halt('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
