/**
 * The packaging configuration, read and validated by electron-builder's own loader and JSON schema
 * (app-builder-lib), then checked for what the app promises: Linux AppImage/deb/rpm, macOS dmg,
 * Windows nsis, asar, hardened fuses, and only the built files in the package.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import type { Configuration } from 'app-builder-lib';
import { DebugLogger } from 'builder-util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let config: Configuration;

beforeAll(async () => {
  config = await getConfig(ROOT, 'build/electron-builder.yml', null);
});

/** electron-builder `files` globs (`**`, `*`, leading `!`), as regular expressions. */
function globToRegExp(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\u0000').replace(/\*\*/g, '.*').replace(/\*/g, '[^/]*').replace(/\u0000/g, '(?:.*/)?');
  return new RegExp(`^${source}$`);
}

function packed(path: string, patterns: string[]): boolean {
  let included = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (globToRegExp(pattern.slice(1)).test(path)) included = false;
    } else if (globToRegExp(pattern).test(path)) {
      included = true;
    }
  }
  return included;
}

describe('build/electron-builder.yml', () => {
  it('is a valid configuration for the installed electron-builder', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // The schema is strict: a misspelt fuse would not pass (so the check above can fail).
    const misspelt = { ...config, electronFuses: { ...config.electronFuses, runAsNodes: false } } as Configuration;
    await expect(validateConfiguration(misspelt, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });

  it('targets Linux (AppImage, deb, rpm), macOS (dmg) and Windows (nsis)', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb', 'rpm']);
    expect(config.mac?.target).toBe('dmg');
    expect(config.win?.target).toBe('nsis');
    expect(config.appId).toBe('io.github.iommu-atlas');
    expect(config.productName).toBe('IOMMU Atlas');
  });

  it('packs the app into asar and hardens the fuses', () => {
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('ships the built files only: the bundles, the page, the samples; no sources, maps or node_modules', () => {
    const files = config.files as { filter: string[] }[];
    const patterns = files.flatMap((f) => f.filter);
    for (const path of ['package.json', 'dist/electron/main.mjs', 'dist/electron/preload.cjs', 'dist/electron/collect.sh', 'dist/renderer/index.html', 'dist/renderer/assets/index-Bx3k.js', 'dist/samples/lab-q35-mixed/dmesg.txt']) {
      expect(packed(path, patterns), path).toBe(true);
    }
    for (const path of ['main/electron/main.ts', 'renderer/src/main.tsx', 'test/fixtures/lab/mixed/dmesg.txt', 'dist/electron/main.mjs.map', 'node_modules/ssh2/lib/index.js', 'dist/renderer/node_modules/x/index.js', 'README.md', '.git/config']) {
      expect(packed(path, patterns), path).toBe(false);
    }
    expect(config.npmRebuild).toBe(false);
    expect(config.directories).toEqual({ output: 'out', buildResources: 'build' });
  });

  it('the package\'s entry point is the bundle `npm run build:electron` writes', async () => {
    const pkg = JSON.parse(await readFile(`${ROOT}package.json`, 'utf8'));
    expect(pkg.main).toBe('dist/electron/main.mjs');
    expect(pkg.scripts['build:electron']).toBe('node build/build-electron.mjs');
    expect(pkg.scripts.dist).toBe('npm run build && electron-builder --config build/electron-builder.yml --publish never');
    expect(pkg.devDependencies.electron).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
