/**
 * Anonymisation (issue 5): no original serial number, MAC address, UUID, hostname, IP address or
 * user name survives in any report format, the same value always gets the same placeholder, and
 * everything the topology and the analysis rest on stays.
 *
 * The originals are collected from each snapshot first, independently of the code under test
 * (structured fields, and plain regular expressions over the snapshot's JSON), then every output is
 * searched for each of them. A control run without --anonymize proves the search finds them.
 *
 * Snapshots: the real SSH collection from the lab guest (hostname, SSH target, MAC in the command
 * line and the kernel log), every lab capture and the real machines with libvirt domains (UUIDs),
 * and one "busy host": the SSH collection with the free-text fields a real hypervisor fills in
 * (a user's home, network mounts, a libvirt VM, more log lines), whose values come from real
 * fixture files where the fixtures have them (DMI serial numbers and UUIDs from real dmidecode
 * output, MAC lines from a real kernel log, a UUID from a real libvirt domain).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anonymizeSnapshot } from '../../../main/core/anonymize/anonymize.ts';
import { Snapshot, type DmesgEvent } from '../../../main/core/model/snapshot.ts';
import { parseKernelCommandLine } from '../../../main/core/parsers/cmdline.ts';
import { parseLibvirtDomainXml } from '../../../main/core/parsers/libvirt.ts';
import { prepareReport, renderReport, type TextReportFormat } from '../../../main/core/report/report.ts';
import { FIXTURES, fixtureSnapshot, LAB_CASES, sshCollectedSnapshot } from '../report/cases.ts';

const FORMATS: TextReportFormat[] = ['md', 'html', 'json', 'svg'];

const MAC = /(?<![0-9a-f])[0-9a-f]{2}([:_-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}(?:\1[0-9a-f]{2}\1[0-9a-f]{2})?(?![0-9a-f])/gi;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)/g;

function fixtureLines(path: string, pattern: RegExp): string[] {
  return readFileSync(join(FIXTURES, path), 'utf8').split('\n').filter((l) => pattern.test(l));
}

/** Every value of the six kinds in `s`, found without the anonymiser. */
function originals(s: Snapshot): Map<string, string> {
  const found = new Map<string, string>();
  const json = JSON.stringify(s);
  if (s.host.hostname) found.set(s.host.hostname, 'hostname');
  const target = /^([^@]+)@(.+?)(?::\d+)?$/.exec(s.provenance.target);
  if (s.provenance.method === 'ssh' && target) {
    if (target[1] !== 'root') found.set(target[1]!, 'user');
    if (!target[2]!.startsWith('127.')) found.set(target[2]!, target[2]!.match(IPV4) ? 'ip' : 'hostname');
  }
  if (s.provenance.user && s.provenance.user !== 'root') found.set(s.provenance.user, 'user');
  for (const m of json.matchAll(/\/home\/([a-z0-9._-]+)/gi)) found.set(m[1]!, 'user');
  for (const m of s.hostUsage?.mounts ?? []) {
    const host = /^(?:\/\/([^/]+)\/|([\w.-]+):\/)/.exec(m.source);
    if (host) found.set(host[1] ?? host[2]!, (host[1] ?? host[2]!).match(IPV4) ? 'ip' : 'hostname');
  }
  for (const m of json.matchAll(MAC)) found.set(m[0], 'mac');
  for (const m of json.matchAll(UUID)) found.set(m[0], 'uuid');
  for (const m of json.matchAll(IPV4)) if (!m[0].startsWith('127.')) found.set(m[0], 'ip');
  for (const m of json.matchAll(/\b(?:fe80|fec0|fd[0-9a-f]{2}|2001):[0-9a-f:]*[0-9a-f]/gi)) found.set(m[0], 'ip');
  // Firmware fillers (Supermicro's "0123456789") and a USB root hub's "serial", which is its
  // controller's PCI address, identify no machine.
  for (const m of json.matchAll(/Serial ?Number:? ([A-Za-z0-9/-]{4,})/g)) {
    if (m[1] !== '0123456789' && !/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.\d$/.test(m[1]!)) found.set(m[1]!, 'serial');
  }
  return found;
}

