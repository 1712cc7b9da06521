/**
 * The right column: the inspector of the selected device, group or host, and the readiness
 * checklist of the open snapshot (from `snapshots.analyze`).
 */
import type { RefObject } from 'react';
import type { AnalysisResult } from '../../../main/core/contract/api.ts';
import { useApp, useAppState } from '../app/hooks.ts';
import { groupDetails, nodeDetails, verdictLabel, type Details, type Fact, type GroupDetails, type GroupMember } from '../app/inspector.ts';
import { ICONS } from '../graph/icons.ts';
import type { GraphModel } from './graph-model.ts';

const short = (a: string) => (a.startsWith('0000:') ? a.slice(5) : a);

function VerdictBadge({ verdict }: { verdict: string | null }) {
  if (verdict === null) return null;
  return <span className={`badge v-${verdict}`}>{verdictLabel(verdict)}</span>;
}

function Facts({ facts }: { facts: Fact[] }) {
  return (
    <dl className="facts">
      {facts.map((f) => (
        <div key={f.label} className={f.value === 'unknown' ? 'unknown' : undefined}>
          <dt>{f.label}</dt>
          <dd>{f.value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Members({ members }: { members: GroupMember[] }) {
  const { store } = useApp();
  return (
    <ul className="members">
      {members.map((m) => (
        <li key={m.address}>
          <button type="button" className="link mono" onClick={() => store.dispatch({ type: 'select', node: `fn:${m.address}` })}>{short(m.address)}</button>
          <span className="member-name">{m.name}</span>
          <VerdictBadge verdict={m.verdict} />
        </li>
      ))}
    </ul>
  );
}

function Group({ group }: { group: GroupDetails }) {
  return (
    <section className="inspector-section" aria-label={`IOMMU group ${group.id}`}>
      <h3>IOMMU group {group.id} <VerdictBadge verdict={group.verdict} /></h3>
      <p className="muted">{group.members.length} device{group.members.length === 1 ? '' : 's'}{group.type ? ` · domain type ${group.type}` : ''}</p>
      <Members members={group.members} />
      {group.reasons.map((r) => <p key={r}>{r}</p>)}
      {group.explanations.map((r) => <p key={r} className="explanation">{r}</p>)}
      {group.otherMembers.length > 0 && <p>Other members: {group.otherMembers.join(', ')}</p>}
      {group.reserved.length > 0 && (
        <details>
          <summary>Reserved regions ({group.reserved.length})</summary>
          <ul className="mono small-list">{group.reserved.map((r) => <li key={r}>{r}</li>)}</ul>
        </details>
      )}
    </section>
  );
}

function Inspector({ details }: { details: Details }) {
  const { store } = useApp();
  if (details.kind !== 'function') {
    return (
      <article className="inspector" aria-label={details.title}>
        <header className="inspector-head">
          <img src={details.kind === 'host' ? ICONS.host : details.kind === 'vf-summary' ? ICONS.other : ICONS['root-complex']} alt="" />
          <h2>{details.title}</h2>
        </header>
        <Facts facts={details.facts} />
        {details.members.length > 0 && <Members members={details.members} />}
      </article>
    );
  }
  return (
    <article className="inspector" aria-label={`Device ${details.address}`}>
      <header className="inspector-head">
        <h2>{details.title}</h2>
        <p className="mono">{details.address}</p>
        {details.classLabel && <span className="badge class-badge">{details.classLabel}</span>}
        <VerdictBadge verdict={details.verdict} />
        {details.analysisVerdict && details.analysisVerdict !== details.verdict && <VerdictBadge verdict={details.analysisVerdict} />}
      </header>
      {details.reasons.length > 0 && <section className="inspector-section verdict-reasons">{details.reasons.map((r) => <p key={r}><WithCode text={r} /></p>)}</section>}
      {details.assignWith.length > 0 && <p>Assign together with: <span className="mono">{details.assignWith.map(short).join(', ')}</span></p>}
      {details.details.length > 0 && <ul className="details-list">{details.details.map((d) => <li key={d}>{d}</li>)}</ul>}
      {details.vfCount > 0 && (
        <button type="button" onClick={() => store.dispatch({ type: 'toggle-vfs', pf: details.address })}>
          {details.vfsExpanded ? 'Collapse' : 'Show'} its {details.vfCount} VF{details.vfCount === 1 ? '' : 's'}
        </button>
      )}
      <section className="inspector-section">
        <h3>Owner VM</h3>
        {details.owners === null ? <p className="muted">Not known: libvirt was not read.</p>
          : details.owners.length === 0 ? <p className="muted">No libvirt domain lists it.</p>
            : <ul>{details.owners.map((o) => <li key={o.name}><strong>{o.name}</strong>{o.state ? ` (${o.state})` : ''}</li>)}</ul>}
      </section>
      {details.group && <Group group={details.group} />}
      <section className="inspector-section" aria-label="Path to the root">
        <h3>Path to the root</h3>
        <ol className="path">
          {details.path.map((hop) => (
            <li key={hop.address}>
              <div><span className="mono">{short(hop.address)}</span> {hop.name} <span className="muted">· {hop.type}</span></div>
              <div className="muted small">
                {hop.link ? <span className={hop.downgraded ? 'downgraded' : undefined}>link {hop.link}{hop.downgraded ? ` (both ends can do ${hop.capable})` : ''}</span> : 'no link of its own'}
                {' · ACS '}<span className={hop.isolates === false ? 'acs-off' : undefined}>{hop.acs}</span>
              </div>
            </li>
          ))}
        </ol>
      </section>
      <section className="inspector-section">
        <h3>Facts</h3>
        <Facts facts={details.facts} />
      </section>
    </article>
  );
}

const STATUS_MARK: Record<string, string> = { pass: '✓', warn: '!', fail: '✗', unknown: '?' };

/** The analysis writes commands between backticks: shown as code, everything else as text. */
function WithCode({ text }: { text: string }) {
  return <>{text.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</>;
}

function Checklist({ analysis, error, loading }: { analysis: AnalysisResult | null; error: string | null; loading: boolean }) {
  if (loading) return <p className="muted">Analysing…</p>;
  if (!analysis) return <p className="muted">The readiness checklist is unavailable{error ? `: ${error}` : ''}.</p>;
  const notes = Array.isArray(analysis.notes) ? (analysis.notes as unknown[]).filter((n): n is string => typeof n === 'string') : [];
  return (
    <div className="checklist">
      <ol>
        {analysis.checks.map((c) => (
          <li key={c.id} className={`check-item ${c.status}`}>
            <span className="check-mark" aria-label={c.status}>{STATUS_MARK[c.status]}</span>
            <div>
              <div className="check-title">{typeof c.title === 'string' ? c.title : c.id}</div>
              <div className="muted small">{c.evidence}</div>
              {c.status !== 'pass' && <div className="remedy"><WithCode text={c.remedy} /></div>}
            </div>
          </li>
        ))}
      </ol>
      {notes.length > 0 && <ul className="notes">{notes.map((n) => <li key={n}>{n}</li>)}</ul>}
    </div>
  );
}

export function SidePanel({ model, panelRef }: { model: GraphModel | null; panelRef: RefObject<HTMLElement | null> }) {
  const { store } = useApp();
  const panel = useAppState((s) => s.panel);
  const open = useAppState((s) => s.open);
  const selected = useAppState((s) => s.selected);
  const selectedBox = useAppState((s) => s.selectedBox);
  const snapshot = open?.snapshot ?? null;
  const analysis = open?.analysis ?? null;
  const details = snapshot && model && selected ? nodeDetails(snapshot, model.elements, analysis, selected) : null;
  const box = snapshot && model && selectedBox ? model.elements.boxes.find((b) => b.id === selectedBox) : undefined;
  const group = snapshot && box ? groupDetails(snapshot, analysis, box.group) : null;
  const failing = analysis?.checks.filter((c) => c.status === 'fail').length ?? 0;

  return (
    <aside className="side-panel" ref={panelRef} tabIndex={-1} aria-label="Inspector">
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={panel === 'details'} onClick={() => store.dispatch({ type: 'panel', panel: 'details' })}>Inspector</button>
        <button type="button" role="tab" aria-selected={panel === 'checklist'} onClick={() => store.dispatch({ type: 'panel', panel: 'checklist' })}>
          Readiness{failing > 0 && <span className="tab-count">{failing}</span>}
        </button>
      </div>
      <div className="panel-body" role="tabpanel">
        {panel === 'checklist' ? <Checklist analysis={analysis} error={open?.analysisError ?? null} loading={open?.analysisLoading ?? false} />
          : details ? <Inspector details={details} />
            : group ? <article className="inspector"><Group group={group} /></article>
              : <p className="muted hint">{snapshot ? 'Click a device, a group box or the host, or move with the arrow keys.' : 'Open a snapshot to inspect it.'}</p>}
      </div>
    </aside>
  );
}
