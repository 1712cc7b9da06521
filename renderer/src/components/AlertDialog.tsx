/**
 * A question the app must have answered before it goes on (an SSH login's host key or secret):
 * modal, labelled by its title and text for screen readers, Esc gives the declining answer.
 * A form, so that Enter in a field sends it (`onSubmit`).
 */
import type { ReactNode } from 'react';

export function AlertDialog({ id, title, text, onDecline, onSubmit, children }: {
  /** Prefix of the title's and text's element ids. */
  id: string;
  title: ReactNode;
  text: ReactNode;
  onDecline: () => void;
  onSubmit?: () => void;
  children: ReactNode;
}) {
  return (
    <div className="modal-backdrop">
      <form
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-text`}
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit?.();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onDecline();
          }
        }}
      >
        <h2 id={`${id}-title`}>{title}</h2>
        <div id={`${id}-text`}>{text}</div>
        {children}
      </form>
    </div>
  );
}
