/**
 * A transport runs the fixed collector script on a host and streams back what it prints.
 * The command line is one of a closed set (COLLECTOR_COMMANDS); the script travels on stdin.
 * No value from a host or a user is ever spliced into a command line.
 */

/** The only command lines a transport may run. `sudo` is asked for inside the script with `sudo -n`. */
export const COLLECTOR_COMMANDS = {
  plain: 'sh -s',
  sudo: 'ATLAS_SUDO=1 sh -s',
} as const;
export type CollectorCommand = keyof typeof COLLECTOR_COMMANDS;

export interface RunOptions {
  command: CollectorCommand;
  /** Sent on stdin, then stdin is closed. */
  stdin: string;
  /** Environment for the script (test hooks such as ATLAS_SYSROOT). Over SSH it needs AcceptEnv. */
  env?: Record<string, string>;
  /** The whole run must finish within this time. */
  timeoutMs: number;
  /** Called with every chunk of stdout as it arrives (progress). */
  onStdout?: (chunk: string) => void;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code, or null when the process ended by a signal or the connection closed without one. */
  exitCode: number | null;
}

export interface Transport {
  /** "this machine", "root@host:22". */
  readonly target: string;
  readonly method: 'local' | 'ssh';
  run(options: RunOptions): Promise<RunResult>;
  close(): Promise<void>;
}

/** A failure a person can act on; the CLI maps it to exit code 2. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'connect' | 'auth' | 'host-key-unknown' | 'host-key-changed' | 'timeout' | 'disconnected' | 'exec' | 'config',
    readonly details: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * The chunks of a run's stdout as one string. A string grown chunk by chunk with `+=` is a rope in
 * V8 (a ConsString), and stays one even once flattened: every character the parsers read through
 * it takes an extra step, and they read all of it (about 7% of the parse of a 10,000-function
 * host, measured in test/bench). `join` makes one flat string, once.
 */
export function joinOutput(chunks: readonly string[]): string {
  return chunks.join('');
}
