/**
 * Splits the framed output of the collector script (main/io/collector/collect.sh) into sections.
 *
 * Real example (abridged, from a run on the lab's `mixed` capture):
 * ```
 * @@ATLAS d73d547d-08eb-410e-a0d3-9323a97a3dcb BEGIN v1
 * @@ATLAS d73d547d-08eb-410e-a0d3-9323a97a3dcb SECTION kvm
 * kvm=no
 *
 * @@ATLAS d73d547d-08eb-410e-a0d3-9323a97a3dcb END kvm rc=0
 * @@ATLAS d73d547d-08eb-410e-a0d3-9323a97a3dcb SECTION dmidecode
 *
 * @@ATLAS d73d547d-08eb-410e-a0d3-9323a97a3dcb END dmidecode rc=skipped
 * @@ATLAS d73d547d-08eb-410e-a0d3-9323a97a3dcb SECTION dmidecode.stderr
 * atlas: skipped: ATLAS_SYSROOT is set: dmidecode would read this machine's firmware, not the sysroot's
 *
 * @@ATLAS d73d547d-08eb-410e-a0d3-9323a97a3dcb END dmidecode.stderr rc=0
 * @@ATLAS d73d547d-08eb-410e-a0d3-9323a97a3dcb DONE
 * ```
 * The script adds one newline before every END marker so that the marker starts a line even
 * when the content does not end with one; that newline is not part of the content. A
 * `<name>.stderr` section carries what section `<name>` wrote to stderr and is folded into it.
 * Marker lines with another nonce are content (a host cannot forge this run's markers).
 *
 * `complete` is true only when the BEGIN line, every section's END and the final DONE line
 * (with its newline) are all there: anything cut short in transit is incomplete, and the caller
 * must not present it as a snapshot.
 */
import type { ParseIssue, ParseResult } from '../model/snapshot.ts';

export interface CollectorSection {
  name: string;
  content: string;
  /** The section's exit status; null when it has no END marker or was skipped (`rc=skipped`). */
  exitCode: number | null;
  /** What the section wrote to stderr ("" when nothing), including `atlas: <kind>: …` notes. */
  stderr: string;
}

export interface CollectorOutput {
  complete: boolean;
  nonce: string | null;
  sections: CollectorSection[];
}

const MARKER = /^@@ATLAS (\S+) (BEGIN|SECTION|END|DONE)(?: (.*))?$/;
const STDERR_SUFFIX = '.stderr';

interface Line {
  text: string;
  /** Offset of the line's first character in the input. */
  start: number;
  /** Offset just past the line (before its "\n"), and whether a "\n" followed. */
  end: number;
  terminated: boolean;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    lines.push({ text: text.slice(start, end).replace(/\r$/, ''), start, end, terminated: nl >= 0 });
    start = end + 1;
  }
  return lines;
}

export function parseCollectorOutput(text: string): ParseResult<CollectorOutput> {
  const issues: ParseIssue[] = [];
  const sections: CollectorSection[] = [];
  const lines = splitLines(text);

  let i = 0;
  let nonce: string | null = null;
  for (; i < lines.length; i++) {
    const m = MARKER.exec(lines[i]!.text);
    if (m && m[2] === 'BEGIN') {
      nonce = m[1]!;
      if (m[3] !== 'v1') issues.push({ line: i + 1, message: `collector output version "${m[3] ?? ''}" is not v1; reading it as v1` });
      break;
    }
  }
  if (nonce === null) {
    issues.push({ line: null, message: 'no "@@ATLAS <nonce> BEGIN" line: this is not collector output, or it was cut before it started' });
    return { data: { complete: false, nonce: null, sections }, issues };
  }
  if (i > 0) issues.push({ line: 1, message: `${i} line(s) before the BEGIN marker ignored (shell start-up output?)` });

  let open: { name: string; contentStart: number; line: number } | null = null;
  let done = false;
  let broken = false;
  let lastSeen: string | null = null;

  const ownMarker = (line: Line) => {
    const m = MARKER.exec(line.text);
    return m && m[1] === nonce ? { kind: m[2]!, rest: m[3] ?? '' } : null;
  };
  const attachStderr = (name: string, content: string, line: number) => {
    const owner = name.slice(0, -STDERR_SUFFIX.length);
    const target = [...sections].reverse().find((s) => s.name === owner);
    if (target) target.stderr = content;
    else issues.push({ line, message: `stderr section "${name}" has no section "${owner}" before it` });
  };
  const close = (name: string, content: string, exitCode: number | null, line: number) => {
    if (name.endsWith(STDERR_SUFFIX)) attachStderr(name, content, line);
    else sections.push({ name, content, exitCode, stderr: '' });
  };

  for (i = i + 1; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = ownMarker(line);
    if (!marker) {
      if (!open && !done && line.text !== '') issues.push({ line: i + 1, message: 'text outside any section ignored' });
      if (done && line.text !== '') issues.push({ line: i + 1, message: 'text after DONE ignored' });
      continue;
    }
    if (done) {
      issues.push({ line: i + 1, message: `marker after DONE ignored: ${line.text}` });
      continue;
    }
    if (marker.kind === 'SECTION') {
      if (open) {
        issues.push({ line: open.line, message: `section "${open.name}" has no END marker (next section starts at line ${i + 1})` });
        close(open.name, text.slice(open.contentStart, line.start).replace(/\n$/, ''), null, open.line);
        broken = true;
      }
      open = { name: marker.rest, contentStart: line.end + 1, line: i + 1 };
      lastSeen = marker.rest;
    } else if (marker.kind === 'END') {
      const m = /^(\S+) rc=(\S+)$/.exec(marker.rest);
      if (!open) {
        issues.push({ line: i + 1, message: `END marker without an open section: ${line.text}` });
        broken = true;
        continue;
      }
      if (!m || m[1] !== open.name) {
        issues.push({ line: i + 1, message: `END marker "${marker.rest}" does not close section "${open.name}"` });
        broken = true;
      }
      const rc = m && /^\d{1,3}$/.test(m[2]!) ? Number(m[2]) : null;
      if (m && rc === null && m[2] !== 'skipped') issues.push({ line: i + 1, message: `unreadable exit status "${m[2]}"` });
      // The framing's own newline sits just before the END line; it is not content.
      const contentEnd = Math.max(open.contentStart, line.start - 1);
      close(open.name, text.slice(open.contentStart, contentEnd), rc, open.line);
      open = null;
    } else if (marker.kind === 'DONE') {
      if (open) {
        issues.push({ line: open.line, message: `section "${open.name}" has no END marker before DONE` });
        close(open.name, text.slice(open.contentStart, line.start).replace(/\n$/, ''), null, open.line);
        open = null;
        broken = true;
      }
      if (!line.terminated) {
        issues.push({ line: i + 1, message: 'the DONE line is cut short (no final newline)' });
        broken = true;
      }
      done = true;
    } else {
      issues.push({ line: i + 1, message: 'second BEGIN marker ignored' });
      broken = true;
    }
  }

  if (open) {
    issues.push({ line: open.line, message: `output ends inside section "${open.name}": incomplete` });
    close(open.name, text.slice(open.contentStart), null, open.line);
    broken = true;
  } else if (!done) {
    issues.push({
      line: null,
      message: `output ends without DONE after ${lastSeen ? `section "${lastSeen}"` : 'BEGIN'}: incomplete`,
    });
  }
  return { data: { complete: done && !broken, nonce, sections }, issues };
}
