/**
 * `iommu-atlas start` (`npm start`): the desktop app when Electron can run here, else the same app
 * in the browser through `serve`, saying why.
 *
 * Electron's npm package downloads its binary on first use: `require('electron')` runs that
 * download when the binary is missing (node_modules/electron/index.js), so this never requires it.
 * It reads the package's `path.txt` (the executable's path inside `dist/`, written by its
 * installer) and checks that the file exists, as index.js does, including ELECTRON_OVERRIDE_DIST_PATH.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORT, serve, type ServeIo } from './serve.ts';

/** The repository (or installed app) root: Electron runs it as an app through package.json `main`. */
export const APP_DIR = fileURLToPath(new URL('../../', import.meta.url));
/** What `npm run build:electron` writes, and package.json `main` names. */
export const ELECTRON_MAIN = join(APP_DIR, 'dist', 'electron', 'main.mjs');

export type ElectronBinary = { path: string } | { missing: string };

export interface ElectronFacts {
  /** node_modules/electron, or null when the package is not installed. */
  packageDir: string | null;
  env: Record<string, string | undefined>;
  exists: (path: string) => boolean;
  readText: (path: string) => string | null;
}

export function findElectronBinary(facts: ElectronFacts): ElectronBinary {
  if (facts.packageDir === null) return { missing: 'the electron package is not installed (npm ci installs it as a dev dependency)' };
  const executable = facts.readText(join(facts.packageDir, 'path.txt'))?.trim() || null;
  const override = facts.env['ELECTRON_OVERRIDE_DIST_PATH'];
  if (override) {
    const path = join(override, executable ?? 'electron');
    return facts.exists(path) ? { path } : { missing: `ELECTRON_OVERRIDE_DIST_PATH names ${path}, which does not exist` };
  }
  if (executable === null) {
    return { missing: 'Electron\'s binary was never downloaded (node_modules/electron has no path.txt; `npx install-electron` fetches it where its download is reachable)' };
  }
  const path = join(facts.packageDir, 'dist', executable);
  return facts.exists(path) ? { path } : { missing: `Electron's binary ${path} is missing (\`npx install-electron\` fetches it)` };
}

export type StartPlan = { mode: 'electron'; electron: string } | { mode: 'serve'; reason: string };

export function planStart(binary: ElectronBinary, facts: { platform: NodeJS.Platform; env: Record<string, string | undefined>; appBuilt: boolean }): StartPlan {
  if ('missing' in binary) return { mode: 'serve', reason: binary.missing };
  if (!facts.appBuilt) return { mode: 'serve', reason: `the desktop app is not built (${ELECTRON_MAIN} is missing: run \`npm run build:electron\`)` };
  // X11 or Wayland: without either, Electron's window cannot open (Linux and the BSDs).
  if (facts.platform !== 'darwin' && facts.platform !== 'win32' && !facts.env['DISPLAY'] && !facts.env['WAYLAND_DISPLAY']) {
    return { mode: 'serve', reason: 'there is no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  return { mode: 'electron', electron: binary.path };
}

function electronPackageDir(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

function readTextOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function runElectron(electron: string): Promise<{ code: number } | { failed: string }> {
  const env = { ...process.env };
  // Would make Electron a plain Node.js (and is refused by the packaged app's fuses anyway).
  delete env['ELECTRON_RUN_AS_NODE'];
  return new Promise((resolve) => {
    const child = spawn(electron, [APP_DIR], { stdio: 'inherit', env });
    child.once('error', (error) => resolve({ failed: error.message }));
    child.once('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0) }));
  });
}

export async function start(options: { open: boolean }, io: ServeIo): Promise<number> {
  const binary = findElectronBinary({ packageDir: electronPackageDir(), env: process.env, exists: existsSync, readText: readTextOrNull });
  const plan = planStart(binary, { platform: process.platform, env: process.env, appBuilt: existsSync(ELECTRON_MAIN) });
  if (plan.mode === 'electron') {
    const outcome = await runElectron(plan.electron);
    if ('code' in outcome) return outcome.code;
    io.stderr(`Electron could not start (${outcome.failed}).\n`);
  } else {
    io.stderr(`Not opening the desktop app: ${plan.reason}.\n`);
  }
  io.stderr('Serving the same app to the browser instead.\n');
  return serve({ port: DEFAULT_PORT, open: options.open, anyPortIfTaken: true }, io);
}
