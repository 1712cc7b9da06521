/**
 * Client authentication in OpenSSH's order (ssh_config(5) PreferredAuthentications, sshconnect2.c):
 * "none" to learn what the server allows, then public keys, then keyboard-interactive, then password.
 *
 * Public keys are listed like sshconnect2.c pubkey_prepare(): the agent's keys first, in the agent's order
 * (a key that is also a configured IdentityFile is signed by the agent); with IdentitiesOnly only those
 * agent keys that match an IdentityFile; then the remaining identity files. Every key is first OFFERED to
 * the server (a signature-less query, RFC 4252 §7) and only a key the server accepts is used to sign, so a
 * passphrase is asked only for an encrypted key the server would take, as ssh does. ssh2 offers this
 * query-then-sign flow for agents, so all identities are served through one in-process agent.
 */
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type {
  AuthHandlerMiddleware, AuthenticationType, IdentityCallback, KeyboardInteractiveCallback, NextAuthHandler, ParsedKey, Prompt,
  SignCallback, SigningRequestOptions,
} from 'ssh2';
import { fingerprintSha256, sshKeyTypeOfBlob } from './known-hosts.ts';

const { BaseAgent, utils } = ssh2;

export type SecretRequest =
  | { kind: 'passphrase'; file: string; attempt: number }
  | { kind: 'password'; prompt: string; attempt: number }
  /** A keyboard-interactive question (RFC 4256 §3.2): the server's title and instructions, then the prompt. */
  | { kind: 'prompt'; prompt: string; echo: boolean; name: string; instructions: string; attempt: number };

/** Asks the person for a secret; null means they declined (that key or method is skipped). */
export type AskSecret = (request: SecretRequest) => Promise<string | null>;

/** What ssh itself would print to ask for the secret (the terminal prompt, the app's dialog text). */
export function secretPromptText(request: SecretRequest): string {
  switch (request.kind) {
    case 'passphrase':
      return `Enter passphrase for key '${request.file}': `;
    case 'password':
      return request.prompt.endsWith(': ') ? request.prompt : `${request.prompt}: `;
    case 'prompt':
      return request.prompt;
  }
}

/** ssh_config(5) IdentityFile defaults that ssh2 can use (no security-key types), in ssh's order. */
export const DEFAULT_IDENTITY_NAMES = ['id_rsa', 'id_ecdsa', 'id_ed25519'];
/** ssh_config(5) NumberOfPasswordPrompts default, also used for passphrases. */
const PROMPT_ATTEMPTS = 3;

interface KeyFile {
  path: string;
  /** The private key file's text; null when only `<path>.pub` exists (usable through the agent only). */
  privateText: string | null;
  publicKey: ParsedKey | null;
  /** Set once the private key is readable (unencrypted, or decrypted with the passphrase). */
  privateKey: ParsedKey | null;
}

interface Identity {
  publicKey: ParsedKey;
  /** What the person would recognise: the file path, or "agent key <comment>". */
  label: string;
  signer: 'agent' | KeyFile;
}

async function readIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return null;
    throw error;
  }
}

function parseOne(data: string | Buffer | ParsedKey, passphrase?: string): ParsedKey | Error {
  const parsed = utils.parseKey(data, passphrase);
  return Array.isArray(parsed) ? (parsed[0] ?? new Error('no key in file')) : parsed;
}

function isPassphraseMissing(error: Error): boolean {
  return /no passphrase given/i.test(error.message);
}

/**
 * The public key that the "openssh-key-v1" private key format stores unencrypted in front of the encrypted
 * part (PROTOCOL.key: magic, cipher, kdf, kdf options, key count, public keys…), so an encrypted key can be
 * offered before its passphrase is known even without a .pub file, as ssh does.
 */
function publicKeyOfOpenSshPrivateKey(text: string): ParsedKey | null {
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text)?.[1];
  if (body === undefined) return null;
  const data = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (data.subarray(0, magic.length).toString('latin1') !== magic) return null;
  let offset = magic.length;
  const readString = (): Buffer | null => {
    if (offset + 4 > data.length) return null;
    const length = data.readUInt32BE(offset);
    if (offset + 4 + length > data.length) return null;
    const value = data.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return value;
  };
  for (let field = 0; field < 3; field++) if (readString() === null) return null; // cipher, kdf, kdf options
  offset += 4; // number of keys
  const blob = readString();
  const keyType = blob === null ? null : sshKeyTypeOfBlob(blob);
  if (blob === null || keyType === null) return null;
  const parsed = parseOne(`${keyType} ${blob.toString('base64')}`);
  return parsed instanceof Error ? null : parsed;
}

