import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkHostKey, entriesForHost, entryMatchesHost, fingerprintSha256, formatKnownHostsLine, knownHostsName, parseKnownHosts,
  sshKeyTypeOfBlob, type KnownHostEntry,
} from '../../../main/io/ssh/known-hosts.ts';
import { generateKey, makeTempDir } from '../../helpers/sshd.ts';
import { damagedText } from '../../helpers/text-mutations.ts';

const execFileAsync = promisify(execFile);

let dir: string;
/** Public key lines ("type base64") of real keys made by ssh-keygen. */
const keys: Record<'ed25519' | 'otherEd25519' | 'ecdsa' | 'rsa', string> = { ed25519: '', otherEd25519: '', ecdsa: '', rsa: '' };

function blobOf(publicLine: string): Buffer {
  return Buffer.from(publicLine.split(' ')[1] ?? '', 'base64');
}

function typeOf(publicLine: string): string {
  return publicLine.split(' ')[0] ?? '';
}

function parseOk(text: string): KnownHostEntry[] {
  const result = parseKnownHosts(text);
  expect(result.issues).toEqual([]);
  return result.data;
}

/** Whether OpenSSH's own lookup (`ssh-keygen -F name -f file`) finds the name in the file. */
async function sshKeygenFinds(file: string, name: string): Promise<boolean> {
  try {
    await execFileAsync('ssh-keygen', ['-F', name, '-f', file]);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = await makeTempDir('atlas-known-hosts-');
  const made = await Promise.all([
    generateKey(join(dir, 'ed25519')),
    generateKey(join(dir, 'other_ed25519')),
    generateKey(join(dir, 'ecdsa'), { type: 'ecdsa' }),
    generateKey(join(dir, 'rsa'), { type: 'rsa' }),
  ]);
  const [ed25519 = '', otherEd25519 = '', ecdsa = '', rsa = ''] = made.map((line) => line.split(' ').slice(0, 2).join(' '));
  Object.assign(keys, { ed25519, otherEd25519, ecdsa, rsa });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fingerprintSha256', () => {
  it.each(['ed25519', 'ecdsa', 'rsa'])('prints the same fingerprint as ssh-keygen -lf for a %s key', async (name) => {
    const { stdout } = await execFileAsync('ssh-keygen', ['-lf', join(dir, `${name}.pub`)]);
    // ssh-keygen -lf: "<bits> SHA256:<base64 without padding> <comment> (<TYPE>)"
    const expected = stdout.split(' ')[1];
    const publicLine = (await readFile(join(dir, `${name}.pub`), 'utf8')).trim();
    expect(expected).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(fingerprintSha256(blobOf(publicLine))).toBe(expected);
  });
});

