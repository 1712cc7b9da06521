/**
 * Asks for SSH passphrases and passwords on the terminal, without echo, like ssh does.
 * Without a terminal (scripts, CI) nothing is asked: encrypted keys and passwords are skipped
 * and the connection error says so.
 */
import { createInterface } from 'node:readline';
import { secretPromptText, type AskSecret } from '../io/ssh/ssh-auth.ts';

export function terminalAskSecret(): AskSecret | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return (request) =>
    new Promise((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      const echo = request.kind === 'prompt' && request.echo;
      const text = secretPromptText(request);
      // Print the prompt, then keep readline from echoing what is typed.
      process.stderr.write(text);
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
        if (echo) process.stderr.write(s);
      };
      rl.question('', (answer) => {
        rl.close();
        if (!echo) process.stderr.write('\n');
        resolve(answer);
      });
      rl.on('SIGINT', () => {
        rl.close();
        process.stderr.write('\n');
        resolve(null);
      });
    });
}
