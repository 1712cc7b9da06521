/**
 * The collector for real on the machine running the tests, without a sysroot. The machine may
 * be a small VM with few PCI devices and no IOMMU, so the checks compare the output with what
 * Node itself reads from this machine rather than with fixed numbers.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { hostname, networkInterfaces, userInfo } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizePciAddress } from '../../../main/core/model/pci-address.ts';
import { parseSysfsSections } from '../../../main/core/parsers/sysfs-dump.ts';
import { COLLECTOR_SCRIPT_VERSION } from '../../../main/io/collector/script.ts';
import { runCollector, type CollectorRun } from '../../helpers/run-collector.ts';

const lastPci = (path: string) => path.split('/').reverse().map((p) => normalizePciAddress(p)).find((a) => a !== null) ?? null;

/** A non-internal IPv4 address of this machine and its interface, to play the SSH server address. */
const localAddress = Object.entries(networkInterfaces())
  .flatMap(([name, addrs]) => (addrs ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => ({ name, ip: a.address })))[0];

describe('collector on this machine', () => {
  let run: CollectorRun;
  let startedAt: number;
  beforeAll(async () => {
    startedAt = Math.floor(Date.now() / 1000);
    run = await runCollector(localAddress ? { SSH_CONNECTION: `203.0.113.5 40000 ${localAddress.ip} 22` } : {});
  });

  it('completes with every section framed', () => {
    expect(run.result.exitCode).toBe(0);
    expect(run.output.complete).toBe(true);
    expect(run.issues).toEqual([]);
    const names = run.output.sections.map((s) => s.name);
    expect(names.slice(0, 17)).toEqual([
      'meta', 'lspci', 'pci', 'iommu-groups', 'iommu-class', 'pci-slots', 'acpi-tables', 'dmi-id', 'cmdline',
      'version', 'os-release', 'cpuinfo', 'modules', 'kvm', 'vfio', 'hostusage', 'dmesg',
    ]);
    expect(names).toContain('dmidecode');
    expect(names).toContain('virsh');
  });

  it('describes who ran it, where and when', () => {
    const meta = Object.fromEntries(run.section('meta').content.trimEnd().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(meta).toMatchObject({
      script_version: String(COLLECTOR_SCRIPT_VERSION), uid: String(process.getuid!()), user: userInfo().username, hostname: hostname(),
      sysroot: '', sudo: 'not-requested', root: process.getuid!() === 0 ? 'yes' : 'no',
    });
    expect(Number(meta.date)).toBeGreaterThanOrEqual(startedAt - 1);
    expect(Number(meta.date)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
  });

  it('lists exactly the functions in /sys/bus/pci/devices, at their real paths', () => {
    const { data } = parseSysfsSections(run.output.sections);
    const entries = existsSync('/sys/bus/pci/devices') ? readdirSync('/sys/bus/pci/devices').sort() : [];
    expect(data.functions.map((f) => f.address)).toEqual(entries);
    for (const f of data.functions) {
      expect(`/sys/devices/${f.sysfsPath}`).toBe(realpathSync(`/sys/bus/pci/devices/${f.address}`));
    }
    // The ids are lspci's (the walk leaves them to it), or pci-ids' when lspci failed.
    for (const d of run.snapshot().devices) {
      expect(`0x${d.vendorId}`).toBe(readFileSync(`/sys/bus/pci/devices/${d.address}/vendor`, 'utf8').trim());
      expect(`0x${d.classCode}${d.progIf}`).toBe(readFileSync(`/sys/bus/pci/devices/${d.address}/class`, 'utf8').trim());
    }
    const groups = existsSync('/sys/kernel/iommu_groups') ? readdirSync('/sys/kernel/iommu_groups') : [];
    expect(data.groups!.map((g) => String(g.id)).sort()).toEqual(groups.sort());
  });

  it('runs lspci over the same functions', () => {
    const lspci = run.section('lspci');
    if (lspci.exitCode === 127) {
      expect(lspci.stderr).toContain('atlas: missing: lspci');
      return;
    }
    expect(lspci.exitCode).toBe(0);
    const headers = lspci.content.match(/^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] /gm) ?? [];
    expect(headers.map((h) => h.trim())).toEqual(parseSysfsSections(run.output.sections).data.functions.map((f) => f.address));
  });

  it('copies /proc/cmdline and /proc/version', () => {
    expect(run.section('cmdline').content).toBe(readFileSync('/proc/cmdline', 'utf8'));
    expect(run.section('version').content).toBe(readFileSync('/proc/version', 'utf8'));
  });

  it('maps mounted block devices and network interfaces to PCI devices as the kernel links them', () => {
    const { data } = parseSysfsSections(run.output.sections);
    const expectedMounts = readFileSync('/proc/mounts', 'utf8').trimEnd().split('\n')
      .map((l) => l.split(' '))
      .filter(([src]) => src!.startsWith('/dev/'))
      .map(([src, mp]) => {
        const name = src!.slice('/dev/'.length);
        const dev = `/sys/class/block/${name}`;
        const pci = !name.includes('/') && existsSync(dev) ? lastPci(realpathSync(dev)) : null;
        return { source: src, mountPoint: mp!.replace(/\\040/g, ' '), pci };
      });
    expect(data.hostUsage!.mounts.map((m) => m.source)).toEqual(expectedMounts.map((m) => m.source));
    for (const [i, m] of expectedMounts.entries()) {
      if (m.pci) expect(data.hostUsage!.mounts[i]!.pciDevices).toEqual([m.pci]);
    }
    const nets = readdirSync('/sys/class/net').filter((n) => existsSync(`/sys/class/net/${n}/uevent`)).sort();
    expect(data.hostUsage!.netInterfaces.map((n) => n.name)).toEqual(nets);
    for (const n of data.hostUsage!.netInterfaces) {
      const dev = `/sys/class/net/${n.name}/device`;
      expect(n.pciDevice).toBe(existsSync(dev) ? lastPci(realpathSync(dev)) : null);
    }
  });

  it.runIf(localAddress !== undefined)('finds the interface that holds the SSH server address', () => {
    const { data } = parseSysfsSections(run.output.sections);
    const dev = `/sys/class/net/${localAddress!.name}/device`;
    expect(data.hostUsage!.sshInterface).toEqual({
      name: localAddress!.name, pciDevice: existsSync(dev) ? lastPci(realpathSync(dev)) : null,
    });
  });
});
