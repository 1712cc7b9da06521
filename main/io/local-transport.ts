/**
 * Runs the collector on this machine: `sh -s` with the script on stdin, exactly like the SSH
 * transport does on a remote host, so both paths exercise the same script. The sudo variant is
 * the same `sh -s` with ATLAS_SUDO=1 in its environment; no shell command line is ever built.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { joinOutput, TransportError, type RunOptions, type RunResult, type Transport } from './transport.ts';

export class LocalTransport implements Transport {
  readonly target = 'this machine';
  readonly method = 'local' as const;
  private readonly running = new Set<ChildProcess>();

  run(options: RunOptions): Promise<RunResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    // The command decides about sudo, not whatever ATLAS_SUDO the caller's environment holds.
    if (options.command === 'sudo') env.ATLAS_SUDO = '1';
    else delete env.ATLAS_SUDO;

    return new Promise<RunResult>((resolve, reject) => {
      let child: ChildProcess;
      try {
        // detached: the shell leads its own process group, so a timeout can end lspci, virsh… too.
        child = spawn('sh', ['-s'], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      } catch (err) {
        reject(new TransportError(`cannot start sh: ${(err as Error).message}`, 'exec'));
        return;
      }
      this.running.add(child);
      const out = new StringDecoder('utf8');
      const errDecoder = new StringDecoder('utf8');
      // The output as it arrives, joined once at the end (see joinOutput).
      const stdout: string[] = [];
      let stderr = '';
      let settled = false;
      const finish = (action: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.running.delete(child);
        action();
      };

      const timer = setTimeout(() => {
        killGroup(child);
        finish(() => reject(new TransportError(
          `the collector did not finish within ${options.timeoutMs} ms on this machine`, 'timeout',
          { timeoutMs: String(options.timeoutMs) },
        )));
      }, options.timeoutMs);

      child.stdout!.on('data', (chunk: Buffer) => {
        const text = out.write(chunk);
        if (text === '') return;
        stdout.push(text);
        options.onStdout?.(text);
      });
      child.stderr!.on('data', (chunk: Buffer) => { stderr += errDecoder.write(chunk); });
      child.on('error', (err) => finish(() => reject(new TransportError(`cannot run sh: ${err.message}`, 'exec'))));
      child.on('close', (code) => {
        const rest = out.end();
        if (rest) {
          stdout.push(rest);
          options.onStdout?.(rest);
        }
        stderr += errDecoder.end();
        finish(() => resolve({ stdout: joinOutput(stdout), stderr, exitCode: code }));
      });
      // The shell may exit before reading all of stdin (e.g. a syntax error): EPIPE is not our failure.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.stdin);
    });
  }

  async close(): Promise<void> {
    for (const child of this.running) killGroup(child);
    this.running.clear();
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
