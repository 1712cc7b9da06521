/**
 * The hosts a person already named in ~/.ssh/config, offered in the app's host list. Only the
 * concrete aliases of `Host` lines (ssh_config(5) "PATTERNS": `*` and `?` are wildcards, `!`
 * negates) are hosts one can connect to; `Match` blocks and patterns are not. Example:
 *
 *     Host pve pve.lan        → pve, pve.lan
 *         HostName 192.168.1.20
 *     Host *.internal !bastion  → nothing (patterns)
 *     Host *                  → nothing
 */
// Named imports: ssh-config is CommonJS with `exports.default = SSHConfig`, and Node (and tsx,
// and esbuild's ESM output) give a default import the whole exports object, without the class's
// statics (SSHConfig.DIRECTIVE is undefined there). parse and LineType are real named exports.
import { LineType, parse } from 'ssh-config';
import { TargetText } from '../core/contract/api.ts';
import { parseSshTarget } from '../io/ssh/ssh-target.ts';

const PATTERN = /[*?!]/;

function hostValues(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter((word) => word !== '');
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'object' && item !== null && 'val' in item ? String(item.val) : String(item)));
  return [];
}

/** Aliases in the order the config lists them, each once; an unparseable config offers none. */
export function sshConfigAliases(configText: string): string[] {
  let config: ReturnType<typeof parse>;
  try {
    config = parse(configText);
  } catch {
    return [];
  }
  const aliases: string[] = [];
  for (const line of config) {
    if (line.type !== LineType.DIRECTIVE || line.param.toLowerCase() !== 'host') continue;
    for (const alias of hostValues(line.value)) {
      if (PATTERN.test(alias) || aliases.includes(alias) || !TargetText.safeParse(alias).success) continue;
      try {
        // Same rules as connecting: an alias that could never be a target is not offered.
        parseSshTarget(alias);
      } catch {
        continue;
      }
      aliases.push(alias);
    }
  }
  return aliases;
}
