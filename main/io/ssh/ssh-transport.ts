/**
 * The SSH transport: connects the way ssh(1) would (config, known_hosts, agent, keys, ProxyJump), runs one
 * of COLLECTOR_COMMANDS with the script on stdin, and reports failures as TransportError.
 *
 * Host keys (sshconnect.c check_host_key): the key is looked up in the user's known_hosts files, the global
 * ones, then the app's own store. A known and matching key passes. An unknown key is refused unless the
 * person accepted it (acceptNewHostKey / onUnknownHostKey), and then it is written to the app's store. A
 * changed or revoked key is always refused: there is deliberately no option to accept it.
 */
import { readFile } from 'node:fs/promises';
import { connect as connectTcp, type Socket } from 'node:net';
import { homedir, userInfo } from 'node:os';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import ssh2 from 'ssh2';
import type { AuthenticationType, ClientChannel, ParsedKey, ServerHostKeyAlgorithm } from 'ssh2';
import { COLLECTOR_COMMANDS, joinOutput, TransportError, type RunOptions, type RunResult, type Transport } from '../transport.ts';
import { defaultHostKeyStorePath, HostKeyStore } from './host-key-store.ts';
import {
  checkHostKey, entriesForHost, fingerprintSha256, keyTypeLabel, knownHostsName, parseKnownHosts, sshKeyTypeOfBlob,
  type KnownHostEntry,
} from './known-hosts.ts';
import { createAuthHandler, IdentityAgent, type AskSecret } from './ssh-auth.ts';
import { readUserSshConfig } from './ssh-config-file.ts';
import { resolveSshTarget, type ResolvedTarget } from './ssh-target.ts';

const { Client, OpenSSHAgent } = ssh2;
type SshClient = InstanceType<typeof Client>;

export type { AskSecret, SecretRequest } from './ssh-auth.ts';

export interface UnknownHostKeyInfo {
  /** The name the key is filed under: "host", "[host]:port" or the HostKeyAlias. */
  host: string;
  keyType: string;
  fingerprint: string;
}

export interface ConnectSshOptions {
  /** ~/.ssh/config text; read from `<homeDir>/.ssh/config` (with its Includes) when absent. */
  configText?: string;
  /** Default: the user's home directory. */
  homeDir?: string;
  /** Default: the name of the user running this process. */
  currentUser?: string;
  /** ssh-agent socket. Default: the config's IdentityAgent, else SSH_AUTH_SOCK. null: use no agent. */
  agentSocket?: string | null;
  /** The app's store of accepted host keys. Default: ~/.config/iommu-atlas/known_hosts. */
  hostKeyStorePath?: string;
  /** Trust a host key seen for the first time (and remember it). Never applies to a changed key. */
  acceptNewHostKey?: boolean;
  /** Asks the person whether to trust a host key seen for the first time. */
  onUnknownHostKey?: (info: UnknownHostKeyInfo) => Promise<boolean>;
  /** Asks for key passphrases and passwords; without it encrypted keys and passwords are skipped. */
  askSecret?: AskSecret;
  /** How long each hop may take to connect and log in, not counting time spent waiting for the person. Default 15 s. */
  readyTimeoutMs?: number;
  /** Keys given on the command line (`ssh -i`): tried for the target before the config's IdentityFile entries. */
  identityFiles?: string[];
}

const DEFAULT_READY_TIMEOUT_MS = 15_000;

/** What every hop of one connect shares. */
interface ConnectContext {
  store: HostKeyStore;
  acceptNewHostKey: boolean;
  onUnknownHostKey: ((info: UnknownHostKeyInfo) => Promise<boolean>) | null;
  askSecret: AskSecret | null;
  agentSocket: string | null | undefined;
  homeDir: string;
  readyTimeoutMs: number;
  unlocked: Map<string, ParsedKey>;
}

function formatHostPort(hostName: string, port: number): string {
  return hostName.includes(':') ? `[${hostName}]:${port}` : `${hostName}:${port}`;
}