async function loadKeyFile(path: string, explicit: boolean, notes: string[]): Promise<KeyFile | null> {
  const [privateText, publicText] = await Promise.all([readIfPresent(path), readIfPresent(`${path}.pub`)]);
  if (privateText === null && publicText === null) {
    if (explicit) notes.push(`identity file ${path} does not exist`);
    return null;
  }
  const publicFromPub = publicText === null ? null : parseOne(publicText);
  const publicKey = publicFromPub instanceof Error ? null : publicFromPub;
  if (privateText === null) return { path, privateText: null, publicKey, privateKey: null };
  const parsed = parseOne(privateText);
  if (!(parsed instanceof Error)) {
    // IdentityFile may name a public key whose private half lives only in the agent (ssh_config(5)).
    return parsed.isPrivateKey()
      ? { path, privateText, publicKey: parsed, privateKey: parsed }
      : { path, privateText: null, publicKey: parsed, privateKey: null };
  }
  if (isPassphraseMissing(parsed)) {
    return { path, privateText, publicKey: publicKey ?? publicKeyOfOpenSshPrivateKey(privateText), privateKey: null };
  }
  notes.push(`identity file ${path} could not be read: ${parsed.message}`);
  return publicKey === null ? null : { path, privateText: null, publicKey, privateKey: null };
}

function sameKey(a: ParsedKey, b: ParsedKey): boolean {
  return a.getPublicSSH().equals(b.getPublicSSH());
}

function agentKeys(agent: InstanceType<typeof BaseAgent<ParsedKey>>): Promise<ParsedKey[]> {
  return new Promise((resolve, reject) => {
    agent.getIdentities((error, keys) => {
      if (error) return reject(error);
      const parsed: ParsedKey[] = [];
      for (const key of keys ?? []) {
        // Agents may answer with bare keys or { pubKey, comment } entries (ssh2's KnownPublicKeys).
        const entry = typeof key === 'object' && 'pubKey' in key ? key.pubKey : key;
        const value = parseOne(typeof entry === 'object' && 'pubKey' in entry ? entry.pubKey : entry);
        if (!(value instanceof Error)) parsed.push(value);
      }
      resolve(parsed);
    });
  });
}

export interface PublicKeySetup {
  /** Identity files from the config; empty means ssh's defaults in `<homeDir>/.ssh`. */
  identityFiles: string[];
  homeDir: string;
  identitiesOnly: boolean;
  /** The user's ssh-agent, or null when there is none or it is disabled. */
  agent: InstanceType<typeof BaseAgent<ParsedKey>> | null;
  ask: AskSecret | null;
  /** Keys already decrypted during this connect (a jump host and the target often share a key). */
  unlocked: Map<string, ParsedKey>;
  /** Why keys were skipped, for the error message if authentication fails. */
  notes: string[];
}

/** Serves every identity (agent keys and key files) to ssh2 as one agent, so each key is offered before it signs. */
export class IdentityAgent extends BaseAgent<ParsedKey> {
  /** The keys in the order they are offered; filled when ssh2 starts public key authentication. */
  offered: Identity[] = [];

  constructor(private readonly setup: PublicKeySetup) {
    super();
  }

  getIdentities(callback: IdentityCallback<ParsedKey>): void {
    this.collect().then(
      (identities) => {
        this.offered = identities;
        callback(null, identities.map((identity) => identity.publicKey));
      },
      (error: Error) => callback(error),
    );
  }

  sign(publicKey: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, callback?: SignCallback): void {
    const done = typeof options === 'function' ? options : callback;
    const signOptions = typeof options === 'function' ? {} : options;
    if (done === undefined) return;
    const identity = this.offered.find((candidate) => sameKey(candidate.publicKey, publicKey));
    if (identity === undefined) {
      done(new Error('asked to sign with a key that was not offered'));
      return;
    }
    this.signWith(identity, data, signOptions).then((signature) => done(null, signature), (error: Error) => done(error));
  }

  private async signWith(identity: Identity, data: Buffer, options: SigningRequestOptions): Promise<Buffer> {
    const { agent } = this.setup;
    if (identity.signer === 'agent') {
      if (agent === null) throw new Error('ssh-agent is gone');
      return new Promise((resolve, reject) => {
        agent.sign(identity.publicKey, data, options, (error, signature) => {
          if (error || signature === undefined) reject(new Error(`ssh-agent could not sign with ${identity.label}: ${error?.message ?? 'no signature'}`));
          else resolve(signature);
        });
      });
    }
    const privateKey = await this.unlock(identity.signer);
    const signature = privateKey.sign(data, options.hash);
    if (signature instanceof Error) throw new Error(`signing with ${identity.label} failed: ${signature.message}`);
    return signature;
  }

  /** The decrypted private key, asking for the passphrase up to NumberOfPasswordPrompts times. */
  private async unlock(file: KeyFile): Promise<ParsedKey> {
    const known = file.privateKey ?? this.setup.unlocked.get(file.path);
    if (known !== undefined) return known;
    const { ask } = this.setup;
    if (file.privateText === null) throw new Error(`${file.path}: only the public key is here and ssh-agent does not hold its private key`);
    if (ask === null) throw new Error(`${file.path} is encrypted and there is no way to ask for its passphrase (load it into ssh-agent with ssh-add)`);
    for (let attempt = 1; attempt <= PROMPT_ATTEMPTS; attempt++) {
      const passphrase = await ask({ kind: 'passphrase', file: file.path, attempt });
      if (passphrase === null) throw new Error(`no passphrase was given for ${file.path}`);
      const parsed = parseOne(file.privateText, passphrase);
      if (!(parsed instanceof Error) && parsed.isPrivateKey()) {
        this.setup.unlocked.set(file.path, parsed);
        return parsed;
      }
    }
    throw new Error(`wrong passphrase for ${file.path} (${PROMPT_ATTEMPTS} attempts)`);
  }