function event(text: string): DmesgEvent {
  return { id: 'other', category: 'other', time: null, device: null, fields: {}, text };
}

/** The lab guest's SSH collection with what a busy hypervisor's snapshot holds besides. */
function busyHost(): Snapshot {
  const base = sshCollectedSnapshot();
  const dmiSerials = ['asokolsky-supermicro-x11scl-if', 'asokolsky-fujitsu-primergy-tx1320m3'].flatMap((c) =>
    fixtureLines(`realworld/${c}/dmidecode.txt`, /Serial Number: [A-Z0-9]{6,}/).map((l) => l.trim()));
  const dmiUuid = fixtureLines('realworld/asokolsky-supermicro-x11scl-if/dmidecode.txt', /UUID:/)[0]!.trim().slice('UUID: '.length);
  const macLines = fixtureLines('lab/flat/dmesg.txt', /e1000 .* 52:54:00:12:34:5[89]$/).map((l) => l.replace(/^\[[^\]]*\]\s*/, ''));
  const domain = parseLibvirtDomainXml(readFileSync(join(FIXTURES, 'realworld/joep-gigabyte-x570-aorus-pro-wifi/virsh-dumpxml-win10.xml'), 'utf8')).data;
  const ipv6 = fixtureLines('lab-ssh/mixed-collector-output.txt', /inet6 fe80::/)[0]!.trim();
  const cmdline = parseKernelCommandLine(`${base.cmdline!.raw} root=UUID=${dmiUuid} ip=192.168.10.7::192.168.10.1:255.255.255.0:pve-node7:eth2:none`).data;
  return {
    ...base,
    host: { ...base.host, hostname: 'pve-node7' },
    cmdline,
    iommu: { ...base.iommu, dmesg: [...base.iommu.dmesg, ...macLines.map(event), event('systemd[1]: Set hostname to <pve-node7>.'), event('usb 3-2: SerialNumber: 4C530001230509117112')] },
    libvirt: {
      domains: [{ ...domain, name: 'alice-win10', hostdevs: [{ address: '0000:01:00.0', managed: true }, { address: '0000:01:00.1', managed: true }] }],
      nodeDevices: [{ name: 'net_eth2_52_54_00_12_34_56', address: null, driver: null, iommuGroup: null, capability: 'net' }],
    },
    hostUsage: {
      ...base.hostUsage!,
      mounts: [
        { mountPoint: '/', source: '/dev/nvme0n1p2', pciDevices: ['0000:02:00.0'] },
        { mountPoint: '/home/alice/media', source: 'nas01.lab.example:/export/media', pciDevices: [] },
        { mountPoint: '/mnt/backup', source: '//192.168.10.20/backup', pciDevices: [] },
      ],
    },
    provenance: {
      ...base.provenance,
      target: 'alice@pve-node7.lab.example:2222',
      user: 'alice',
      inputs: [{ name: '/home/alice/atlas/pve-node7.snapshot.json', format: 'snapshot-json' }],
      warnings: [...dmiSerials.map((l) => `dmidecode.txt: ${l}`), `ip addr: ${ipv6}`],
    },
  };
}

function outputs(s: Snapshot, anonymize: boolean): Map<TextReportFormat, string> {
  const report = prepareReport(s, { anonymize });
  return new Map(FORMATS.map((f) => [f, renderReport(report, f)]));
}

function expectNoOriginals(name: string, s: Snapshot, minimum: Partial<Record<string, number>>): void {
  const found = originals(s);
  const kinds: Record<string, number> = {};
  for (const kind of found.values()) kinds[kind] = (kinds[kind] ?? 0) + 1;
  for (const [kind, n] of Object.entries(minimum)) expect(kinds[kind] ?? 0, `${name}: ${kind} values found`).toBeGreaterThanOrEqual(n!);

  const plain = outputs(s, false).get('json')!;
  for (const value of found.keys()) expect(plain.includes(value), `control: ${value} is in the plain JSON report`).toBe(true);
  for (const [format, text] of outputs(s, true)) {
    for (const [value, kind] of found) expect(text.includes(value), `${name} ${format}: ${kind} ${value} survived`).toBe(false);
  }
}

