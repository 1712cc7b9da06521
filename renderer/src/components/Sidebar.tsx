/**
 * The left column: hosts (this machine, ~/.ssh/config aliases, hosts added by hand) with their
 * collection progress and errors, the snapshots of this run, the bundled samples, and import.
 */
import { useRef, useState } from 'react';
import { TargetText, type HostEntry, type SnapshotEntry } from '../../../main/core/contract/api.ts';
import { useApp, useAppState } from '../app/hooks.ts';
import { relativeTime } from '../app/format.ts';
import type { CollectStatus } from '../app/store.ts';

function HostRow({ host, status, sudo }: { host: HostEntry; status: CollectStatus | undefined; sudo: boolean }) {
  const { controller } = useApp();
  const running = status?.running ?? false;
  const error = status?.error ?? host.lastError;
  const last = status?.messages[status.messages.length - 1];
  return (
    <li className={`host${running ? ' running' : ''}`} data-host={host.id}>
      <div className="host-line">
        <span className={`host-kind ${host.kind}`} aria-hidden="true" />
        <div className="host-names">
          <span className="host-label">{host.label}</span>
          {host.kind === 'ssh' && host.target !== host.label && <span className="muted mono">{host.target}</span>}
        </div>
        <button type="button" className="small primary" disabled={running} onClick={() => void controller.collect(host.id, sudo)}>
          {running ? 'Collecting…' : 'Collect'}
        </button>
        {host.origin === 'manual' && (
          <button type="button" className="small ghost" aria-label={`Remove ${host.label}`} title="Remove" disabled={running} onClick={() => void controller.removeHost(host.id)}>
            ×
          </button>
        )}
      </div>
      {running && <div className="host-progress" role="status"><span className="spinner" aria-hidden="true" />{last ?? 'Starting…'}</div>}
      {!running && error && <div className="host-error" role="alert">{error}</div>}
      {!running && !error && (
        <div className="muted host-when" title={host.lastCollectedAt ?? undefined}>
          {host.lastCollectedAt ? `collected ${relativeTime(host.lastCollectedAt)}` : 'not collected yet'}
        </div>
      )}
    </li>
  );
}

function SnapshotRow({ entry, current }: { entry: SnapshotEntry; current: boolean }) {
  const { controller } = useApp();
  return (
    <li>
      <button type="button" className={`snapshot${current ? ' current' : ''}`} aria-current={current} onClick={() => void controller.open(entry.id)}>
        <span className="snapshot-label">{entry.label}</span>
        <span className="muted">{entry.origin} · {entry.devices} functions · {entry.groups} groups · {relativeTime(entry.collectedAt)}</span>
      </button>
    </li>
  );
}

export function Sidebar() {
  const { controller } = useApp();
  const hosts = useAppState((s) => s.hosts);
  const collect = useAppState((s) => s.collect);
  const snapshots = useAppState((s) => s.snapshots);
  const samples = useAppState((s) => s.samples);
  const open = useAppState((s) => s.open);
  const connection = useAppState((s) => s.connection);
  const connectionError = useAppState((s) => s.connectionError);
  const [target, setTarget] = useState('');
  const [sudo, setSudo] = useState(false);
  const fileInput = useRef<HTMLInputElement | null>(null);
  const valid = target === '' || TargetText.safeParse(target.trim()).success;

  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    const t = target.trim();
    if (t === '' || !valid) return;
    if (await controller.addHost(t)) setTarget('');
  };

  return (
    <nav className="sidebar" aria-label="Hosts and snapshots">
      {connection === 'failed' && <div className="host-error" role="alert">No back end: {connectionError}</div>}
      <section>
        <h2>Hosts</h2>
        <ul className="hosts">
          {hosts.map((h) => <HostRow key={h.id} host={h} status={collect[h.id]} sudo={sudo} />)}
        </ul>
        <form className="add-host" onSubmit={add}>
          <input
            type="text"
            placeholder="user@host[:port] or alias"
            aria-label="Add a host over SSH"
            aria-invalid={!valid}
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            spellCheck={false}
            autoCapitalize="off"
          />
          <button type="submit" className="small" disabled={target.trim() === '' || !valid}>Add</button>
        </form>
        <label className="check">
          <input type="checkbox" checked={sudo} onChange={(e) => setSudo(e.target.checked)} />
          collect with sudo (ACS and the full kernel log)
        </label>
      </section>
      <section>
        <h2>Snapshots</h2>
        {snapshots.length === 0 ? <p className="muted">None yet: collect a host, open a sample, or drop files here.</p> : (
          <ul className="snapshots">
            {[...snapshots].reverse().map((e) => <SnapshotRow key={e.id} entry={e} current={e.id === open?.id} />)}
          </ul>
        )}
        <div className="import">
          <button type="button" className="small" onClick={() => fileInput.current?.click()}>Import files…</button>
          <span className="muted">or drop / paste outputs</span>
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            onChange={async (e) => {
              const files = Array.from(e.target.files ?? []);
              e.target.value = '';
              if (files.length > 0) await controller.importFiles(await Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text() }))));
            }}
          />
        </div>
      </section>
      {samples.length > 0 && (
        <section>
          <h2>Samples</h2>
          <ul className="samples">
            {samples.map((name) => (
              <li key={name}>
                <button type="button" className="link" onClick={() => void controller.openSample(name)}>{name}</button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </nav>
  );
}
