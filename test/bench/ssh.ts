/**
 * The SSH side of the benchmark: a real OpenSSH sshd on 127.0.0.1 (test/helpers/sshd.ts), the
 * bare round trips the collection is compared with, and a raw ssh2 client for the naive
 * one-exec-per-file baseline (our Transport only runs the fixed collector command lines, on
 * purpose, so the baseline cannot go through it).
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { connectSsh, type ConnectSshOptions } from '../../main/io/ssh/ssh-transport.ts';
import type { Transport } from '../../main/io/transport.ts';
import { makeTempDir, startSshd, type Sshd } from '../helpers/sshd.ts';

const { Client } = ssh2;
export type RawClient = InstanceType<typeof Client>;

/**
 * sshd runs every command through the user's login shell, and bash sources ~/.bashrc when it sees
 * it was started by sshd (SSH_CLIENT set) at shell level 1. This machine's root ~/.bashrc runs
 * `pyenv init` twice, ~100-160 ms per exec: a property of this machine, not of any remote host,
 * which would swamp the round trips being compared. With SHLVL=1 sent (sshd: AcceptEnv SHLVL) bash
 * starts at level 2 and skips it. The measurements run with it unless they say "as is".
 */
export const SKIP_BASHRC: Record<string, string> = { SHLVL: '1' };

export interface SshBench {
  sshd: Sshd;
  /** "root@127.0.0.1:PORT", as the CLI would be given it. */
  target: string;
  /** A throwaway home for our transport (empty ~/.ssh, its own host key store). */
  home: string;
  /** known_hosts for the OpenSSH client, holding sshd's host key. */
  knownHostsPath: string;
  stop(): Promise<void>;
}

export async function startSshBench(): Promise<SshBench> {
  const sshd = await startSshd({ extraConfig: ['AcceptEnv SHLVL'] });
  const home = await makeTempDir('atlas-bench-home-');
  // Also when the run is interrupted (sshd's own helper stops sshd then).
  const removeHome = () => rmSync(home, { recursive: true, force: true });
  process.on('exit', removeHome);
  await mkdir(join(home, '.ssh'), { recursive: true });
  const knownHostsPath = join(home, 'openssh_known_hosts');
  await writeFile(knownHostsPath, `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic}\n`);
  const bench: SshBench = {
    sshd,
    target: `root@127.0.0.1:${sshd.port}`,
    home,
    knownHostsPath,
    async stop() {
      await sshd.stop();
      removeHome();
      process.off('exit', removeHome);
    },
  };
  // The first connection accepts sshd's key into the app's store; every measured one then checks it.
  await (await connectOurs(bench, true)).close();
  return bench;
}

export function ourOptions(bench: SshBench, acceptNewHostKey = false): ConnectSshOptions {
  return {
    homeDir: bench.home,
    configText: '',
    agentSocket: null,
    identityFiles: [bench.sshd.clientKeyPath],
    hostKeyStorePath: join(bench.home, 'store', 'known_hosts'),
    acceptNewHostKey,
  };
}

export function connectOurs(bench: SshBench, acceptNewHostKey = false): Promise<Transport> {
  return connectSsh(bench.target, ourOptions(bench, acceptNewHostKey));
}

/** The OpenSSH client's arguments for `ssh … root@127.0.0.1 <command>`: no user config, no agent, no multiplexing. */
export function openSshArgs(bench: SshBench, command: string): string[] {
  return [
    '-F', '/dev/null',
    '-i', bench.sshd.clientKeyPath,
    '-p', String(bench.sshd.port),
    '-o', `UserKnownHostsFile=${bench.knownHostsPath}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-o', 'ControlMaster=no',
    '-o', 'ControlPath=none',
    '-o', 'LogLevel=ERROR',
    'root@127.0.0.1',
    command,
  ];
}

/**
 * `ssh root@127.0.0.1 true` with the real OpenSSH client: process start, connect, log in, one
 * exec, exit. `asIs`: without SKIP_BASHRC; `kex`: a KexAlgorithms list instead of the default.
 */
export function bareOpenSshTrue(bench: SshBench, options: { asIs?: boolean; kex?: string } = {}): Promise<void> {
  const args = openSshArgs(bench, 'true');
  if (!options.asIs) args.unshift('-o', `SetEnv=${Object.entries(SKIP_BASHRC).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (options.kex) args.unshift('-o', `KexAlgorithms=${options.kex}`);
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ssh … true exited ${code}: ${stderr.trim()}`))));
  });
}

/** The same round trip through our ssh2 transport: connect and log in, `sh -s` running `true`, close. */
export async function ourTransportTrue(bench: SshBench): Promise<void> {
  const transport = await connectOurs(bench);
  try {
    const result = await transport.run({ command: 'plain', stdin: 'true\n', env: SKIP_BASHRC, timeoutMs: 30_000 });
    if (result.exitCode !== 0) throw new Error(`sh -s with "true" exited ${result.exitCode}: ${result.stderr}`);
  } finally {
    await transport.close();
  }
}

/**
 * A plain ssh2 client logged in as root, host key pinned to sshd's; for the naive baseline only.
 * TCP_NODELAY as in our transport: with Nagle's algorithm and delayed ACKs every exec's small
 * request/reply exchanges stall ~40 ms each on loopback, which would make the baseline look far
 * worse than the naive way really is.
 */
export async function connectRaw(bench: SshBench): Promise<RawClient> {
  const privateKey = await readFile(bench.sshd.clientKeyPath);
  const expected = bench.sshd.hostKeyBlob;
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    const sock = connectTcp({ host: '127.0.0.1', port: bench.sshd.port });
    sock.setNoDelay(true);
    client.connect({
      sock,
      username: 'root',
      privateKey,
      hostVerifier: (key: Buffer) => key.equals(expected),
      readyTimeout: 15_000,
    });
  });
}

/** One exec on an open connection; resolves with its stdout, rejects on a non-zero exit. */
export function execRaw(client: RawClient, command: string, env: Record<string, string> = SKIP_BASHRC): Promise<string> {
  return new Promise((resolve, reject) => {
    client.exec(command, { env }, (error, stream) => {
      if (error) return reject(error);
      let stdout = '';
      let stderr = '';
      stream.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      stream.on('close', (code: number | null) => {
        if (code === 0) resolve(stdout);
        else reject(new Error(`"${command}" exited ${code}: ${stderr.trim()}`));
      });
    });
  });
}
