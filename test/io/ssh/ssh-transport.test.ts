import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type ConnectSshOptions } from '../../../main/io/ssh/ssh-transport.ts';
import { TransportError, type Transport } from '../../../main/io/transport.ts';
import { generateKey, makeTempDir, startSshd, type Sshd } from '../../helpers/sshd.ts';

let sshd: Sshd;
let home: string;

/** The test sshd as alias "lab", its host key already in the user's known_hosts. */
function options(extraConfig = ''): ConnectSshOptions {
  return {
    homeDir: home,
    configText: [
      'Host lab jump',
      '  HostName 127.0.0.1',
      `  Port ${sshd.port}`,
      `  IdentityFile ${sshd.clientKeyPath}`,
      '  GlobalKnownHostsFile none',
      extraConfig,
    ].join('\n'),
    agentSocket: null,
    hostKeyStorePath: join(home, 'store'),
    readyTimeoutMs: 5_000,
  };
}

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function acceptedLogins(): number {
  return sshd.log().split('\n').filter((line) => line.includes('Accepted publickey')).length;
}

beforeAll(async () => {
  [sshd, home] = await Promise.all([startSshd(), makeTempDir('atlas-home-')]);
  await mkdir(join(home, '.ssh'));
  await writeFile(join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic}\n`);
});

afterAll(async () => {
  await sshd?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('connectSsh + run against a real sshd', () => {
  let transport: Transport;

  beforeAll(async () => {
    transport = await connectSsh('lab', options());
  });

  afterAll(async () => {
    await transport?.close();
  });

  it('names the connection and the method', () => {
    expect(transport.method).toBe('ssh');
    expect(transport.target).toBe(`${userInfo().username}@127.0.0.1:${sshd.port}`);
  });

  it('runs the script from stdin with sh -s, passing ATLAS_* variables, and returns stdout, stderr and the exit code', async () => {
    const script = [
      'echo "shell args: $0"',
      'echo "x=$ATLAS_X"',
      'echo "sudo=${ATLAS_SUDO:-unset}"',
      'echo "warning" >&2',
      'exit 7',
      '',
    ].join('\n');
    const result = await transport.run({ command: 'plain', stdin: script, env: { ATLAS_X: 'grüße' }, timeoutMs: 10_000 });
    expect(result).toEqual({ stdout: 'shell args: sh\nx=grüße\nsudo=unset\n', stderr: 'warning\n', exitCode: 7 });
  });

  it('runs the sudo command line, which sets ATLAS_SUDO=1 for the script', async () => {
    const result = await transport.run({ command: 'sudo', stdin: 'echo "sudo=$ATLAS_SUDO"\n', timeoutMs: 10_000 });
    expect(result).toEqual({ stdout: 'sudo=1\n', stderr: '', exitCode: 0 });
  });

  it('decodes UTF-8 split across SSH packets and streams it to onStdout in order', async () => {
    // 20 000 lines × 10 bytes, written by yes(1) in power-of-two blocks, so chunk boundaries cut through characters.
    const script = "yes 'ü€😀' | head -n 20000\n";
    const chunks: string[] = [];
    const result = await transport.run({ command: 'plain', stdin: script, timeoutMs: 20_000, onStdout: (chunk) => chunks.push(chunk) });
    const expected = 'ü€😀\n'.repeat(20_000);
    expect(result.stdout.length).toBe(expected.length);
    expect(result.stdout).toBe(expected);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(expected);
    expect(chunks.some((chunk) => chunk.includes('\uFFFD'))).toBe(false);
  });

  it('reports exitCode null when the script is killed by a signal', async () => {
    const result = await transport.run({ command: 'plain', stdin: 'echo before; kill -9 $$\n', timeoutMs: 10_000 });
    expect(result).toEqual({ stdout: 'before\n', stderr: '', exitCode: null });
  });

  it('runs nothing but the fixed collector command lines', async () => {
    const error = await failure(transport.run({ command: 'rm -rf /' as 'plain', stdin: '', timeoutMs: 5_000 }));
    expect(error.kind).toBe('exec');
  });

  it('stops a run that exceeds its time limit with a timeout error, and the connection stays usable', async () => {
    const marker = join(home, 'timed-out-script');
    const started = Date.now();
    const script = `echo $$ > ${marker}; while :; do echo tick; sleep 0.2; done\n`;
    const error = await failure(transport.run({ command: 'plain', stdin: script, timeoutMs: 700 }));
    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
    // The channel is closed, so the script on the host dies at its next write instead of running on.
    const scriptPid = Number(await readFile(marker, 'utf8'));
    await expect.poll(() => processExists(scriptPid), { timeout: 3_000 }).toBe(false);
    const again = await transport.run({ command: 'plain', stdin: 'echo ok\n', timeoutMs: 10_000 });
    expect(again.stdout).toBe('ok\n');
  });
});

describe('failures', () => {
  it('reports "disconnected" quickly when sshd is killed while the script runs', async () => {
    const transport = await connectSsh('lab', options());
    let started!: () => void;
    const scriptStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const run = transport.run({
      command: 'plain',
      stdin: 'echo started; sleep 30; echo never\n',
      timeoutMs: 60_000,
      onStdout: (chunk) => chunk.includes('started') && started(),
    });
    await scriptStarted;
    const killedAt = Date.now();
    await sshd.killSessions('SIGKILL');
    const error = await failure(run);
    expect(error.kind).toBe('disconnected');
    expect(error.message).toContain('cut off halfway');
    expect(Date.now() - killedAt).toBeLessThan(3_000);
    // Later runs on the dead connection fail the same way instead of hanging.
    expect((await failure(transport.run({ command: 'plain', stdin: 'true\n', timeoutMs: 5_000 }))).kind).toBe('disconnected');
    await transport.close();
  });

  it('refuses to run after close()', async () => {
    const transport = await connectSsh('lab', options());
    await transport.close();
    expect((await failure(transport.run({ command: 'plain', stdin: 'true\n', timeoutMs: 5_000 }))).kind).toBe('disconnected');
  });

  it('times out connecting to a server that accepts TCP but never speaks SSH', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const started = Date.now();
      const error = await failure(connectSsh(`127.0.0.1:${port}`, { ...options(), readyTimeoutMs: 400 }));
      expect(error.kind).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('reports a refused connection as a connect error', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(connectSsh(`127.0.0.1:${port}`, options()));
    expect(error.kind).toBe('connect');
    expect(error.message).toContain('connection refused');
  });

  it('reports "auth" naming the keys offered when the server accepts none of them', async () => {
    const stranger = join(home, 'stranger_key');
    await generateKey(stranger);
    const config = options().configText!.replace(`IdentityFile ${sshd.clientKeyPath}`, `IdentityFile ${stranger}`);
    const error = await failure(connectSsh('lab', { ...options(), configText: config }));
    expect(error.kind).toBe('auth');
    expect(error.message).toContain(`Keys offered: ${stranger}`);
  });

  it('reports "auth" when sshd hangs up after MaxAuthTries refused keys', async () => {
    const strict = await startSshd({ extraConfig: ['MaxAuthTries 2'] });
    try {
      const strangers = ['a', 'b', 'c'].map((name) => join(home, `stranger_${name}`));
      await Promise.all(strangers.map((path) => generateKey(path)));
      const error = await failure(connectSsh('127.0.0.1', {
        ...options(),
        configText: [`Port ${strict.port}`, 'GlobalKnownHostsFile none', ...strangers.map((path) => `IdentityFile ${path}`)].join('\n'),
        acceptNewHostKey: true,
      }));
      expect(error.kind).toBe('auth');
      expect(error.message).toContain('Too many authentication failures');
    } finally {
      await strict.stop();
    }
  });

  it('refuses a bad target before connecting', async () => {
    expect((await failure(connectSsh('-oProxyCommand=x', options()))).kind).toBe('config');
  });
});

describe('ProxyJump', () => {
  it('reaches the target through a jump host (here the same sshd), logging in twice', async () => {
    const before = acceptedLogins();
    const transport = await connectSsh('lab', options('Host lab\n  ProxyJump jump'));
    const result = await transport.run({ command: 'plain', stdin: 'echo "via $SSH_CONNECTION"\n', timeoutMs: 10_000 });
    expect(result.stdout).toMatch(new RegExp(`^via 127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${sshd.port}\\n$`));
    // One login on the jump host, one on the target behind it: a direct connection would log in once.
    expect(acceptedLogins() - before).toBe(2);
    await transport.close();
  });

  it('takes a jump written as user@host:port and chains two jumps', async () => {
    const before = acceptedLogins();
    const hop = `${userInfo().username}@127.0.0.1:${sshd.port}`;
    const transport = await connectSsh('lab', options(`Host lab\n  ProxyJump ${hop},${hop}\nHost 127.0.0.1\n  IdentityFile ${sshd.clientKeyPath}`));
    expect((await transport.run({ command: 'plain', stdin: 'echo deep\n', timeoutMs: 10_000 })).stdout).toBe('deep\n');
    await transport.close();
    expect(acceptedLogins() - before).toBe(3); // two jumps and the target
  });

  it('checks the jump host key with the same rules', async () => {
    const otherHome = await makeTempDir('atlas-home-');
    try {
      const error = await failure(connectSsh('lab', { ...options('Host lab\n  ProxyJump jump'), homeDir: otherHome, hostKeyStorePath: join(otherHome, 'store') }));
      expect(error.kind).toBe('host-key-unknown');
      expect(error.details.host).toBe(`[127.0.0.1]:${sshd.port}`);
    } finally {
      await rm(otherHome, { recursive: true, force: true });
    }
  });
});