function describe(target: ResolvedTarget): string {
  return `${target.user}@${formatHostPort(target.hostName, target.port)}`;
}

/** A deadline that stands still while the person is being asked something (OpenSSH's ConnectTimeout ignores prompts too). */
class PausableDeadline {
  private timer: NodeJS.Timeout | null = null;
  private pauses = 0;

  constructor(private readonly ms: number, private readonly onExpire: () => void) {
    this.start();
  }

  private start(): void {
    this.timer = setTimeout(this.onExpire, this.ms);
  }

  async whilePaused<T>(work: () => Promise<T>): Promise<T> {
    if (this.pauses++ === 0 && this.timer !== null) clearTimeout(this.timer);
    try {
      return await work();
    } finally {
      if (--this.pauses === 0 && this.timer !== null) this.start();
    }
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

async function readKnownHostsFile(path: string): Promise<{ path: string; entries: KnownHostEntry[] }> {
  try {
    return { path, entries: parseKnownHosts(await readFile(path, 'utf8')).data };
  } catch {
    // Missing or unreadable files are skipped, as ssh skips them.
    return { path, entries: [] };
  }
}

/** ssh2's default server host key algorithms in its order, and the key type each one proves. */
const HOST_KEY_ALGORITHMS: ReadonlyArray<readonly [algorithm: ServerHostKeyAlgorithm, keyType: string]> = [
  ['ssh-ed25519', 'ssh-ed25519'],
  ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256'],
  ['ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384'],
  ['ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp521'],
  ['rsa-sha2-512', 'ssh-rsa'],
  ['rsa-sha2-256', 'ssh-rsa'],
  ['ssh-rsa', 'ssh-rsa'],
];

interface HostKeyFiles {
  sources: Array<{ path: string; entries: KnownHostEntry[] }>;
  /** The names to look the host up under, most specific first. */
  names: string[];
}

async function loadHostKeyFiles(target: ResolvedTarget, store: HostKeyStore): Promise<HostKeyFiles> {
  const files = await Promise.all([...target.userKnownHostsFiles, ...target.globalKnownHostsFiles].map(readKnownHostsFile));
  const sources = [...files, { path: store.path, entries: await store.entries() }];
  return { sources, names: [target.hostKeyAlias ?? knownHostsName(target.hostName, target.port)] };
}

/**
 * OpenSSH order_hostkeyalgs(): offer the algorithms of keys already known for this host first, so a host
 * with several host keys proves itself with the one on file. Null (ssh2's default order) when none is known.
 */
function hostKeyAlgorithmsFor(files: HostKeyFiles): ServerHostKeyAlgorithm[] | null {
  const knownTypes = new Set(
    files.sources.flatMap((source) => entriesForHost(source.entries, files.names)).filter((entry) => entry.marker === null).map((entry) => entry.keyType),
  );
  const known = HOST_KEY_ALGORITHMS.filter(([, keyType]) => knownTypes.has(keyType)).map(([algorithm]) => algorithm);
  if (known.length === 0) return null;
  return [...known, ...HOST_KEY_ALGORITHMS.map(([algorithm]) => algorithm).filter((algorithm) => !known.includes(algorithm))];
}

function hostKeyChanged(hostFileName: string, keyBlob: Buffer, files: HostKeyFiles, revoked: boolean): TransportError {
  const keyType = sshKeyTypeOfBlob(keyBlob) ?? 'unknown';
  const fingerprint = fingerprintSha256(keyBlob);
  const offending = files.sources.flatMap((source) =>
    entriesForHost(source.entries, files.names)
      .filter((entry) => (revoked ? entry.marker === 'revoked' : entry.marker === null))
      .map((entry) => `${keyTypeLabel(entry.keyType)} key in ${source.path}:${entry.line}`),
  );
  const message = revoked
    ? [
      `WARNING: REVOKED HOST KEY DETECTED for ${hostFileName}!`,
      `The ${keyTypeLabel(keyType)} host key for ${hostFileName} (${fingerprint}) is marked as revoked.`,
      'This could mean that a stolen key is being used to impersonate this host. Refusing to connect.',
      `Revoked in: ${offending.join(', ')}`,
    ]
    : [
      `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for ${hostFileName}!`,
      'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY! Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
      'It is also possible that a host key has just been changed.',
      `The fingerprint for the ${keyTypeLabel(keyType)} key sent by the remote host is ${fingerprint}.`,
      `Offending ${offending.join(', ')}.`,
      'Refusing to connect. If the host really was reinstalled or re-keyed, check the new fingerprint with its administrator and remove the old key from the file named above.',
    ];
  return new TransportError(message.join('\n'), 'host-key-changed', {
    host: hostFileName,
    keyType,
    fingerprint,
    offending: offending.join('; '),
  });
}

/** `askedPerson`: the UI showed the fingerprint and the person declined, so no CLI flag is suggested. */
function hostKeyUnknown(info: UnknownHostKeyInfo, askedPerson: boolean): TransportError {
  const hostKeyFile = `/etc/ssh/ssh_host_${keyTypeLabel(info.keyType).toLowerCase()}_key.pub`;
  const message = askedPerson
    ? [
      `The host key of '${info.host}' (${keyTypeLabel(info.keyType)} ${info.fingerprint}) was not trusted, so nothing was collected.`,
      `Compare it with ssh-keygen -lf ${hostKeyFile} on the host and collect again to be asked once more.`,
    ].join('\n')
    : [
      `The authenticity of host '${info.host}' can't be established.`,
      `${keyTypeLabel(info.keyType)} key fingerprint is ${info.fingerprint}.`,
      `Check this fingerprint on the host itself (ssh-keygen -lf ${hostKeyFile}), then run again with --accept-new-host-key to trust it.`,
    ].join('\n');
  return new TransportError(message, 'host-key-unknown', { host: info.host, keyType: info.keyType, fingerprint: info.fingerprint });
}

/** Decides about one host key; returns the error to fail with, or null to go on. */
async function verifyHostKey(
  target: ResolvedTarget,
  keyBlob: Buffer,
  files: HostKeyFiles,
  context: ConnectContext,
  deadline: PausableDeadline,
): Promise<TransportError | null> {
  const keyType = sshKeyTypeOfBlob(keyBlob) ?? 'unknown';
  const [hostFileName = target.hostName] = files.names;
  const entries = files.sources.flatMap((source) => source.entries);
  let status = checkHostKey(entries, files.names, keyType, keyBlob);
  // sshconnect.c: a key not known under "[host]:port" is also accepted if it is known under the bare host name.
  if (status === 'unknown' && target.hostKeyAlias === null && target.port !== 22 && checkHostKey(entries, [target.hostName], keyType, keyBlob) === 'match') {
    status = 'match';
  }
  if (status === 'match') return null;
  if (status === 'revoked' || status === 'mismatch') return hostKeyChanged(hostFileName, keyBlob, files, status === 'revoked');
  const info: UnknownHostKeyInfo = { host: hostFileName, keyType, fingerprint: fingerprintSha256(keyBlob) };
  const accepted = context.acceptNewHostKey || (context.onUnknownHostKey !== null && await deadline.whilePaused(() => context.onUnknownHostKey!(info)));
  if (!accepted) return hostKeyUnknown(info, !context.acceptNewHostKey && context.onUnknownHostKey !== null);
  await context.store.add(hostFileName, keyBlob);
  return null;
}

function agentSocketFor(target: ResolvedTarget, context: ConnectContext): string | null {
  if (context.agentSocket !== undefined) return context.agentSocket;
  const setting = target.identityAgent;
  if (setting === 'none') return null;
  if (setting === null || setting === 'SSH_AUTH_SOCK') return process.env.SSH_AUTH_SOCK || null;
  if (setting.startsWith('$')) return process.env[setting.slice(1)] || null;
  return setting;
}

function socketErrorMessage(target: ResolvedTarget, error: NodeJS.ErrnoException): string {
  const where = formatHostPort(target.hostName, target.port);
  switch (error.code) {
    case 'ECONNREFUSED': return `ssh: connect to ${where}: connection refused (is sshd running on that port?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return `ssh: could not resolve host name "${target.hostName}"`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return `ssh: connect to ${where}: no route to host`;
    case 'ECONNRESET': return `ssh: connection to ${where} was reset`;
    default: return `ssh: connect to ${where}: ${error.message}`;
  }
}

function authFailure(target: ResolvedTarget, attempted: AuthenticationType[], identityAgent: IdentityAgent, notes: string[]): TransportError {
  const keys = identityAgent.offered.map((identity) => identity.label);
  const lines = [`Permission denied for ${describe(target)}.`];
  lines.push(keys.length > 0 ? `Keys offered: ${keys.join(', ')}.` : 'No key was offered (none in ~/.ssh, the config or ssh-agent).');
  const others = [...new Set(attempted.filter((method) => method !== 'publickey'))];
  if (others.length > 0) lines.push(`Also tried: ${others.join(', ')}.`);
  lines.push(...[...new Set(notes)].map((note) => `Note: ${note}.`));
  return new TransportError(lines.join('\n'), 'auth', { target: describe(target) });
}

/** Opens the TCP connection or the tunnelled stream for one hop, then runs the SSH handshake and login. */
async function connectHop(target: ResolvedTarget, via: SshClient | null, context: ConnectContext): Promise<SshClient> {
  const files = await loadHostKeyFiles(target, context.store);
  const hostKeyAlgorithms = hostKeyAlgorithmsFor(files);
  const client = new Client();
  const notes: string[] = [];
  const attempted: AuthenticationType[] = [];
  const socketPath = agentSocketFor(target, context);

  return new Promise<SshClient>((resolve, reject) => {
    let settled = false;
    let failure: TransportError | null = null;
    let socket: Socket | Duplex | null = null;
    const fail = (error: TransportError) => {
      if (settled) return;
      settled = true;
      deadline.cancel();
      client.end();
      socket?.destroy();
      reject(error);
    };
    const deadline = new PausableDeadline(context.readyTimeoutMs, () => {
      const why = 'the host did not complete the SSH handshake and login in time';
      fail(new TransportError(`ssh: connecting to ${describe(target)} timed out after ${context.readyTimeoutMs / 1000} s (${why}).`, 'timeout', { target: describe(target) }));
    });
    const ask: AskSecret | null = context.askSecret === null ? null : (request) => deadline.whilePaused(() => context.askSecret!(request));
    const identityAgent = new IdentityAgent({
      identityFiles: target.identityFiles,
      homeDir: context.homeDir,
      identitiesOnly: target.identitiesOnly,
      agent: socketPath === null ? null : new OpenSSHAgent(socketPath),
      ask,
      unlocked: context.unlocked,
      notes,
    });

    client.on('ready', () => {
      if (settled) return;
      settled = true;
      deadline.cancel();
      resolve(client);
    });
    client.on('error', (error: Error & { level?: string; code?: string }) => {
      // Agent errors are per key (wrong passphrase, agent gone): ssh2 goes on with the next key.
      if (error.level === 'agent') {
        notes.push(error.message);
        return;
      }
      if (failure !== null) return fail(failure);
      // sshd drops the connection after MaxAuthTries failed attempts (often: many keys in the agent).
      if (error.level === 'client-authentication' || /too many authentication failures/i.test(error.message)) {
        if (error.level !== 'client-authentication') notes.push(`the server closed the connection: ${error.message}`);
        return fail(authFailure(target, attempted, identityAgent, notes));
      }
      if (error.level === 'client-socket') return fail(new TransportError(socketErrorMessage(target, error), 'connect', { target: describe(target) }));
      fail(new TransportError(`ssh: ${describe(target)}: ${error.message}`, 'connect', { target: describe(target) }));
    });
    client.on('close', () => {
      fail(failure ?? new TransportError(`ssh: ${describe(target)} closed the connection during login.`, 'connect', { target: describe(target) }));
    });

    const startHandshake = (sock: Socket | Duplex) => {
      socket = sock;
      client.connect({
        sock,
        host: target.hostName,
        port: target.port,
        username: target.user,
        readyTimeout: 0, // the deadline above replaces it, so that prompts do not count
        algorithms: hostKeyAlgorithms === null ? {} : { serverHostKey: hostKeyAlgorithms },
        hostVerifier: (keyBlob: Buffer, verify: (valid: boolean) => void) => {
          verifyHostKey(target, keyBlob, files, context, deadline).then(
            (error) => {
              failure = error;
              verify(error === null);
            },
            (error: Error) => {
              failure = new TransportError(`ssh: could not record the host key of ${describe(target)}: ${error.message}`, 'config');
              verify(false);
            },
          );
        },
        authHandler: createAuthHandler({ username: target.user, displayHost: `${target.user}@${target.hostName}`, identityAgent, ask, attempted }),
      });
    };

    if (via === null) {
      const tcp = connectTcp({ host: target.hostName, port: target.port });
      tcp.setNoDelay(true);
      tcp.setKeepAlive(true); // ssh_config TCPKeepAlive yes
      startHandshake(tcp);
      return;
    }
    via.forwardOut('127.0.0.1', 0, target.hostName, target.port, (error, channel) => {
      if (settled) return;
      if (error) {
        fail(new TransportError(`ssh: the jump host could not open a connection to ${formatHostPort(target.hostName, target.port)}: ${error.message}`, 'connect', { target: describe(target) }));
        return;
      }
      startHandshake(channel);
    });
  });
}

/** Connects through the ProxyJump chain (`ssh -J` semantics) and returns every client, the target's last. */
async function connectChain(target: ResolvedTarget, context: ConnectContext): Promise<SshClient[]> {
  const clients: SshClient[] = [];
  try {
    if (target.proxyJump !== null) {
      const [first, ...rest] = target.proxyJump;
      if (first !== undefined) clients.push(...await connectChain(first, context));
      for (const hop of rest) clients.push(await connectHop(hop, clients.at(-1) ?? null, context));
    }
    clients.push(await connectHop(target, clients.at(-1) ?? null, context));
    return clients;
  } catch (error) {
    for (const client of clients.reverse()) client.end();
    throw error;
  }
}

class SshTransport implements Transport {
  readonly method = 'ssh' as const;
  private connectionLost: string | null = null;
  private readonly lostListeners = new Set<() => void>();
  private closing = false;

  constructor(readonly target: string, private readonly clients: SshClient[]) {
    for (const hop of clients) {
      hop.on('error', (error: Error) => {
        this.connectionLost ??= error.message;
      });
      hop.on('close', () => {
        this.connectionLost ??= 'the connection closed';
        for (const listener of this.lostListeners) listener();
      });
    }
  }

  run(options: RunOptions): Promise<RunResult> {
    const command = COLLECTOR_COMMANDS[options.command];
    const client = this.clients.at(-1)!;
    return new Promise<RunResult>((resolve, reject) => {
      const cutOff = (why: string) => new TransportError(
        `The SSH connection to ${this.target} was lost before the collection finished (${why}). The collection was cut off halfway and nothing partial is used; run it again.`,
        'disconnected',
        { target: this.target },
      );
      // Only the fixed command lines may run, whatever a caller outside the type system passes.
      if (!Object.hasOwn(COLLECTOR_COMMANDS, options.command)) {
        reject(new TransportError(`Unknown collector command "${String(options.command)}".`, 'exec', { target: this.target }));
        return;
      }
      if (this.connectionLost !== null || this.closing) {
        reject(cutOff(this.connectionLost ?? 'the transport was closed'));
        return;
      }
      let settled = false;
      let channel: ClientChannel | null = null;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.lostListeners.delete(onLost);
        outcome();
      };
      const onLost = () => settle(() => reject(cutOff(this.connectionLost ?? 'the connection closed')));
      this.lostListeners.add(onLost);
      const timer = setTimeout(() => {
        settle(() => reject(new TransportError(`The collection on ${this.target} did not finish within ${options.timeoutMs / 1000} s and was stopped.`, 'timeout', { target: this.target })));
        // Closing the channel closes the script's pipes on the host, so it ends at its next write (EPIPE).
        // A "signal" request would not do better: sshd refuses it for root sessions ("session signalling
        // requires privilege separation", OpenSSH 9.2), and ssh2 refuses to send it once stdin is closed.
        channel?.close();
      }, options.timeoutMs);

      client.exec(command, { env: options.env ?? {} }, (error, stream) => {
        if (error) {
          settle(() => reject(this.connectionLost !== null ? cutOff(this.connectionLost) : new TransportError(`ssh: could not start "${command}" on ${this.target}: ${error.message}`, 'exec', { target: this.target })));
          return;
        }
        channel = stream;
        if (settled) {
          stream.close();
          return;
        }
        const stdoutDecoder = new StringDecoder('utf8');
        const stderrDecoder = new StringDecoder('utf8');
        // The output as it arrives, joined once at the end (see joinOutput).
        const stdout: string[] = [];
        let stderr = '';
        let exit: { code: number | null } | null = null;
        let stderrEnded = false;
        let closed = false;
        const finish = () => {
          if (!stderrEnded || !closed) return;
          const rest = stdoutDecoder.end();
          if (rest !== '') {
            stdout.push(rest);
            options.onStdout?.(rest);
          }
          stderr += stderrDecoder.end();
          if (exit === null) settle(() => reject(cutOff(this.connectionLost ?? 'the session ended without an exit status')));
          else settle(() => resolve({ stdout: joinOutput(stdout), stderr, exitCode: exit!.code }));
        };
        stream.on('data', (chunk: Buffer) => {
          const text = stdoutDecoder.write(chunk);
          if (text === '') return;
          stdout.push(text);
          options.onStdout?.(text);
        });
        stream.stderr.on('data', (chunk: Buffer) => {
          stderr += stderrDecoder.write(chunk);
        });
        stream.stderr.on('end', () => {
          stderrEnded = true;
          finish();
        });
        // exit-status carries the code; exit-signal (code null) means the script was killed by a signal.
        stream.on('exit', (code: number | null) => {
          exit = { code: typeof code === 'number' ? code : null };
        });
        stream.on('close', () => {
          closed = true;
          stream.stderr.resume();
          finish();
        });
        stream.on('error', () => {
          // Write errors after the connection dropped; the 'close' that follows reports it.
        });
        stream.end(options.stdin);
      });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      [...this.clients].reverse().map((client) => new Promise<void>((resolve) => {
        if (this.connectionLost !== null) return resolve();
        client.once('close', () => resolve());
        client.end();
        // A peer that never answers the disconnect must not hold close() up.
        setTimeout(resolve, 2_000).unref();
      })),
    );
  }
}

/** Connects to `target` (see resolveSshTarget) and logs in, or fails with a TransportError a person can act on. */
export async function connectSsh(target: string, options: ConnectSshOptions = {}): Promise<Transport> {
  const homeDir = options.homeDir ?? homedir();
  const configText = options.configText ?? await readUserSshConfig(homeDir).catch((error: Error) => {
    throw new TransportError(`~/.ssh/config could not be read: ${error.message}`, 'config');
  });
  const configured = resolveSshTarget(target, { configText, homeDir, currentUser: options.currentUser ?? userInfo().username });
  const resolved = options.identityFiles?.length
    ? { ...configured, identityFiles: [...options.identityFiles, ...configured.identityFiles] }
    : configured;
  const context: ConnectContext = {
    store: new HostKeyStore(options.hostKeyStorePath ?? defaultHostKeyStorePath(homeDir)),
    acceptNewHostKey: options.acceptNewHostKey === true,
    onUnknownHostKey: options.onUnknownHostKey ?? null,
    askSecret: options.askSecret ?? null,
    agentSocket: options.agentSocket,
    homeDir,
    readyTimeoutMs: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    unlocked: new Map(),
  };
  const clients = await connectChain(resolved, context);
  return new SshTransport(describe(resolved), clients);
}