describe('no original value survives in any format', () => {
  it('busy host: hostname, user, SSH target, mounts, serials, MACs, UUIDs, IPv4 and IPv6 everywhere', () => {
    expectNoOriginals('busy host', busyHost(), { hostname: 3, user: 1, serial: 10, mac: 3, uuid: 2, ip: 5 });
  });

  it('the real SSH collection from the lab guest', () => {
    expectNoOriginals('lab-ssh', sshCollectedSnapshot(), { hostname: 1, mac: 1 });
  });

  for (const path of [...LAB_CASES, 'realworld/joep-gigabyte-x570-aorus-pro-wifi', 'realworld/spudd-threadripper-1950x-x399-radeon-vii', 'realworld/linuxhw-asus-prime-x570-pro']) {
    it(path, async () => {
      const s = await fixtureSnapshot(path);
      // The lab guest's hostname and its SSH MAC (lab.sshmac=) are in every capture; the real
      // libvirt domains carry UUIDs.
      expectNoOriginals(path, s, path.startsWith('lab/') ? { hostname: 1, mac: 1 } : path.includes('linuxhw') ? {} : { uuid: 1 });
    });
  }
});

describe('placeholders', () => {
  it('the same value gets the same placeholder everywhere, whatever its spelling', () => {
    const a = anonymizeSnapshot(busyHost()).snapshot;
    // lab.sshmac=52:54:00:12:34:56 on the command line, in dmesg's copy of it, and as libvirt's
    // node device name net_eth2_52_54_00_12_34_56.
    const mac = /lab\.sshmac=(\S+)/.exec(a.cmdline!.raw)![1]!;
    expect(mac).toMatch(/^mac-\d+$/);
    expect(a.iommu.dmesg.find((e) => e.text.startsWith('Command line:'))!.text).toContain(`lab.sshmac=${mac} `);
    expect(a.libvirt!.nodeDevices[0]!.name).toBe(`net_eth2_${mac}`);
    // The hostname in host.hostname, the SSH target, systemd's line and the ip= parameter.
    expect(a.host.hostname).toMatch(/^host-\d+$/);
    expect(a.iommu.dmesg.some((e) => e.text === `systemd[1]: Set hostname to <${a.host.hostname}>.`)).toBe(true);
    expect(a.cmdline!.raw).toContain(`:${a.host.hostname}:eth2:none`);
    // The user: the target, provenance.user, the home directory in mounts and input names.
    expect(a.provenance.user).toMatch(/^user-\d+$/);
    // The target's host is the whole name pve-node7.lab.example: a placeholder of its own.
    expect(a.provenance.target).toMatch(new RegExp(`^${a.provenance.user}@host-\\d+:2222$`));
    expect(a.provenance.target).not.toContain(`@${a.host.hostname}:`);
    expect(a.hostUsage!.mounts[1]!.mountPoint).toBe(`/home/${a.provenance.user}/media`);
    expect(a.provenance.inputs[0]!.name).toBe(`/home/${a.provenance.user}/atlas/${a.host.hostname}.snapshot.json`);
    // Two distinct MACs of the real e1000 lines get two placeholders, distinct from the first.
    const e1000 = a.iommu.dmesg.filter((e) => e.text.startsWith('e1000 ')).map((e) => e.text.split(' ').pop());
    expect(new Set([...e1000, mac]).size).toBe(3);
  });

  it('keeps what identifies no one: root, loopback, PCI addresses as USB root hub serials', () => {
    const base = sshCollectedSnapshot();
    const s: Snapshot = {
      ...base,
      iommu: { ...base.iommu, dmesg: [...base.iommu.dmesg, ...fixtureLines('lab/flat/dmesg.txt', /usb usb1: SerialNumber/).map((l) => event(l.replace(/^\[[^\]]*\]\s*/, ''))), event('lo: inet 127.0.0.1/8, inet6 ::1/128')] },
    };
    const a = anonymizeSnapshot(s).snapshot;
    expect(a.provenance.user).toBe('root');
    expect(a.provenance.target).toBe('root@127.0.0.1:2222');
    expect(a.iommu.dmesg.map((e) => e.text)).toContain('usb usb1: SerialNumber: 0000:00:05.0');
    expect(a.iommu.dmesg.map((e) => e.text)).toContain('lo: inet 127.0.0.1/8, inet6 ::1/128');
  });

  it('reports how many distinct values of each kind it replaced', () => {
    const { replaced } = anonymizeSnapshot(busyHost());
    const dmiSerials = new Set(['asokolsky-supermicro-x11scl-if', 'asokolsky-fujitsu-primergy-tx1320m3'].flatMap((c) =>
      fixtureLines(`realworld/${c}/dmidecode.txt`, /Serial Number: [A-Z0-9]{6,}/).map((l) => l.trim().slice('Serial Number: '.length))));
    dmiSerials.delete('0123456789');
    // 9 distinct DMI serials (system, board, chassis, DIMMs; the Fujitsu's system and chassis share
    // one) and the USB device's; pve-node7, pve-node7.lab.example, nas01.lab.example; alice;
    // 52:54:00:12:34:56, …:58, …:59; the DMI UUID and the libvirt domain's; 192.168.10.7, .1, .20,
    // the netmask 255.255.255.0 and fe80::5054:ff:fe12:3456.
    expect(dmiSerials.size).toBe(9);
    expect(replaced).toEqual({ hostname: 3, user: 1, serial: dmiSerials.size + 1, mac: 3, uuid: 2, ip: 5 });
  });
});

