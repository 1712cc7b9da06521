import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analysisJson, analyzeSnapshot } from '../../main/core/analysis/analyze.ts';
import { snapshotToElements, type TopologyElements } from '../../main/core/graph/elements.ts';
import type { Snapshot } from '../../main/core/model/snapshot.ts';
import { importPaths } from '../../main/io/import.ts';
import { buildSearchIndex, isFiltering, matchNodes, parseQuery, type SearchEntry } from '../../renderer/src/app/search.ts';
import { LAB_DIR } from '../helpers/fstree.ts';

let snapshot: Snapshot;
let elements: TopologyElements;
let index: Map<string, SearchEntry>;
const find = (query: string, verdicts: Parameters<typeof matchNodes>[2] = []) =>
  [...matchNodes(index, parseQuery(query), verdicts)].map((id) => id.replace('fn:0000:', '').replace('vfs:0000:', 'VFs of ')).sort();

beforeAll(async () => {
  // vfio-bound: the mixed topology with 01:00.0/.1 and the VF 02:00.1 bound to vfio-pci.
  snapshot = await importPaths([join(LAB_DIR, 'vfio-bound')]);
  elements = snapshotToElements(snapshot, analysisJson(analyzeSnapshot(snapshot)));
  index = buildSearchIndex(elements, snapshot);
});

describe('search', () => {
  it('parses words and field filters, lower-cased', () => {
    expect(parseQuery('  NVMe  group:12 d:vfio-pci x:1 10DE:2206 ')).toEqual({
      words: ['nvme', 'x:1', '10de:2206'],
      filters: [{ field: 'group', value: '12' }, { field: 'driver', value: 'vfio-pci' }],
    });
    expect(isFiltering(' ', [])).toBe(false);
    expect(isFiltering('', ['ready'])).toBe(true);
  });

  it('finds devices by name, by address, by vendor:device id', () => {
    expect(find('nvme')).toEqual(['02:00.0', '07:00.0', 'VFs of 02:00.0']);
    expect(find('01:00')).toEqual(['01:00.0', '01:00.1']);
    // The 82574L of 03:00.0 is 8086:10d3 (lspci -nn).
    expect(find('8086:10d3')).toEqual(['03:00.0']);
    expect(find('id:1b36:0010')).toEqual(['02:00.0', '07:00.0', 'VFs of 02:00.0']);
  });

  it('narrows by group, driver, class and verdict, all words together', () => {
    expect(find('group:19')).toEqual(['0a:00.0', '0b:01.0', '0b:02.0']);
    expect(find('g:10')).toEqual(['00:1f.0', '00:1f.2', '00:1f.3']);
    expect(find('driver:e1000e')).toEqual(['03:00.0']);
    expect(find('class:usb')).toEqual(['00:1d.0', '00:1d.1', '00:1d.2', '00:1d.7', '04:00.0']);
    expect(find('class:nic group:19')).toEqual(['0b:01.0', '0b:02.0']);
    expect(find('verdict:blocked')).toEqual(['00:1f.2']);
    expect(find('v:vfio')).toEqual(['01:00.0', '01:00.1', 'VFs of 02:00.0']);
    expect(find('nvme verdict:bridge')).toEqual([]);
  });

  it('filters by the legend chips, alone or with a query', () => {
    expect(find('', ['host-critical'])).toEqual(['00:00.0', '00:1f.0', '00:1f.3']);
    expect(find('', ['blocked', 'whole-group'])).toEqual(['00:1f.2', '0b:01.0', '0b:02.0']);
    expect(find('82540', ['whole-group'])).toEqual(['0b:01.0']);
  });
});
