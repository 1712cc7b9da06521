/**
 * The report's graph looks like the app's. Palette and legend are shared (main/core/graph/palette.ts);
 * label clipping and icons are repeated in main/core/report, since main/core cannot import the
 * renderer; this test holds them equal to the app's own (renderer/src/graph).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GraphNode } from '../../../main/core/graph/elements.ts';
import { ICON_FILES } from '../../../main/core/report/graph-icons.ts';
import { clip, SUBTITLE_CHARS, TITLE_CHARS } from '../../../main/core/report/graph-style.ts';
import { nodeLabel } from '../../../renderer/src/graph/cy-elements.ts';

const ICON_DIR = join(import.meta.dirname, '../../../renderer/src/graph/icons');

describe('the report graph uses the app graph\'s look', () => {
  it('node labels clipped as the app clips them', () => {
    for (const title of ['GeForce RTX 3090 Ti', '82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]', 'x'.repeat(30), 'x'.repeat(31)]) {
      const subtitle = `${title} · 0000:01:00.0 · vfio-pci`;
      const node = { title, subtitle } as Pick<GraphNode, 'title' | 'subtitle'>;
      expect(`${clip(title, TITLE_CHARS)}\n${clip(subtitle, SUBTITLE_CHARS)}`).toBe(nodeLabel(node));
    }
  });

  it('the class icons, byte for byte', () => {
    const files = readdirSync(ICON_DIR).filter((f) => f.endsWith('.svg')).sort();
    expect(Object.keys(ICON_FILES).sort()).toEqual(files.map((f) => f.slice(0, -4)).sort());
    for (const f of files) expect(ICON_FILES[f.slice(0, -4) as keyof typeof ICON_FILES]).toBe(readFileSync(join(ICON_DIR, f), 'utf8'));
  });
});
