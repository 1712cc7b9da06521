import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUserSshConfig } from '../../../main/io/ssh/ssh-config-file.ts';
import { parseSshTarget, resolveSshTarget, type ResolveContext } from '../../../main/io/ssh/ssh-target.ts';
import { TransportError } from '../../../main/io/transport.ts';
import { makeTempDir } from '../../helpers/sshd.ts';

const home = '/home/ada';
const context = (configText: string): ResolveContext => ({ configText, homeDir: home, currentUser: 'ada' });

function configErrorOf(action: () => unknown): TransportError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).kind).toBe('config');
    return error as TransportError;
  }
  throw new Error('expected a config error');
}

describe('parseSshTarget', () => {
  it.each([
    ['pve', { user: null, host: 'pve', port: null }],
    ['root@pve', { user: 'root', host: 'pve', port: null }],
    ['root@192.168.1.20:2222', { user: 'root', host: '192.168.1.20', port: 2222 }],
    ['[::1]:2222', { user: null, host: '::1', port: 2222 }],
    ['admin@[fe80::1%eth0]', { user: 'admin', host: 'fe80::1%eth0', port: null }],
    ['::1', { user: null, host: '::1', port: null }],
    ['ssh://root@lab:2200', { user: 'root', host: 'lab', port: 2200 }],
    ['ada@corp@jump.example', { user: 'ada@corp', host: 'jump.example', port: null }],
  ])('reads %s', (target, expected) => {
    expect(parseSshTarget(target)).toEqual(expected);
  });

  it.each([
    ['-oProxyCommand=evil', 'starts with "-"'],
    ['host name', 'whitespace'],
    ['host\u0007', 'control'],
    ['root@host;reboot', 'not allowed'],
    ['host:0', 'not a port'],
    ['host:65536', 'not a port'],
    ['host:22x', 'not a port'],
    ['[::1', 'closing'],
    ['@host', 'empty'],
    ['-root@host', 'not allowed'],
    ['', 'empty'],
  ])('refuses %j with a clear config error', (target, phrase) => {
    expect(configErrorOf(() => parseSshTarget(target)).message).toContain(phrase);
  });
});