describe('the topology and the analysis stay', () => {
  for (const [name, make] of [['busy host', busyHost], ['lab-ssh', sshCollectedSnapshot]] as const) {
    it(`${name}: devices, groups, buses, slots, IOMMU units; verdicts and check statuses`, () => {
      const s = make();
      const a = anonymizeSnapshot(s).snapshot;
      expect(Snapshot.parse(a)).toEqual(a);
      expect(a.devices).toEqual(s.devices);
      expect(a.groups).toEqual(s.groups);
      expect(a.rootBuses).toEqual(s.rootBuses);
      expect(a.slots).toEqual(s.slots);
      expect(a.iommu.units).toEqual(s.iommu.units);
      expect(a.hostUsage!.sshInterface).toEqual(s.hostUsage!.sshInterface);
      expect(a.cmdline!.iommu).toEqual(s.cmdline!.iommu);
      const before = prepareReport(s, { anonymize: false }).analysis;
      const after = prepareReport(a, { anonymize: false }).analysis;
      expect(after.devices.map((d) => [d.address, d.verdict])).toEqual(before.devices.map((d) => [d.address, d.verdict]));
      expect(after.checks.map((c) => [c.id, c.status])).toEqual(before.checks.map((c) => [c.id, c.status]));
    });
  }
});

describe('property: values of every shape are replaced wherever they stand in free text', () => {
  const hex2 = fc.integer({ min: 0, max: 255 }).map((n) => n.toString(16).padStart(2, '0'));
  const mac = fc.tuple(fc.array(hex2, { minLength: 6, maxLength: 6 }), fc.constantFrom(':', '-')).map(([b, sep]) => b.join(sep));
  const uuid = fc.uuid();
  const ipv4 = fc.tuple(fc.integer({ min: 1, max: 126 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 })).map((p) => p.join('.'));
  const words = fc.string({ maxLength: 30 }).map((w) => w.replace(/[0-9a-fA-F:._-]/g, ''));

  it('never throws, keeps the schema, and leaves none of the inserted values', () => {
    const base = sshCollectedSnapshot();
    fc.assert(fc.property(fc.array(fc.tuple(words, fc.oneof(mac, uuid, ipv4), words), { minLength: 1, maxLength: 6 }), (parts) => {
      const lines = parts.map(([before, value, after]) => `${before} ${value} ${after}`);
      const s: Snapshot = { ...base, iommu: { ...base.iommu, dmesg: lines.map(event) }, provenance: { ...base.provenance, warnings: lines } };
      const a = anonymizeSnapshot(s).snapshot;
      expect(Snapshot.safeParse(a).success).toBe(true);
      const json = JSON.stringify(a);
      for (const [, value] of parts) expect(json.includes(value)).toBe(false);
    }), { numRuns: 300 });
  });
});
