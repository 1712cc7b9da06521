/**
 * Turns what the user typed ("root@pve", "lab:2222", "[::1]:2222", an alias from ~/.ssh/config) into the
 * concrete connection parameters, with the semantics of ssh(1) and ssh_config(5): for each keyword the first
 * value found wins, values given in the target itself (user@, :port) win over the config, IdentityFile
 * accumulates, and `%` tokens / `~` are expanded as in ssh_config(5) "TOKENS". Example config this reads:
 *
 *     Host pve
 *         HostName 192.168.1.20
 *         User root
 *         IdentityFile ~/.ssh/id_%h
 *         ProxyJump admin@bastion:2200
 *     Host *
 *         IdentitiesOnly yes
 *
 * No command is ever run: `Match exec` blocks are treated as not matching (OpenSSH would run them in a shell).
 */
// Named imports: ssh-config is CommonJS with `exports.default = SSHConfig`; Node, tsx and esbuild
// give a default import the whole exports object, where `SSHConfig.DIRECTIVE` is undefined.
import { LineType, parse as parseSshConfig, type default as SSHConfig } from 'ssh-config';
import { TransportError } from '../transport.ts';

export interface ResolvedTarget {
  /** The host as typed (an alias or a name), lowercased as ssh does. */
  host: string;
  /** Where to connect: HostName from the config, else `host`. */
  hostName: string;
  port: number;
  user: string;
  /** IdentityFile values, expanded. Empty when the config names none: the transport then tries ssh's defaults. */
  identityFiles: string[];
  /** Hops to go through, first hop first; null when none. Each hop is resolved through the config too. */
  proxyJump: ResolvedTarget[] | null;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  identitiesOnly: boolean;
  /** Name to look the host key up under instead of host/[host]:port. */
  hostKeyAlias: string | null;
  /** IdentityAgent: null when not set (use SSH_AUTH_SOCK), "none", "SSH_AUTH_SOCK", "$VAR" or a socket path. */
  identityAgent: string | null;
}

export interface ResolveContext {
  /** Text of ~/.ssh/config ('' when there is none). */
  configText: string;
  homeDir: string;
  /** The local user name: the default remote user and the %u token. */
  currentUser: string;
}

export interface TargetParts {
  user: string | null;
  host: string;
  port: number | null;
}

/** OpenSSH refuses these in host and user names (ssh.c valid_hostname / valid_ruser, 9.6) so they never reach a shell. */
const SHELL_METACHARACTERS = /['`"$\\;&<>|(){},]/;
const WHITESPACE_OR_CONTROL = /[\s\x00-\x1f\x7f]/;
/** ProxyJump chains longer than this are treated as a loop (e.g. `Host *` + `ProxyJump bastion`). */
const MAX_JUMP_DEPTH = 8;

function configError(message: string): TransportError {
  return new TransportError(message, 'config');
}

function validateHostName(host: string, what: string): void {
  if (host === '') throw configError(`${what}: the host name is empty.`);
  if (WHITESPACE_OR_CONTROL.test(host)) throw configError(`${what}: the host name "${host}" contains whitespace or control characters.`);
  if (host.startsWith('-')) throw configError(`${what}: the host name "${host}" starts with "-".`);
  if (SHELL_METACHARACTERS.test(host)) throw configError(`${what}: the host name "${host}" contains a character that is not allowed in host names.`);
}

function validateUserName(user: string, what: string): void {
  if (user === '') throw configError(`${what}: the user name before "@" is empty.`);
  if (WHITESPACE_OR_CONTROL.test(user) || user.startsWith('-') || SHELL_METACHARACTERS.test(user)) {
    throw configError(`${what}: the user name "${user}" is not allowed (whitespace, control characters, a leading "-" or shell characters).`);
  }
}

function parsePort(text: string, what: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw configError(`${what}: "${text}" is not a port number (1-65535).`);
  return port;
}

/**
 * Splits `[user@]host[:port]`, `[user@][v6addr]:port`, a bare IPv6 address or `ssh://[user@]host[:port]`.
 * The user is everything before the LAST "@", as in ssh.c, so "a@corp@host" is user "a@corp".
 */
export function parseSshTarget(target: string): TargetParts {
  const what = `SSH target "${target}"`;
  if (WHITESPACE_OR_CONTROL.test(target)) throw configError(`${what} contains whitespace or control characters.`);
  let rest = target;
  if (rest.startsWith('ssh://')) rest = rest.slice('ssh://'.length).replace(/\/$/, '');
  let user: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    validateUserName(user, what);
  }
  let host: string;
  let portText: string | null = null;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw configError(`${what}: "[" without a closing "]".`);
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw configError(`${what}: expected ":port" after "]".`);
      portText = after.slice(1);
    }
  } else {
    const colons = rest.split(':').length - 1;
    if (colons === 1) {
      const colon = rest.indexOf(':');
      host = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    } else {
      // Several colons and no brackets: a bare IPv6 address, which has no room for a port.
      host = rest;
    }
  }
  validateHostName(host, what);
  return { user, host, port: portText === null ? null : parsePort(portText, what) };
}