describe('parseKnownHosts', () => {
  it('reads plain lines, skips comments and blank lines, and keeps 1-based line numbers (CRLF too)', () => {
    const text = `# my hosts\r\n\r\nfoo,bar ${keys.ed25519} user@laptop\r\n   \n[127.0.0.1]:2222 ${keys.ecdsa}\n`;
    const entries = parseOk(text);
    expect(entries.map((entry) => [entry.line, entry.keyType])).toEqual([[3, 'ssh-ed25519'], [5, 'ecdsa-sha2-nistp256']]);
    expect(entries[0]?.names).toEqual({ kind: 'patterns', patterns: ['foo', 'bar'] });
    expect(entries[0]?.keyBlob.equals(blobOf(keys.ed25519))).toBe(true);
  });

  it('reports bad lines with their numbers and keeps the good ones', () => {
    const text = [
      `good ${keys.ed25519}`,
      'only-a-host',
      `@weird host ${keys.ed25519}`,
      `lying ssh-rsa ${keys.ed25519.split(' ')[1]}`,
      'broken ssh-ed25519 !!!notbase64!!!',
      `|1|c2hvcnQ=|c2hvcnQ= ${keys.ed25519}`,
      `also-good ${keys.rsa}`,
    ].join('\n');
    const result = parseKnownHosts(text);
    expect(result.data.map((entry) => entry.line)).toEqual([1, 7]);
    expect(result.issues.map((issue) => issue.line)).toEqual([2, 3, 4, 5, 6]);
    expect(result.issues[1]?.message).toContain('@weird');
    expect(result.issues[2]?.message).toContain('does not match');
  });

  it('reads @revoked and @cert-authority markers', () => {
    const entries = parseOk(`@revoked * ${keys.rsa}\n@cert-authority *.example.com ${keys.ed25519}\n`);
    expect(entries.map((entry) => entry.marker)).toEqual(['revoked', 'cert-authority']);
  });

  it('survives thousands of damaged known_hosts files and returns well-formed entries', () => {
    const samples = [
      `# comment\nfoo,bar ${keys.ed25519} me@host\n[127.0.0.1]:2222 ${keys.ecdsa}\n@revoked * ${keys.rsa}\n`,
      `|1|JfKTdBh7rNbXkVAQCRp4OQoPfmI=|USECr3SWf1JUPsms5AqfD5QfxkM= ${keys.ed25519}\n*.lab,!gw.lab ${keys.otherEd25519}\n`,
    ];
    fc.assert(
      fc.property(damagedText(samples), (text) => {
        const result = parseKnownHosts(text);
        for (const entry of result.data) {
          expect(entry.line).toBeGreaterThanOrEqual(1);
          expect(sshKeyTypeOfBlob(entry.keyBlob)).toBe(entry.keyType);
          expect(() => entryMatchesHost(entry, 'foo')).not.toThrow();
        }
        for (const issue of result.issues) expect(issue.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('host matching', () => {
  it('matches any name of a comma-separated list, case-insensitively', () => {
    const [entry] = parseOk(`foo.example,Bar ${keys.ed25519}`);
    expect(entryMatchesHost(entry!, 'foo.example')).toBe(true);
    expect(entryMatchesHost(entry!, 'BAR')).toBe(true);
    expect(entryMatchesHost(entry!, 'baz')).toBe(false);
    expect(entryMatchesHost(entry!, 'foo')).toBe(false);
  });

  it('files non-22 ports as [host]:port, which does not match the bare host', () => {
    expect(knownHostsName('127.0.0.1', 22)).toBe('127.0.0.1');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
    expect(knownHostsName('::1', 2222)).toBe('[::1]:2222');
    expect(knownHostsName('Lab.Example', 22)).toBe('lab.example');
    const [entry] = parseOk(`[127.0.0.1]:2222 ${keys.ed25519}`);
    expect(entryMatchesHost(entry!, knownHostsName('127.0.0.1', 2222))).toBe(true);
    expect(entryMatchesHost(entry!, knownHostsName('127.0.0.1', 22))).toBe(false);
    expect(entryMatchesHost(entry!, knownHostsName('127.0.0.1', 22222))).toBe(false);
  });

  it('follows OpenSSH wildcards: * any run, ? exactly one character, ! excludes', () => {
    const [entry] = parseOk(`*.lab.example,!gw.lab.example,node? ${keys.ed25519}`);
    expect(entryMatchesHost(entry!, 'pve1.lab.example')).toBe(true);
    expect(entryMatchesHost(entry!, 'gw.lab.example')).toBe(false);
    expect(entryMatchesHost(entry!, 'lab.example')).toBe(false);
    expect(entryMatchesHost(entry!, 'node1')).toBe(true);
    expect(entryMatchesHost(entry!, 'node')).toBe(false);
    expect(entryMatchesHost(entry!, 'node12')).toBe(false);
    const [ports] = parseOk(`[10.0.0.*]:2222 ${keys.ed25519}`);
    expect(entryMatchesHost(ports!, '[10.0.0.7]:2222')).toBe(true);
    expect(entryMatchesHost(ports!, '[10.0.0.7]:22')).toBe(false);
  });

  it('matches hashed names written by ssh-keygen -H exactly where ssh-keygen -F finds them', async () => {
    const file = join(dir, 'hashed_known_hosts');
    await writeFile(file, `foo.example,bar ${keys.ed25519}\n[127.0.0.1]:2222 ${keys.ecdsa}\n`);
    await execFileAsync('ssh-keygen', ['-H', '-f', file]);
    const entries = parseOk(await readFile(file, 'utf8'));
    // -H writes one hashed line per name.
    expect(entries).toHaveLength(3);
    expect(entries.every((entry) => entry.names.kind === 'hashed')).toBe(true);
    for (const name of ['foo.example', 'bar', '[127.0.0.1]:2222', '127.0.0.1', 'baz', '[127.0.0.1]:22', 'foo']) {
      const ours = entriesForHost(entries, [name]).length > 0;
      expect({ name, found: ours }).toEqual({ name, found: await sshKeygenFinds(file, name) });
    }
    // ssh lowercases the host before the lookup (ssh-keygen -F does not), so upper case finds it too.
    expect(entriesForHost(entries, ['FOO.example'])).toHaveLength(1);
    expect(entriesForHost(entries, ['[127.0.0.1]:2222'])[0]?.keyType).toBe('ecdsa-sha2-nistp256');
  });
});

describe('checkHostKey', () => {
  const check = (text: string, names: string[], publicLine: string) => checkHostKey(parseOk(text), names, typeOf(publicLine), blobOf(publicLine));

  it('is a match when the host is known with this key', () => {
    expect(check(`other ${keys.rsa}\nlab ${keys.ed25519}\n`, ['lab'], keys.ed25519)).toBe('match');
  });

  it('is unknown when no line names the host', () => {
    expect(check(`other ${keys.ed25519}\n`, ['lab'], keys.ed25519)).toBe('unknown');
    expect(check('', ['lab'], keys.ed25519)).toBe('unknown');
  });

  it('is a mismatch when the host is known with another key of the same type', () => {
    expect(check(`lab ${keys.otherEd25519}\n`, ['lab'], keys.ed25519)).toBe('mismatch');
  });

  it('is a mismatch when the host is known only with a key of another type, as OpenSSH 9.2 decides', () => {
    // ssh then says "REMOTE HOST IDENTIFICATION HAS CHANGED … Offending RSA key"; see ssh-transport.test.ts.
    expect(check(`lab ${keys.rsa}\n`, ['lab'], keys.ed25519)).toBe('mismatch');
  });

  it('is a match when one of several lines for the host has this key', () => {
    expect(check(`lab ${keys.rsa}\nlab ${keys.otherEd25519}\n*.x,lab ${keys.ed25519}\n`, ['lab'], keys.ed25519)).toBe('match');
  });

  it('is revoked when an @revoked line for the host carries this key, even if a plain line matches', () => {
    expect(check(`lab ${keys.ed25519}\n@revoked * ${keys.ed25519}\n`, ['lab'], keys.ed25519)).toBe('revoked');
    expect(check(`lab ${keys.ed25519}\n@revoked other ${keys.ed25519}\n`, ['lab'], keys.ed25519)).toBe('match');
    expect(check(`lab ${keys.ed25519}\n@revoked * ${keys.rsa}\n`, ['lab'], keys.ed25519)).toBe('match');
  });

  it('treats @cert-authority lines as neither matching nor contradicting a plain key', () => {
    expect(check(`@cert-authority lab ${keys.ed25519}\n`, ['lab'], keys.ed25519)).toBe('unknown');
    expect(check(`@cert-authority lab ${keys.rsa}\n`, ['lab'], keys.ed25519)).toBe('unknown');
  });

  it('writes lines that it reads back as a match', () => {
    const line = formatKnownHostsLine('[LAB]:2222', blobOf(keys.ecdsa));
    expect(line).toBe(`[lab]:2222 ${keys.ecdsa}`);
    expect(check(line, ['[lab]:2222'], keys.ecdsa)).toBe('match');
  });
});
