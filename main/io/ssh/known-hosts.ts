/**
 * OpenSSH `known_hosts` files: parsing and host key lookup, following sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"
 * and OpenSSH's hostfile.c / match.c. Real lines this reads:
 *
 *     # comment
 *     github.com,140.82.121.4 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
 *     [127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE... root@lab
 *     |1|JfKTdBh7rNbXkVAQCRp4OQoPfmI=|USECr3SWf1JUPsms5AqfD5QfxkM= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE...
 *     *.lab.example,!gw.lab.example ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ...
 *     @revoked * ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ...
 *     @cert-authority *.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA...
 *
 * Pure apart from node:crypto (HMAC-SHA1 of hashed names, SHA-256 fingerprints).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ParseIssue, ParseResult } from '../../core/model/snapshot.ts';

/** Which names a line is for: a pattern list, or one name hashed as `|1|salt|hmac` (HashKnownHosts). */
export type KnownHostNames =
  | { kind: 'patterns'; patterns: string[] }
  | { kind: 'hashed'; salt: Buffer; hash: Buffer };

export interface KnownHostEntry {
  /** 1-based line number in its file, for "Offending key in file:line". */
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  names: KnownHostNames;
  /** The key type named on the line, e.g. "ssh-ed25519"; always equal to the type inside keyBlob. */
  keyType: string;
  /** The public key in SSH wire format (the base64 field decoded). */
  keyBlob: Buffer;
}

/**
 * - match: the host is known with exactly this key.
 * - mismatch: the host is known, but with other key(s) and not this one (OpenSSH's HOST_CHANGED).
 * - unknown: no plain key is recorded for the host.
 * - revoked: an `@revoked` line for the host carries this key.
 */
export type HostKeyStatus = 'match' | 'mismatch' | 'unknown' | 'revoked';

/** hostfile.h HASH_MAGIC; the salt and the HMAC are both SHA-1 sized (20 bytes). */
const HASH_MAGIC = '|1|';
const SHA1_BYTES = 20;

/** Splits on the field separators OpenSSH accepts between known_hosts fields (space and tab). */
function splitFields(text: string): string[] {
  return text.split(/[ \t]+/).filter((field) => field !== '');
}

/** Reads the first SSH string of a public key blob (RFC 4253 §6.6): the key type. */
export function sshKeyTypeOfBlob(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > blob.length) return null;
  const type = blob.subarray(4, 4 + length).toString('latin1');
  return /^[\x21-\x7e]+$/.test(type) ? type : null;
}

/** Strict base64 (RFC 4648 alphabet, optional padding); Buffer.from alone silently skips junk. */
function decodeBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const decoded = Buffer.from(text, 'base64');
  return decoded.length > 0 ? decoded : null;
}

function parseHashedName(field: string): KnownHostNames | null {
  const parts = field.slice(HASH_MAGIC.length).split('|');
  if (parts.length !== 2) return null;
  const salt = decodeBase64(parts[0] ?? '');
  const hash = decodeBase64(parts[1] ?? '');
  if (salt === null || hash === null || salt.length !== SHA1_BYTES || hash.length !== SHA1_BYTES) return null;
  return { kind: 'hashed', salt, hash };
}

/** Parses known_hosts text. Bad lines are reported and skipped, as OpenSSH skips them; never throws. */
export function parseKnownHosts(text: string): ParseResult<KnownHostEntry[]> {
  const entries: KnownHostEntry[] = [];
  const issues: ParseIssue[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const content = (lines[index] ?? '').replace(/\r$/, '').trim();
    if (content === '' || content.startsWith('#')) continue;
    const fields = splitFields(content);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0]?.startsWith('@')) {
      const markerField = fields.shift();
      if (markerField === '@revoked') marker = 'revoked';
      else if (markerField === '@cert-authority') marker = 'cert-authority';
      else {
        issues.push({ line: lineNumber, message: `unknown marker "${markerField}"` });
        continue;
      }
    }
    const [namesField, keyTypeField, keyField] = fields;
    if (namesField === undefined || keyTypeField === undefined || keyField === undefined) {
      issues.push({ line: lineNumber, message: 'expected "hostnames keytype base64-key [comment]"' });
      continue;
    }
    let names: KnownHostNames | null;
    if (namesField.startsWith(HASH_MAGIC)) {
      names = parseHashedName(namesField);
      if (names === null) {
        issues.push({ line: lineNumber, message: 'malformed hashed host name (expected |1|base64-salt|base64-hmac)' });
        continue;
      }
    } else {
      names = { kind: 'patterns', patterns: namesField.split(',').filter((pattern) => pattern !== '') };
    }
    const keyBlob = decodeBase64(keyField);
    if (keyBlob === null) {
      issues.push({ line: lineNumber, message: 'key is not valid base64' });
      continue;
    }
    // sshkey_read refuses a line whose declared type differs from the type encoded in the key itself.
    const blobType = sshKeyTypeOfBlob(keyBlob);
    if (blobType !== keyTypeField) {
      issues.push({ line: lineNumber, message: `key type "${keyTypeField}" does not match the key data (${blobType ?? 'unreadable'})` });
      continue;
    }
    entries.push({ line: lineNumber, marker, names, keyType: keyTypeField, keyBlob });
  }
  return { data: entries, issues };
}