/** Keywords this module reads, in the spelling ssh-config's compute() compares case-sensitively. */
const CANONICAL_KEYWORDS = new Map(
  [
    'Host', 'Match', 'HostName', 'User', 'Port', 'IdentityFile', 'IdentitiesOnly', 'IdentityAgent', 'ProxyJump',
    'ProxyCommand', 'UserKnownHostsFile', 'GlobalKnownHostsFile', 'HostKeyAlias',
  ].map((keyword) => [keyword.toLowerCase(), keyword]),
);

type ConfigLine = SSHConfig[number];

/** ssh_config keywords are case-insensitive, but ssh-config's compute() matches `Host`, `IdentityFile`… exactly. */
function normaliseLines(lines: ConfigLine[]): ConfigLine[] {
  const kept: ConfigLine[] = [];
  for (const line of lines) {
    if (line.type !== LineType.DIRECTIVE) {
      kept.push(line);
      continue;
    }
    line.param = CANONICAL_KEYWORDS.get(line.param.toLowerCase()) ?? line.param;
    if ('criteria' in line && Object.keys(line.criteria).some((criterion) => criterion.toLowerCase() === 'exec')) continue;
    if ('config' in line) {
      const inner = normaliseLines([...line.config]);
      line.config.length = 0;
      line.config.push(...inner);
    }
    kept.push(line);
  }
  return kept;
}

