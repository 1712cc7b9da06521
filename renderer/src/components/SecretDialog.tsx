/**
 * The SSH login needs a secret: a key's passphrase, a password, or a keyboard-interactive answer.
 * The text is what ssh would print; the typed secret goes to the back end's login and is not kept
 * in the page's state. Keyboard: focus starts in the field, Enter sends, Esc declines (ssh then
 * tries the next key or method, as when Ctrl-C is pressed at its prompt).
 */
import { useEffect, useRef, useState } from 'react';
import { useApp, useAppState } from '../app/hooks.ts';
import type { SecretPrompt } from '../app/store.ts';
import { AlertDialog } from './AlertDialog.tsx';

const TITLES: Record<SecretPrompt['kind'], string> = {
  passphrase: 'Passphrase for an SSH key',
  password: 'SSH password',
  prompt: 'SSH login question',
};

/** ssh asks up to NumberOfPasswordPrompts (3) times. */
const ATTEMPTS = 3;

export function SecretDialog({ prompt }: { prompt: SecretPrompt }) {
  const { controller } = useApp();
  const hosts = useAppState((s) => s.hosts);
  const [secret, setSecret] = useState('');
  const field = useRef<HTMLInputElement | null>(null);
  const label = hosts.find((h) => h.id === prompt.hostId)?.label ?? 'the host';

  useEffect(() => {
    setSecret('');
    field.current?.focus();
  }, [prompt.promptId]);
  const answer = (value: string | null) => {
    setSecret('');
    void controller.answerSecret(prompt.promptId, value);
  };

  return (
    <AlertDialog
      id="secret"
      title={<>{TITLES[prompt.kind]}: {label}</>}
      text={
        <>
          {prompt.instructions && <p className="pre-line">{prompt.instructions}</p>}
          {prompt.attempt > 1 && <p className="warning">That was not accepted. Try again ({prompt.attempt} of {ATTEMPTS}).</p>}
        </>
      }
      onDecline={() => answer(null)}
      onSubmit={() => answer(secret)}
    >
      <label className="secret-field">
        <span className="mono">{prompt.prompt.trim()}</span>
        <input
          ref={field}
          type={prompt.echo ? 'text' : 'password'}
          autoComplete="off"
          spellCheck={false}
          value={secret}
          onChange={(e) => setSecret(e.target.value)}
        />
      </label>
      <div className="modal-actions">
        <button type="button" onClick={() => answer(null)}>Skip</button>
        <button type="submit" className="primary">Send</button>
      </div>
    </AlertDialog>
  );
}
