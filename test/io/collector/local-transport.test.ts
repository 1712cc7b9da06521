/** LocalTransport: `sh -s` with the script on stdin, streamed stdout, exit code, timeout. */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalTransport } from '../../../main/io/local-transport.ts';
import { TransportError } from '../../../main/io/transport.ts';

/** Running (a killed process whose parent has not reaped it yet is a zombie, "Z": not running). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const waitUntil = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return cond();
};

describe('LocalTransport', () => {
  const transport = new LocalTransport();
  const saved = process.env.ATLAS_SUDO;
  afterEach(() => {
    if (saved === undefined) delete process.env.ATLAS_SUDO;
    else process.env.ATLAS_SUDO = saved;
  });

  it('identifies itself as this machine', () => {
    expect(transport.target).toBe('this machine');
    expect(transport.method).toBe('local');
  });

  it('feeds the script on stdin to sh and returns stdout, stderr and the exit code', async () => {
    const r = await transport.run({ command: 'plain', stdin: 'echo out; echo err >&2; exit 3\n', timeoutMs: 10_000 });
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
  });

  it('reports a death by signal as exit code null', async () => {
    const r = await transport.run({ command: 'plain', stdin: 'echo before; kill -9 $$\n', timeoutMs: 10_000 });
    expect(r.stdout).toBe('before\n');
    expect(r.exitCode).toBeNull();
  });

  it('merges options.env over the process environment', async () => {
    const r = await transport.run({
      command: 'plain', stdin: 'printf "%s|%s\\n" "$ATLAS_SYSROOT" "${PATH:+has-path}"\n', env: { ATLAS_SYSROOT: '/x y' }, timeoutMs: 10_000,
    });
    expect(r.stdout).toBe('/x y|has-path\n');
  });

  it('sets ATLAS_SUDO=1 for the sudo command only, whatever the caller environment holds', async () => {
    process.env.ATLAS_SUDO = '1';
    const script = 'echo "sudo=${ATLAS_SUDO-unset}"\n';
    expect((await transport.run({ command: 'plain', stdin: script, timeoutMs: 10_000 })).stdout).toBe('sudo=unset\n');
    delete process.env.ATLAS_SUDO;
    expect((await transport.run({ command: 'sudo', stdin: script, timeoutMs: 10_000 })).stdout).toBe('sudo=1\n');
  });

  it('streams stdout in order and decodes UTF-8 split across chunks', async () => {
    const chunks: string[] = [];
    // 200 KB of two-byte characters: pipe chunks (64 KiB) end in the middle of some of them.
    const r = await transport.run({
      command: 'plain',
      stdin: 'i=0; while [ $i -lt 2000 ]; do printf "%s\\n" "ééééééééééééééééééééééééééééééééééééééééééééééééé$i"; i=$((i+1)); done\n',
      timeoutMs: 20_000,
      onStdout: (c) => chunks.push(c),
    });
    expect(chunks.join('')).toBe(r.stdout);
    expect(r.stdout).not.toContain('\uFFFD');
    expect(r.stdout.split('\n')).toHaveLength(2001);
    expect(r.stdout.split('\n')[1999]).toBe(`${'é'.repeat(49)}1999`);
  });

  it('on timeout kills the whole process group and rejects with a timeout TransportError', async () => {
    let pids = '';
    const started = Date.now();
    const run = transport.run({
      command: 'plain',
      stdin: 'sleep 30 & echo "$!"; sleep 30\n',
      timeoutMs: 500,
      onStdout: (c) => { pids += c; },
    });
    await expect(run).rejects.toSatisfy((e) => e instanceof TransportError && e.kind === 'timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
    const background = Number(pids.trim());
    expect(background).toBeGreaterThan(0);
    // The background sleep is in the shell's process group: it must be gone too.
    expect(await waitUntil(() => !alive(background), 2_000)).toBe(true);
  });

  it('does not fail when the shell exits before reading all of stdin', async () => {
    const r = await transport.run({ command: 'plain', stdin: `exit 0\n${'#'.repeat(4 * 1024 * 1024)}\n`, timeoutMs: 10_000 });
    expect(r.exitCode).toBe(0);
  });

  it('close() ends runs still in progress', async () => {
    const t = new LocalTransport();
    let pid = '';
    const run = t.run({ command: 'plain', stdin: 'echo "$$"; sleep 30\n', timeoutMs: 60_000, onStdout: (c) => { pid += c; } });
    expect(await waitUntil(() => pid.includes('\n'), 5_000)).toBe(true);
    await t.close();
    const r = await run;
    expect(r.exitCode).toBeNull();
    expect(alive(Number(pid.trim()))).toBe(false);
  });
});