function parseConfig(configText: string): SSHConfig {
  let config: SSHConfig;
  try {
    config = parseSshConfig(configText);
  } catch (error) {
    throw configError(`~/.ssh/config could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const lines = normaliseLines([...config]);
  config.length = 0;
  config.push(...lines);
  return config;
}

type Computed = Record<string, string | string[]>;

function firstValue(computed: Computed, keyword: string): string | null {
  const value = computed[keyword];
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

function allValues(computed: Computed, keyword: string): string[] {
  const value = computed[keyword];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** ssh_config(5) TOKENS, the subset that makes sense without a live connection. */
interface TokenValues {
  d: string;
  h: string;
  k: string;
  n: string;
  p: string;
  r: string;
  u: string;
}

function expandTokens(value: string, tokens: Partial<TokenValues>, keyword: string): string {
  return value.replace(/%(.)/gs, (whole, letter: string) => {
    if (letter === '%') return '%';
    const replacement = tokens[letter as keyof TokenValues];
    if (replacement === undefined) throw configError(`${keyword} "${value}": the token ${whole} is not supported here.`);
    return replacement;
  });
}

/** `~` and `~/…` are the home directory (misc.c tilde_expand); `~user` is not resolved here. */
function expandTilde(path: string, homeDir: string, keyword: string): string {
  if (path === '~') return homeDir;
  if (path.startsWith('~/')) return `${homeDir}${path.slice(1)}`;
  if (path.startsWith('~')) throw configError(`${keyword} "${path}": "~user" paths are not supported; write the full path.`);
  return path;
}

function expandPath(path: string, tokens: TokenValues, homeDir: string, keyword: string): string {
  return expandTokens(expandTilde(path, homeDir, keyword), tokens, keyword);
}

function resolveParts(parts: TargetParts, config: SSHConfig, context: ResolveContext, depth: number): ResolvedTarget {
  if (depth > MAX_JUMP_DEPTH) {
    throw configError(`ProxyJump nests more than ${MAX_JUMP_DEPTH} hops deep at "${parts.host}": the config probably jumps in a loop (e.g. "Host *" with ProxyJump also applies to the jump host; exclude it with "Host * !bastion").`);
  }
  // ssh lowercases the host before matching Host patterns (ssh.c).
  const host = parts.host.toLowerCase();
  const computed = config.compute(parts.user === null ? { Host: host } : { Host: host, User: parts.user }) as Computed;
  const what = `Config for "${host}"`;

  const hostNameSetting = firstValue(computed, 'HostName');
  const hostName = hostNameSetting === null ? host : expandTokens(hostNameSetting, { h: host }, 'HostName').toLowerCase();
  if (hostNameSetting !== null) validateHostName(hostName, `${what}, HostName`);

  const user = parts.user ?? firstValue(computed, 'User') ?? context.currentUser;
  validateUserName(user, `${what}, User`);
  const portSetting = firstValue(computed, 'Port');
  const port = parts.port ?? (portSetting === null ? 22 : parsePort(portSetting, `${what}, Port`));
  const hostKeyAlias = firstValue(computed, 'HostKeyAlias')?.toLowerCase() ?? null;

  const tokens: TokenValues = {
    d: context.homeDir,
    h: hostName,
    k: hostKeyAlias ?? hostName,
    n: host,
    p: String(port),
    r: user,
    u: context.currentUser,
  };
  const identityFiles = allValues(computed, 'IdentityFile').map((file) => expandPath(file, tokens, context.homeDir, 'IdentityFile'));
  const knownHostsList = (keyword: string, defaults: string[]) => {
    const values = allValues(computed, keyword);
    if (values.length === 0) return defaults;
    if (values.length === 1 && values[0]?.toLowerCase() === 'none') return [];
    return values.map((file) => expandPath(file, tokens, context.homeDir, keyword));
  };
  const identityAgentSetting = firstValue(computed, 'IdentityAgent');
  const identityAgent = identityAgentSetting === null || identityAgentSetting === 'none' || identityAgentSetting === 'SSH_AUTH_SOCK' || identityAgentSetting.startsWith('$')
    ? identityAgentSetting
    : expandPath(identityAgentSetting, tokens, context.homeDir, 'IdentityAgent');

  const proxyJumpSetting = firstValue(computed, 'ProxyJump');
  const proxyCommand = firstValue(computed, 'ProxyCommand');
  let proxyJump: ResolvedTarget[] | null = null;
  if (proxyJumpSetting !== null && proxyJumpSetting.toLowerCase() !== 'none') {
    const hops = proxyJumpSetting.split(',').map((hop) => parseSshTarget(hop.trim()));
    // Like `ssh -J a,b`: the first hop is reached with its own config (its own ProxyJump included),
    // each later hop through the one before it, so their own ProxyJump settings do not apply.
    proxyJump = hops.map((hop, index) => {
      const resolved = resolveParts(hop, config, context, depth + 1);
      return index === 0 ? resolved : { ...resolved, proxyJump: null };
    });
  } else if (proxyCommand !== null && proxyCommand.toLowerCase() !== 'none') {
    throw configError(`${what}: ProxyCommand is not supported (no local command is run); use ProxyJump instead.`);
  }

  return {
    host,
    hostName,
    port,
    user,
    identityFiles,
    proxyJump,
    userKnownHostsFiles: knownHostsList('UserKnownHostsFile', [`${context.homeDir}/.ssh/known_hosts`, `${context.homeDir}/.ssh/known_hosts2`]),
    globalKnownHostsFiles: knownHostsList('GlobalKnownHostsFile', ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']),
    identitiesOnly: firstValue(computed, 'IdentitiesOnly')?.toLowerCase() === 'yes',
    hostKeyAlias,
    identityAgent,
  };
}

/** Resolves a target string through the user's ssh config. Throws TransportError('config') on bad input. */
export function resolveSshTarget(target: string, context: ResolveContext): ResolvedTarget {
  return resolveParts(parseSshTarget(target), parseConfig(context.configText), context, 0);
}