describe('resolveSshTarget', () => {
  const config = `
# lab machines
Host pve
    HostName 192.168.1.20
    User root
    Port 2222
    IdentityFile ~/.ssh/id_%h_%r
    IdentityFile /keys/%u-%p-%n-%d-100%%
    ProxyJump bastion

Host bastion
    HostName bastion.example.org
    User jumper
    IdentityFile ~/.ssh/bastion_key
    IdentitiesOnly yes

host legacy
    hostname=10.0.0.9
    userknownhostsfile ~/.ssh/legacy_hosts %d/second_hosts
    hostkeyalias legacy-box

Host chain
    ProxyJump bastion,admin@inner:2200

Host direct
    ProxyJump none

Host *
    User fallback
    Port 2200
    IdentityFile ~/.ssh/default_%h
`;

  it('resolves an alias with HostName, User, Port, IdentityFile tokens and a ProxyJump hop', () => {
    const target = resolveSshTarget('pve', context(config));
    expect(target).toMatchObject({
      host: 'pve',
      hostName: '192.168.1.20',
      port: 2222,
      user: 'root',
      identitiesOnly: false,
      hostKeyAlias: null,
      userKnownHostsFiles: [`${home}/.ssh/known_hosts`, `${home}/.ssh/known_hosts2`],
    });
    // IdentityFile accumulates over every matching block; %h is the HostName, %n the alias, %d home, %% a "%".
    expect(target.identityFiles).toEqual([
      `${home}/.ssh/id_192.168.1.20_root`,
      '/keys/ada-2222-pve-/home/ada-100%',
      `${home}/.ssh/default_192.168.1.20`,
    ]);
    expect(target.proxyJump).toHaveLength(1);
    expect(target.proxyJump?.[0]).toMatchObject({
      host: 'bastion',
      hostName: 'bastion.example.org',
      user: 'jumper',
      port: 2200, // from "Host *": the first value found wins, and bastion's block sets no Port
      identitiesOnly: true,
      identityFiles: [`${home}/.ssh/bastion_key`, `${home}/.ssh/default_bastion.example.org`],
      proxyJump: null,
    });
  });

  it('lets the user and port typed in the target win over the config', () => {
    const target = resolveSshTarget('admin@pve:22', context(config));
    expect(target.user).toBe('admin');
    expect(target.port).toBe(22);
    expect(target.identityFiles[0]).toBe(`${home}/.ssh/id_192.168.1.20_admin`);
  });

  it('applies Host * defaults to a name that matches no other block', () => {
    const target = resolveSshTarget('unlisted.example', context(config));
    expect(target).toMatchObject({ hostName: 'unlisted.example', user: 'fallback', port: 2200, proxyJump: null });
    expect(target.identityFiles).toEqual([`${home}/.ssh/default_unlisted.example`]);
  });

  it('uses the local user, port 22 and no identity files when there is no config', () => {
    expect(resolveSshTarget('Lab.Example', context(''))).toEqual({
      host: 'lab.example',
      hostName: 'lab.example',
      port: 22,
      user: 'ada',
      identityFiles: [],
      proxyJump: null,
      userKnownHostsFiles: [`${home}/.ssh/known_hosts`, `${home}/.ssh/known_hosts2`],
      globalKnownHostsFiles: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
      identitiesOnly: false,
      hostKeyAlias: null,
      identityAgent: null,
    });
  });

  it('reads keywords in any case and with "=", UserKnownHostsFile lists and HostKeyAlias', () => {
    const target = resolveSshTarget('legacy', context(config));
    expect(target.hostName).toBe('10.0.0.9');
    expect(target.userKnownHostsFiles).toEqual([`${home}/.ssh/legacy_hosts`, `${home}/second_hosts`]);
    expect(target.hostKeyAlias).toBe('legacy-box');
  });

  it('resolves a ProxyJump chain hop by hop; later hops keep their typed user and port', () => {
    const target = resolveSshTarget('chain', context(config));
    expect(target.proxyJump?.map((hop) => `${hop.user}@${hop.hostName}:${hop.port}`)).toEqual([
      'jumper@bastion.example.org:2200',
      'admin@inner:2200',
    ]);
  });

  it('treats ProxyJump none as no jump, even when a later block sets one', () => {
    const text = 'Host direct\n  ProxyJump none\nHost *\n  ProxyJump bastion\n';
    expect(resolveSshTarget('direct', context(text)).proxyJump).toBeNull();
  });

  it('reports a ProxyJump loop (Host * applying to the jump host itself) instead of recursing forever', () => {
    const text = 'Host *\n  ProxyJump bastion\n';
    expect(configErrorOf(() => resolveSshTarget('pve', context(text))).message).toContain('loop');
  });

  it('refuses ProxyCommand instead of silently connecting directly', () => {
    const text = 'Host pve\n  ProxyCommand ssh -W %h:%p bastion\n';
    expect(configErrorOf(() => resolveSshTarget('pve', context(text))).message).toContain('ProxyJump instead');
  });

  it('applies Match host blocks against the HostName', () => {
    const text = 'Host box\n  HostName 10.0.0.5\nMatch host 10.0.0.*\n  User matched\n';
    expect(resolveSshTarget('box', context(text)).user).toBe('matched');
    expect(resolveSshTarget('10.0.1.5', context(text)).user).toBe('ada');
  });

  it('rejects bad host names coming from the config, bad ports and unknown tokens', () => {
    expect(configErrorOf(() => resolveSshTarget('x', context('Host x\n  HostName -oops\n'))).message).toContain('"-"');
    expect(configErrorOf(() => resolveSshTarget('x', context('Host x\n  Port many\n'))).message).toContain('not a port');
    expect(configErrorOf(() => resolveSshTarget('x', context('Host x\n  IdentityFile ~/.ssh/%C\n'))).message).toContain('%C');
    expect(configErrorOf(() => resolveSshTarget('x', context('Host x\n  IdentityFile ~bob/key\n'))).message).toContain('~user');
    expect(configErrorOf(() => resolveSshTarget('x', context('Host "unclosed\n'))).message).toContain('~/.ssh/config');
  });

  it('expands HostName %h and keeps IdentityAgent settings for the transport', () => {
    const text = 'Host box\n  HostName %h.lab.example\n  IdentityAgent ~/.1password/agent.sock\nHost other\n  IdentityAgent none\n';
    expect(resolveSshTarget('box', context(text))).toMatchObject({ hostName: 'box.lab.example', identityAgent: `${home}/.1password/agent.sock` });
    expect(resolveSshTarget('other', context(text)).identityAgent).toBe('none');
  });
});

describe('readUserSshConfig', () => {
  let homeDir: string;

  beforeAll(async () => {
    homeDir = await makeTempDir('atlas-ssh-config-');
    await mkdir(join(homeDir, '.ssh', 'config.d'), { recursive: true });
    await writeFile(join(homeDir, '.ssh', 'config'), [
      'Include config.d/*.conf ~/.ssh/missing-file',
      'User toplevel',
      'Host pve',
      '  Port 2200',
    ].join('\n'));
    await writeFile(join(homeDir, '.ssh', 'config.d', '10-lab.conf'), 'Host pve\n  HostName 10.1.1.1\nHost nas\n  HostName 10.1.1.2\n');
    await writeFile(join(homeDir, '.ssh', 'config.d', '20-more.conf'), 'Host pve\n  HostName ignored-later-value\n  User labuser\n');
    await writeFile(join(homeDir, '.ssh', 'config.d', 'notes.txt'), 'Host pve\n  User not-included\n');
  });

  afterAll(async () => {
    await rm(homeDir, { recursive: true, force: true });
  });

  it('splices Include files in lexical order and keeps lines after the Include applying to every host', async () => {
    const text = await readUserSshConfig(homeDir);
    const at = (target: string) => resolveSshTarget(target, { configText: text, homeDir, currentUser: 'ada' });
    expect(at('pve')).toMatchObject({ hostName: '10.1.1.1', user: 'labuser', port: 2200 });
    expect(at('nas')).toMatchObject({ hostName: '10.1.1.2', user: 'toplevel', port: 22 });
    expect(at('other')).toMatchObject({ hostName: 'other', user: 'toplevel' });
  });

  it('returns an empty config when ~/.ssh/config does not exist', async () => {
    expect(await readUserSshConfig(join(homeDir, 'nobody'))).toBe('');
  });
});
