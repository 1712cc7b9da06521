/**
 * An unknown SSH host key: the fingerprint to compare, Accept (remember it and go on) or Reject
 * (stop the collection). Keyboard: focus starts on Reject, Esc rejects.
 */
import { useEffect, useRef } from 'react';
import { useApp, useAppState } from '../app/hooks.ts';
import type { HostKeyPrompt } from '../app/store.ts';
import { AlertDialog } from './AlertDialog.tsx';

export function HostKeyDialog({ prompt }: { prompt: HostKeyPrompt }) {
  const { controller } = useApp();
  const hosts = useAppState((s) => s.hosts);
  const reject = useRef<HTMLButtonElement | null>(null);
  const label = hosts.find((h) => h.id === prompt.hostId)?.label ?? prompt.host;
  // "ssh-ed25519" → ssh_host_ed25519_key.pub, "ecdsa-sha2-nistp256" → ssh_host_ecdsa_key.pub.
  const keyFile = `/etc/ssh/ssh_host_${prompt.keyType.replace(/^ssh-/, '').split('-')[0]}_key.pub`;

  useEffect(() => reject.current?.focus(), [prompt.promptId]);
  const answer = (accept: boolean) => void controller.answerHostKey(prompt.promptId, accept);

  return (
    <AlertDialog
      id="host-key"
      title={<>Unknown host key for {label}</>}
      text={
        <p>
          This is the first connection to <strong className="mono">{prompt.host}</strong>. Check that its key is the one below
          before trusting it, for example with <code>ssh-keygen -lf {keyFile}</code> on that machine.
        </p>
      }
      onDecline={() => answer(false)}
    >
      <div className="fingerprint">
        <span className="muted">{prompt.keyType}</span>
        <code data-testid="fingerprint">{prompt.fingerprint}</code>
      </div>
      <div className="modal-actions">
        <button type="button" ref={reject} onClick={() => answer(false)}>Reject</button>
        <button type="button" className="primary" onClick={() => answer(true)}>Accept and connect</button>
      </div>
    </AlertDialog>
  );
}
