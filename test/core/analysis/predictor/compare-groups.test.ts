import { describe, expect, it } from 'vitest';
import { compareGroups } from '../../../../main/core/analysis/predictor/compare-groups.ts';

describe('compareGroups', () => {
  it('equal partitions, in any order', () => {
    const r = compareGroups([['0000:00:01.0'], ['0000:01:00.1', '0000:01:00.0']], [['0000:01:00.0', '0000:01:00.1'], ['0000:00:01.0']]);
    expect(r.equal).toBe(true);
    expect(r.diffs).toEqual([
      { kind: 'equal', predicted: ['0000:00:01.0'], actual: ['0000:00:01.0'] },
      { kind: 'equal', predicted: ['0000:01:00.0', '0000:01:00.1'], actual: ['0000:01:00.0', '0000:01:00.1'] },
    ]);
  });

  it('split: the kernel split what we predicted together (one row per actual group)', () => {
    const r = compareGroups([['0000:00:1c.0', '0000:01:00.0']], [['0000:00:1c.0'], ['0000:01:00.0']]);
    expect(r.equal).toBe(false);
    expect(r.diffs).toEqual([
      { kind: 'split', predicted: ['0000:00:1c.0', '0000:01:00.0'], actual: ['0000:00:1c.0'] },
      { kind: 'split', predicted: ['0000:00:1c.0', '0000:01:00.0'], actual: ['0000:01:00.0'] },
    ]);
  });

  it('merged: the kernel merged what we predicted apart (one row per predicted group)', () => {
    const r = compareGroups([['0000:00:1d.0'], ['0000:00:1d.1']], [['0000:00:1d.0', '0000:00:1d.1']]);
    expect(r.diffs.map((d) => [d.kind, d.predicted])).toEqual([['merged', ['0000:00:1d.0']], ['merged', ['0000:00:1d.1']]]);
  });

  it('different: crossing overlaps and devices on one side only', () => {
    const r = compareGroups(
      [['0000:00:01.0', '0000:01:00.0'], ['0000:01:00.1'], ['0000:05:00.0']],
      [['0000:00:01.0'], ['0000:01:00.0', '0000:01:00.1'], ['0000:06:00.0']],
    );
    expect(r.equal).toBe(false);
    expect(r.diffs).toEqual([
      { kind: 'different', predicted: ['0000:00:01.0', '0000:01:00.0'], actual: ['0000:00:01.0'] },
      { kind: 'different', predicted: ['0000:00:01.0', '0000:01:00.0'], actual: ['0000:01:00.0', '0000:01:00.1'] },
      { kind: 'different', predicted: ['0000:01:00.1'], actual: ['0000:01:00.0', '0000:01:00.1'] },
      { kind: 'different', predicted: ['0000:05:00.0'], actual: [] },
      { kind: 'different', predicted: [], actual: ['0000:06:00.0'] },
    ]);
  });

  it('a group with an extra device on one side is different, not equal', () => {
    const r = compareGroups([['0000:00:14.0', '0000:00:14.3']], [['0000:00:14.0']]);
    expect(r.diffs.map((d) => d.kind)).toEqual(['different', 'different']);
  });
});
