/**
 * Authentication order and secrets: encrypted identity files and ssh-agent against the real sshd;
 * keyboard-interactive and password against an ssh2 test server (the real sshd here cannot check a
 * password without changing this machine's users, so a scripted server stands in for it).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type ConnectSshOptions, type SecretRequest } from '../../../main/io/ssh/ssh-transport.ts';
import { TransportError } from '../../../main/io/transport.ts';
import { generateKey, makeTempDir, startSshd, type Sshd } from '../../helpers/sshd.ts';

const execFileAsync = promisify(execFile);

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

/** An askSecret that records every request and answers from a script. */
function scriptedSecrets(answer: (request: SecretRequest) => string | null, delayMs = 0) {
  const requests: SecretRequest[] = [];
  const ask = async (request: SecretRequest) => {
    requests.push(request);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return answer(request);
  };
  return { requests, ask };
}

describe('identity files and ssh-agent against a real sshd', () => {
  const passphrase = 'open sesame';
  let sshd: Sshd;
  let dir: string;
  let emptyHome: string;
  let encryptedKey: string;
  let strangerEncryptedKey: string;

  function options(identityLines: string[], extra: Partial<ConnectSshOptions> = {}, configExtra = ''): ConnectSshOptions {
    return {
      homeDir: emptyHome,
      configText: [
        'Host lab jump',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
        '  GlobalKnownHostsFile none',
        ...identityLines.map((line) => `  ${line}`),
        configExtra,
      ].join('\n'),
      agentSocket: null,
      hostKeyStorePath: join(dir, 'store'),
      readyTimeoutMs: 5_000,
      ...extra,
    };
  }

  async function runsEcho(connectOptions: ConnectSshOptions): Promise<string> {
    const transport = await connectSsh('lab', connectOptions);
    try {
      return (await transport.run({ command: 'plain', stdin: 'echo in\n', timeoutMs: 5_000 })).stdout;
    } finally {
      await transport.close();
    }
  }

  beforeAll(async () => {
    [sshd, dir, emptyHome] = await Promise.all([startSshd(), makeTempDir('atlas-auth-'), makeTempDir('atlas-empty-home-')]);
    await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic}\n`);
    encryptedKey = join(dir, 'encrypted_ed25519');
    strangerEncryptedKey = join(dir, 'stranger_encrypted_ed25519');
    const [authorised] = await Promise.all([
      generateKey(encryptedKey, { passphrase }),
      generateKey(strangerEncryptedKey, { passphrase: 'other' }),
    ]);
    await sshd.authorize(authorised);
  });

  afterAll(async () => {
    await sshd?.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(emptyHome, { recursive: true, force: true });
  });

  describe('an encrypted identity file', () => {
    it('is unlocked with the passphrase from askSecret, asked once', async () => {
      const secrets = scriptedSecrets(() => passphrase);
      expect(await runsEcho(options([`IdentityFile ${encryptedKey}`], { askSecret: secrets.ask }))).toBe('in\n');
      expect(secrets.requests).toEqual([{ kind: 'passphrase', file: encryptedKey, attempt: 1 }]);
    });

    it('fails with a clear auth error after three wrong passphrases', async () => {
      const secrets = scriptedSecrets(() => 'wrong');
      const error = await failure(connectSsh('lab', options([`IdentityFile ${encryptedKey}`], { askSecret: secrets.ask })));
      expect(error.kind).toBe('auth');
      expect(error.message).toContain(`wrong passphrase for ${encryptedKey} (3 attempts)`);
      expect(secrets.requests.map((request) => request.kind === 'passphrase' && request.attempt)).toEqual([1, 2, 3]);
    });

    it('is skipped with a note when there is no way to ask for the passphrase', async () => {
      const error = await failure(connectSsh('lab', options([`IdentityFile ${encryptedKey}`])));
      expect(error.kind).toBe('auth');
      expect(error.message).toContain(`${encryptedKey} is encrypted and there is no way to ask for its passphrase`);
    });

    it('is skipped with a note when the person declines to give the passphrase', async () => {
      const error = await failure(connectSsh('lab', options([`IdentityFile ${encryptedKey}`], { askSecret: async () => null })));
      expect(error.kind).toBe('auth');
      expect(error.message).toContain(`no passphrase was given for ${encryptedKey}`);
    });

    it('is offered to the server before its passphrase is asked, so a key the server refuses costs no prompt', async () => {
      const secrets = scriptedSecrets((request) => (request.kind === 'passphrase' && request.file === encryptedKey ? passphrase : 'other'));
      const identities = [`IdentityFile ${strangerEncryptedKey}`, `IdentityFile ${encryptedKey}`];
      expect(await runsEcho(options(identities, { askSecret: secrets.ask }))).toBe('in\n');
      expect(secrets.requests).toEqual([{ kind: 'passphrase', file: encryptedKey, attempt: 1 }]);
    });

    it('is offered from the public key inside the private key file when there is no .pub next to it', async () => {
      const lonely = join(dir, 'encrypted_without_pub');
      await copyFile(encryptedKey, lonely);
      await expect(stat(`${lonely}.pub`)).rejects.toThrow();
      const secrets = scriptedSecrets(() => passphrase);
      const identities = [`IdentityFile ${strangerEncryptedKey}`, `IdentityFile ${lonely}`];
      expect(await runsEcho(options(identities, { askSecret: secrets.ask }))).toBe('in\n');
      expect(secrets.requests).toEqual([{ kind: 'passphrase', file: lonely, attempt: 1 }]);
    });

    it('is decrypted before it is offered when it is an old PEM key with no .pub (its public half is inside the encryption)', async () => {
      const pem = join(dir, 'encrypted_pem_ecdsa');
      await sshd.authorize(await generateKey(pem, { type: 'ecdsa', pem: true, passphrase }));
      await rm(`${pem}.pub`);
      expect(await readFile(pem, 'utf8')).toContain('Proc-Type: 4,ENCRYPTED');
      const secrets = scriptedSecrets(() => passphrase);
      expect(await runsEcho(options([`IdentityFile ${pem}`], { askSecret: secrets.ask }))).toBe('in\n');
      expect(secrets.requests).toEqual([{ kind: 'passphrase', file: pem, attempt: 1 }]);
    });

    it('is asked for once for the jump host and the target together', async () => {
      const secrets = scriptedSecrets(() => passphrase);
      const connectOptions = options([`IdentityFile ${encryptedKey}`], { askSecret: secrets.ask }, 'Host lab\n  ProxyJump jump');
      expect(await runsEcho(connectOptions)).toBe('in\n');
      expect(secrets.requests).toHaveLength(1);
    });

    it('does not count the time spent waiting for the person against the connect timeout', async () => {
      const secrets = scriptedSecrets(() => passphrase, 1_200);
      expect(await runsEcho(options([`IdentityFile ${encryptedKey}`], { askSecret: secrets.ask, readyTimeoutMs: 800 }))).toBe('in\n');
    });
  });

  it('tries ssh\'s default identity files in ~/.ssh when the config names none', async () => {
    const home = await makeTempDir('atlas-home-');
    try {
      await mkdir(join(home, '.ssh'));
      await copyFile(sshd.clientKeyPath, join(home, '.ssh', 'id_ed25519'));
      expect(await runsEcho({ ...options([]), homeDir: home })).toBe('in\n');
      expect((await failure(connectSsh('lab', options([])))).message).toContain('No key was offered');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  describe('ssh-agent', () => {
    let agent: ChildProcess;
    let socket: string;

    beforeAll(async () => {
      socket = join(dir, 'agent.sock');
      agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      for (let waited = 0; waited < 5_000; waited += 50) {
        if (await stat(socket).then(() => true, () => false)) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await execFileAsync('ssh-add', ['-q', sshd.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
    });

    afterAll(() => {
      agent?.kill('SIGTERM');
    });

    it('logs in with a key held by the agent, with no identity file at all', async () => {
      expect(await runsEcho(options([], { agentSocket: socket }))).toBe('in\n');
    });

    it('finds the agent through IdentityAgent in the config', async () => {
      expect(await runsEcho(options([`IdentityAgent ${socket}`], { agentSocket: undefined }))).toBe('in\n');
    });

    it('with IdentitiesOnly, offers only agent keys that match a configured IdentityFile', async () => {
      const stranger = join(dir, 'plain_stranger');
      await generateKey(stranger);
      const error = await failure(connectSsh('lab', options(['IdentitiesOnly yes', `IdentityFile ${stranger}`], { agentSocket: socket })));
      expect(error.kind).toBe('auth');
      expect(error.message).toContain(`Keys offered: ${stranger}.`);

      // An IdentityFile that exists only as a .pub is signed for by the agent (ssh_config(5) IdentityFile).
      const publicOnly = join(dir, 'agent_only');
      await writeFile(`${publicOnly}.pub`, await readFile(`${sshd.clientKeyPath}.pub`));
      expect(await runsEcho(options(['IdentitiesOnly yes', `IdentityFile ${publicOnly}`], { agentSocket: socket }))).toBe('in\n');
    });

    it('notes an agent socket that does not answer and goes on with the key files', async () => {
      const secrets = scriptedSecrets(() => passphrase);
      const connectOptions = options([`IdentityFile ${encryptedKey}`], { agentSocket: join(dir, 'no-agent.sock'), askSecret: secrets.ask });
      expect(await runsEcho(connectOptions)).toBe('in\n');
      const error = await failure(connectSsh('lab', { ...connectOptions, askSecret: async () => null }));
      expect(error.message).toContain('ssh-agent could not be asked for keys');
    });
  });
});

describe('keyboard-interactive and password, against an ssh2 test server', () => {
  let server: InstanceType<typeof ssh2.Server>;
  let port: number;
  let dir: string;
  let allowed: Array<'keyboard-interactive' | 'password'>;
  const methodsSeen: string[] = [];
  const connections: ssh2.Connection[] = [];

  beforeAll(async () => {
    dir = await makeTempDir('atlas-kbd-');
    await generateKey(join(dir, 'host_key'));
    server = new ssh2.Server({ hostKeys: [await readFile(join(dir, 'host_key'))] }, (client) => {
      connections.push(client);
      client.on('authentication', (context) => {
        methodsSeen.push(context.method);
        if (context.method === 'password' && allowed.includes('password') && context.password === 'correct horse') return context.accept();
        if (context.method === 'keyboard-interactive' && allowed.includes('keyboard-interactive')) {
          context.prompt([{ prompt: 'Password: ', echo: false }, { prompt: 'Verification code: ', echo: true }], 'Two-factor login', 'Enter the code from your phone.', (answers) => {
            if (answers[0] === 'correct horse' && answers[1] === '123456') context.accept();
            else context.reject(['publickey', ...allowed]);
          });
          return;
        }
        context.reject(['publickey', ...allowed]);
      });
      client.on('ready', () => {
        client.on('session', (acceptSession) => {
          acceptSession().on('exec', (acceptExec, _reject, info) => {
            const channel = acceptExec();
            channel.write(`ran: ${info.command}\n`);
            channel.exit(0);
            channel.end();
          });
        });
      });
      client.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const connection of connections) connection.end();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  function connectOptions(extra: Partial<ConnectSshOptions>): ConnectSshOptions {
    methodsSeen.length = 0;
    return {
      homeDir: dir,
      configText: 'GlobalKnownHostsFile none\n',
      agentSocket: null,
      hostKeyStorePath: join(dir, 'store'),
      acceptNewHostKey: true,
      readyTimeoutMs: 5_000,
      ...extra,
    };
  }

  it('answers keyboard-interactive prompts through askSecret', async () => {
    allowed = ['keyboard-interactive', 'password'];
    const secrets = scriptedSecrets((request) => (request.kind === 'prompt' && request.prompt === 'Password: ' ? 'correct horse' : '123456'));
    const transport = await connectSsh(`alice@127.0.0.1:${port}`, connectOptions({ askSecret: secrets.ask }));
    try {
      expect((await transport.run({ command: 'plain', stdin: '', timeoutMs: 5_000 })).stdout).toBe('ran: sh -s\n');
    } finally {
      await transport.close();
    }
    expect(secrets.requests).toEqual([
      { kind: 'prompt', prompt: 'Password: ', echo: false, name: 'Two-factor login', instructions: 'Enter the code from your phone.', attempt: 1 },
      { kind: 'prompt', prompt: 'Verification code: ', echo: true, name: 'Two-factor login', instructions: 'Enter the code from your phone.', attempt: 1 },
    ]);
    // No key exists here, so no public key is offered: "none" to learn the methods, then keyboard-interactive.
    expect(methodsSeen).toEqual(['none', 'keyboard-interactive']);
  });

  it('retries keyboard-interactive three times, then falls back to password', async () => {
    allowed = ['keyboard-interactive', 'password'];
    const secrets = scriptedSecrets((request) => (request.kind === 'password' ? 'correct horse' : 'wrong'));
    const transport = await connectSsh(`alice@127.0.0.1:${port}`, connectOptions({ askSecret: secrets.ask }));
    await transport.close();
    expect(methodsSeen).toEqual(['none', 'keyboard-interactive', 'keyboard-interactive', 'keyboard-interactive', 'password']);
    expect(secrets.requests.at(-1)).toEqual({ kind: 'password', prompt: "alice@127.0.0.1's password: ", attempt: 1 });
  });

  it('skips methods the server does not offer', async () => {
    allowed = ['password'];
    const secrets = scriptedSecrets(() => 'correct horse');
    const transport = await connectSsh(`alice@127.0.0.1:${port}`, connectOptions({ askSecret: secrets.ask }));
    await transport.close();
    expect(methodsSeen).toEqual(['none', 'password']);
    expect(secrets.requests.map((request) => request.kind)).toEqual(['password']);
  });

  it('gives up when the person declines, and never asks without askSecret', async () => {
    allowed = ['password'];
    const declined = await failure(connectSsh(`alice@127.0.0.1:${port}`, connectOptions({ askSecret: async () => null })));
    expect(declined.kind).toBe('auth');
    expect(methodsSeen).toEqual(['none']);
    const silent = await failure(connectSsh(`alice@127.0.0.1:${port}`, connectOptions({})));
    expect(silent.kind).toBe('auth');
    expect(silent.message).toContain('Permission denied for alice@127.0.0.1');
    expect(methodsSeen).toEqual(['none']);
  });
});