  private async collect(): Promise<Identity[]> {
    const { setup } = this;
    const explicit = setup.identityFiles.length > 0;
    const paths = explicit ? setup.identityFiles : DEFAULT_IDENTITY_NAMES.map((name) => `${setup.homeDir}/.ssh/${name}`);
    const files = (await Promise.all(paths.map((path) => loadKeyFile(path, explicit, setup.notes)))).filter((file) => file !== null);

    const identities: Identity[] = [];
    if (setup.agent !== null) {
      let fromAgent: ParsedKey[] = [];
      try {
        fromAgent = await agentKeys(setup.agent);
      } catch (error) {
        setup.notes.push(`ssh-agent could not be asked for keys: ${(error as Error).message}`);
      }
      for (const key of fromAgent) {
        const index = files.findIndex((file) => file.publicKey !== null && sameKey(file.publicKey, key));
        const [file] = index >= 0 ? files.splice(index, 1) : [];
        if (file !== undefined) identities.push({ publicKey: key, label: file.path, signer: 'agent' });
        else if (!setup.identitiesOnly) identities.push({ publicKey: key, label: `agent key ${key.comment || fingerprintSha256(key.getPublicSSH())}`, signer: 'agent' });
      }
    }
    for (const file of files) {
      if (file.publicKey !== null) {
        identities.push({ publicKey: file.publicKey, label: file.path, signer: file });
        continue;
      }
      // An encrypted key in the old PEM format with no .pub: its public half is only known after decrypting.
      try {
        const privateKey = await this.unlock(file);
        identities.push({ publicKey: privateKey, label: file.path, signer: file });
      } catch (error) {
        setup.notes.push((error as Error).message);
      }
    }
    return identities;
  }
}

export interface AuthSequence {
  username: string;
  /** "root@192.168.1.20" for password prompts. */
  displayHost: string;
  identityAgent: IdentityAgent;
  ask: AskSecret | null;
  /** Methods tried, in order, for the error message. */
  attempted: AuthenticationType[];
}

/** ssh2 accepts `false` for "no more methods", although its type definitions leave it out. */
function noMoreMethods(next: NextAuthHandler): void {
  (next as unknown as (method: false) => void)(false);
}

/** ssh2's authHandler implementing the order above; methods the server does not list are skipped. */
export function createAuthHandler(sequence: AuthSequence): AuthHandlerMiddleware {
  const { username, identityAgent, ask, attempted } = sequence;
  let askedNone = false;
  let triedPublicKey = false;
  let keyboardAttempts = 0;
  let passwordAttempts = 0;

  const keyboardInteractive = (attempt: number) => ({
    type: 'keyboard-interactive' as const,
    username,
    prompt: (name: string, instructions: string, _lang: string, prompts: Prompt[], finish: KeyboardInteractiveCallback) => {
      const answers: string[] = [];
      const askNext = (index: number): void => {
        const prompt = prompts[index];
        if (prompt === undefined || ask === null) {
          finish(answers);
          return;
        }
        ask({ kind: 'prompt', prompt: prompt.prompt, echo: prompt.echo === true, name, instructions, attempt }).then((answer) => {
          if (answer === null) {
            // Declined: answer with nothing so the server fails this round, and do not ask again.
            keyboardAttempts = PROMPT_ATTEMPTS;
            finish([]);
            return;
          }
          answers.push(answer);
          askNext(index + 1);
        }, () => finish([]));
      };
      askNext(0);
    },
  });

  const handler = (methodsLeft: AuthenticationType[] | null, _partialSuccess: boolean | null, next: NextAuthHandler): void => {
    if (!askedNone) {
      askedNone = true;
      next({ type: 'none', username });
      return;
    }
    const allowed = (method: AuthenticationType) => methodsLeft === null || methodsLeft.includes(method);
    if (!triedPublicKey && allowed('publickey')) {
      triedPublicKey = true;
      attempted.push('publickey');
      next({ type: 'agent', username, agent: identityAgent });
      return;
    }
    if (ask !== null && allowed('keyboard-interactive') && keyboardAttempts < PROMPT_ATTEMPTS) {
      keyboardAttempts += 1;
      attempted.push('keyboard-interactive');
      next(keyboardInteractive(keyboardAttempts));
      return;
    }
    if (ask !== null && allowed('password') && passwordAttempts < PROMPT_ATTEMPTS) {
      passwordAttempts += 1;
      const attempt = passwordAttempts;
      ask({ kind: 'password', prompt: `${sequence.displayHost}'s password: `, attempt }).then((password) => {
        if (password === null) {
          passwordAttempts = PROMPT_ATTEMPTS;
          handler(methodsLeft, _partialSuccess, next);
          return;
        }
        attempted.push('password');
        next({ type: 'password', username, password });
      }, () => noMoreMethods(next));
      return;
    }
    noMoreMethods(next);
  };
  return handler as AuthHandlerMiddleware;
}
