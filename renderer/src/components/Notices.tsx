/** Errors and notes that are not tied to a host or the graph, dismissable; errors stay until dismissed. */
import { useEffect } from 'react';
import { useApp, useAppState } from '../app/hooks.ts';

export function Notices() {
  const { store } = useApp();
  const notices = useAppState((s) => s.notices);
  useEffect(() => {
    const timers = notices.filter((n) => n.kind === 'info').map((n) => setTimeout(() => store.dispatch({ type: 'dismiss', id: n.id }), 6000));
    return () => timers.forEach(clearTimeout);
  }, [notices, store]);
  if (notices.length === 0) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <span>{n.text}</span>
          <button type="button" className="ghost small" aria-label="Dismiss" onClick={() => store.dispatch({ type: 'dismiss', id: n.id })}>×</button>
        </div>
      ))}
    </div>
  );
}