/** OpenSSH match_pattern(): `*` is any run of characters, `?` exactly one. */
function matchPattern(text: string, pattern: string): boolean {
  const source = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(text);
}

/**
 * OpenSSH match_hostname(): the name matches if some pattern matches and no negated (`!`) pattern does.
 * Host names are compared in lower case, as ssh lowercases the host it connects to.
 */
function patternListMatches(hostName: string, patterns: string[]): boolean {
  const name = hostName.toLowerCase();
  let positive = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (!matchPattern(name, pattern)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/** A hashed line names one host: HMAC-SHA1 of the lowercased name keyed by the line's salt (hostfile.c host_hash). */
export function entryMatchesHost(entry: KnownHostEntry, hostName: string): boolean {
  if (entry.names.kind === 'patterns') return patternListMatches(hostName, entry.names.patterns);
  const hmac = createHmac('sha1', entry.names.salt).update(hostName.toLowerCase()).digest();
  return timingSafeEqual(hmac, entry.names.hash);
}

/** The lines of `entries` that speak about any of `hostNames` (OpenSSH load_hostkeys for one name). */
export function entriesForHost(entries: readonly KnownHostEntry[], hostNames: readonly string[]): KnownHostEntry[] {
  return entries.filter((entry) => hostNames.some((name) => entryMatchesHost(entry, name)));
}

/**
 * The verdict OpenSSH's check_key_in_hostkeys() gives (hostfile.c, checked against OpenSSH 9.2's ssh):
 * an `@revoked` line with this key wins; otherwise a plain line with this key is a match; otherwise ANY plain
 * key for the host, of this type or another, makes it a mismatch ("Offending RSA key" when the server now
 * shows an ED25519 key). `@cert-authority` lines vouch only for host certificates, never for a plain key,
 * so they neither match nor conflict. The caller offers the already-known key types first in the key
 * exchange, like OpenSSH's order_hostkeyalgs(), so a host with several keys is checked with a known one.
 */
export function checkHostKey(
  entries: readonly KnownHostEntry[],
  hostNames: readonly string[],
  keyType: string,
  keyBlob: Buffer,
): HostKeyStatus {
  const forHost = entriesForHost(entries, hostNames);
  const sameKey = (entry: KnownHostEntry) => entry.keyType === keyType && entry.keyBlob.equals(keyBlob);
  if (forHost.some((entry) => entry.marker === 'revoked' && sameKey(entry))) return 'revoked';
  const plain = forHost.filter((entry) => entry.marker === null);
  if (plain.some(sameKey)) return 'match';
  return plain.length > 0 ? 'mismatch' : 'unknown';
}

/** The name a host is filed under: "host" on port 22, "[host]:port" otherwise (misc.c put_host_port). */
export function knownHostsName(hostName: string, port: number): string {
  return port === 22 ? hostName.toLowerCase() : `[${hostName.toLowerCase()}]:${port}`;
}

/** A known_hosts line for one name, unhashed so the user can read and edit the file. */
export function formatKnownHostsLine(hostName: string, keyBlob: Buffer): string {
  const keyType = sshKeyTypeOfBlob(keyBlob) ?? 'unknown';
  return `${hostName.toLowerCase()} ${keyType} ${keyBlob.toString('base64')}`;
}

/** `SHA256:` + unpadded base64 of the SHA-256 of the key blob, as `ssh-keygen -lf` prints it. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The short key name OpenSSH shows in messages ("ED25519 key fingerprint is …"). */
export function keyTypeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType === 'ssh-dss') return 'DSA';
  if (keyType.startsWith('ecdsa-sha2-')) return 'ECDSA';
  return keyType;
}
