/**
 * `iommu-atlas serve`: start the back end and the page's server, print the address, run until
 * Ctrl-C (SIGINT) or SIGTERM.
 */
import { AtlasService } from '../service/atlas-service.ts';
import { DEFAULT_RENDERER_DIR, startAtlasServer, type AtlasServer } from '../server/server.ts';
import { openBrowser } from '../server/open-browser.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A fixed default, so an SSH tunnel command can be written once: `ssh -L 7311:127.0.0.1:7311 host`. */
export const DEFAULT_PORT = 7311;

export interface ServeOptions {
  port: number;
  open: boolean;
  /** When the requested port is taken, take any free one instead of failing (`start`'s fallback). */
  anyPortIfTaken?: boolean;
}

export interface ServeIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Thrown when the port is taken: the CLI reports it as an input error (exit 2). */
export class PortInUseError extends Error {}

function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function listen(service: AtlasService, options: ServeOptions): Promise<AtlasServer> {
  try {
    return await startAtlasServer({ service, port: options.port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    if (options.anyPortIfTaken) return startAtlasServer({ service, port: 0 });
    throw new PortInUseError(`port ${options.port} on 127.0.0.1 is in use; choose another with --port N (--port 0: any free port)`);
  }
}

export async function serve(options: ServeOptions, io: ServeIo, stopped: Promise<void> = stopSignal()): Promise<number> {
  const service = new AtlasService();
  let server: AtlasServer;
  try {
    server = await listen(service, options);
  } catch (error) {
    await service.close();
    throw error;
  }
  io.stdout(`${server.url}\n`);
  io.stderr([
    'IOMMU Atlas is serving on 127.0.0.1 only. Open the address above: it carries this run\'s access token.',
    `From another machine: ssh -L ${server.port}:127.0.0.1:${server.port} <this host>, then open the same address there.`,
    ...(existsSync(join(DEFAULT_RENDERER_DIR, 'index.html')) ? [] : ['The page is not built yet: run `npm run build:renderer` (the API works without it).']),
    'Ctrl-C stops it.',
    '',
  ].join('\n'));
  if (options.open) openBrowser(server.url);
  await stopped;
  await server.close();
  await service.close();
  return 0;
}
