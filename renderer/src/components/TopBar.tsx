/** The bar across the top: what is open, the search, the theme and the export. */
import type { RefObject } from 'react';
import { useApp, useAppState } from '../app/hooks.ts';
import { functionCount } from '../app/search.ts';
import type { GraphModel } from './graph-model.ts';

function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function TopBar({ model, searchRef }: { model: GraphModel | null; searchRef: RefObject<HTMLInputElement | null> }) {
  const { store, controller } = useApp();
  const open = useAppState((s) => s.open);
  const query = useAppState((s) => s.query);
  const theme = useAppState((s) => s.theme);
  const verdicts = useAppState((s) => s.verdicts);
  const snapshots = useAppState((s) => s.snapshots);
  const entry = snapshots.find((e) => e.id === open?.id);
  const host = open?.snapshot?.host;
  const matched = model?.matches ? functionCount(model.elements.nodes.filter((n) => model.matches!.has(n.id))) : null;

  return (
    <header className="topbar">
      <div className="brand" aria-label="IOMMU Atlas">
        <span className="brand-mark" aria-hidden="true" />
        IOMMU Atlas
      </div>
      <div className="open-title">
        {open?.snapshot ? (
          <>
            <strong>{host?.hostname ?? entry?.label ?? 'snapshot'}</strong>
            <span className="muted">
              {[host?.kernelRelease && `Linux ${host.kernelRelease}`, `${open.snapshot.devices.length} functions`, `${open.snapshot.groups.length} groups`,
                new Date(open.snapshot.provenance.collectedAt).toLocaleString()].filter(Boolean).join(' · ')}
            </span>
          </>
        ) : <span className="muted">No snapshot open</span>}
      </div>
      <div className="search">
        <input
          ref={searchRef}
          type="search"
          placeholder="Search   name, 01:00.0, 10de:2206, group:12, driver:vfio-pci, class:gpu, verdict:ready"
          aria-label="Search devices (press / to focus)"
          value={query}
          disabled={!open?.snapshot}
          onChange={(e) => store.dispatch({ type: 'query', query: e.target.value })}
          spellCheck={false}
        />
        <kbd className="search-key" aria-hidden="true">/</kbd>
        {matched !== null && (
          <span className="search-count" role="status">
            {matched} of {open?.snapshot?.devices.length ?? 0} functions
            {(query !== '' || verdicts.length > 0) && (
              <button type="button" className="link" onClick={() => store.dispatch({ type: 'clear-filters' })}>clear</button>
            )}
          </span>
        )}
      </div>
      <div className="topbar-actions">
        <button
          type="button"
          disabled={!open?.snapshot}
          title="Save the snapshot as JSON (iommu-atlas import reads it back)"
          onClick={async () => {
            if (!open) return;
            const file = await controller.exportSnapshot(open.id);
            if (file) download(file.fileName, file.json);
          }}
        >
          Export
        </button>
        <button
          type="button"
          aria-label={`Switch to the ${theme === 'dark' ? 'light' : 'dark'} theme`}
          title="Light or dark theme"
          onClick={() => store.dispatch({ type: 'theme', theme: theme === 'dark' ? 'light' : 'dark' })}
        >
          {theme === 'dark' ? 'Light' : 'Dark'}
        </button>
      </div>
    </header>
  );
}
