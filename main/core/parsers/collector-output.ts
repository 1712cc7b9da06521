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

/** Where a section's content lies in the collector output it was read from: output[start, end). */
export interface SectionSpan {
  output: string;
  start: number;
  end: number;
}

/**
 * The spans of the sections closed by their END marker, whose content is exactly that part of
 * the output. A slice of a long string is a view of it in V8 (a "sliced string"), and each
 * character read through the view costs an extra step: the parser of a big section reads it in
 * the output itself, a flat string when it was read from a file. Kept beside the sections, not
 * in them, so that a section stays the plain record it has always been.
 */
const sectionSpans = new WeakMap<object, SectionSpan>();

/** The part of the collector output that `section` (one of parseCollectorOutput's) is, if known. */
export function sectionSpan(section: Pick<CollectorSection, 'content'>): SectionSpan | undefined {
  return sectionSpans.get(section);
}

const MARKER = /^@@ATLAS (\S+) (BEGIN|SECTION|END|DONE)(?: (.*))?$/;
const STDERR_SUFFIX = '.stderr';

interface Line {
  /** The line without its "\n" and one trailing "\r". */
  text: string;
  /** Offset of the line's first character in the input. */
  start: number;
  /** Offset just past the line (before its "\n"), and whether a "\n" followed. */
  end: number;
  terminated: boolean;
}

function lineAt(text: string, start: number): Line {
  const nl = text.indexOf('\n', start);
  const end = nl < 0 ? text.length : nl;
  const last = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
  return { text: text.slice(start, last), start, end, terminated: nl >= 0 };
}

/**
 * 1-based line numbers of offsets, counted only when an issue needs one: a complete run of tens
 * of megabytes has none, so its lines are never counted.
 */
function lineNumbers(text: string): (offset: number) => number {
  let at = 0;
  let line = 1;
  return (offset) => {
    if (offset < at) {
      at = 0;
      line = 1;
    }
    for (let nl = text.indexOf('\n', at); nl >= 0 && nl < offset; nl = text.indexOf('\n', nl + 1)) line++;
    at = offset;
    return line;
  };
}

export function parseCollectorOutput(text: string): ParseResult<CollectorOutput> {
  const issues: ParseIssue[] = [];
  const sections: CollectorSection[] = [];
  const lineOf = lineNumbers(text);

  let pos = 0;
  let before = 0;
  let nonce: string | null = null;
  while (pos < text.length) {
    const line = lineAt(text, pos);
    pos = line.end + 1;
    const m = MARKER.exec(line.text);
    if (m && m[2] === 'BEGIN') {
      nonce = m[1]!;
      if (m[3] !== 'v1') issues.push({ line: before + 1, message: `collector output version "${m[3] ?? ''}" is not v1; reading it as v1` });
      break;
    }
    before++;
  }
  if (nonce === null) {
    issues.push({ line: null, message: 'no "@@ATLAS <nonce> BEGIN" line: this is not collector output, or it was cut before it started' });
    return { data: { complete: false, nonce: null, sections }, issues };
  }
  if (before > 0) issues.push({ line: 1, message: `${before} line(s) before the BEGIN marker ignored (shell start-up output?)` });

  let open: { name: string; contentStart: number; start: number } | null = null;
  let done = false;
  let broken = false;
  let lastSeen: string | null = null;

  // A line is one of this run's markers only if it starts with this prefix: inside a section the
  // next candidate is found with one search, and the content lines in between are never split.
  const candidate = `\n@@ATLAS ${nonce} `;
  const ownMarker = (line: Line) => {
    const m = MARKER.exec(line.text);
    return m && m[1] === nonce ? { kind: m[2]!, rest: m[3] ?? '' } : null;
  };
  const attachStderr = (name: string, content: string, start: number) => {
    const owner = name.slice(0, -STDERR_SUFFIX.length);
    const target = [...sections].reverse().find((s) => s.name === owner);
    if (target) target.stderr = content;
    else issues.push({ line: lineOf(start), message: `stderr section "${name}" has no section "${owner}" before it` });
  };
  const close = (name: string, content: string, exitCode: number | null, start: number): CollectorSection | undefined => {
    if (name.endsWith(STDERR_SUFFIX)) {
      attachStderr(name, content, start);
      return undefined;
    }
    const section: CollectorSection = { name, content, exitCode, stderr: '' };
    sections.push(section);
    return section;
  };

  while (pos < text.length) {
    if (open) {
      // pos - 1 is the "\n" that ended the previous line.
      const next = text.indexOf(candidate, pos - 1);
      if (next < 0) break;
      pos = next + 1;
    }
    const line = lineAt(text, pos);
    pos = line.end + 1;
    const marker = ownMarker(line);
    if (!marker) {
      if (!open && !done && line.text !== '') issues.push({ line: lineOf(line.start), message: 'text outside any section ignored' });
      if (done && line.text !== '') issues.push({ line: lineOf(line.start), message: 'text after DONE ignored' });
      continue;
    }
    if (done) {
      issues.push({ line: lineOf(line.start), message: `marker after DONE ignored: ${line.text}` });
      continue;
    }
    if (marker.kind === 'SECTION') {
      if (open) {
        issues.push({ line: lineOf(open.start), message: `section "${open.name}" has no END marker (next section starts at line ${lineOf(line.start)})` });
        close(open.name, text.slice(open.contentStart, line.start).replace(/\n$/, ''), null, open.start);
        broken = true;
      }
      open = { name: marker.rest, contentStart: line.end + 1, start: line.start };
      lastSeen = marker.rest;
    } else if (marker.kind === 'END') {
      const m = /^(\S+) rc=(\S+)$/.exec(marker.rest);
      if (!open) {
        issues.push({ line: lineOf(line.start), message: `END marker without an open section: ${line.text}` });
        broken = true;
        continue;
      }
      if (!m || m[1] !== open.name) {
        issues.push({ line: lineOf(line.start), message: `END marker "${marker.rest}" does not close section "${open.name}"` });
        broken = true;
      }
      const rc = m && /^\d{1,3}$/.test(m[2]!) ? Number(m[2]) : null;
      if (m && rc === null && m[2] !== 'skipped') issues.push({ line: lineOf(line.start), message: `unreadable exit status "${m[2]}"` });
      // The framing's own newline sits just before the END line; it is not content.
      const contentEnd = Math.max(open.contentStart, line.start - 1);
      const section = close(open.name, text.slice(open.contentStart, contentEnd), rc, open.start);
      if (section) sectionSpans.set(section, { output: text, start: open.contentStart, end: contentEnd });
      open = null;
    } else if (marker.kind === 'DONE') {
      if (open) {
        issues.push({ line: lineOf(open.start), message: `section "${open.name}" has no END marker before DONE` });
        close(open.name, text.slice(open.contentStart, line.start).replace(/\n$/, ''), null, open.start);
        open = null;
        broken = true;
      }
      if (!line.terminated) {
        issues.push({ line: lineOf(line.start), message: 'the DONE line is cut short (no final newline)' });
        broken = true;
      }
      done = true;
    } else {
      issues.push({ line: lineOf(line.start), message: 'second BEGIN marker ignored' });
      broken = true;
    }
  }

  if (open) {
    issues.push({ line: lineOf(open.start), message: `output ends inside section "${open.name}": incomplete` });
    close(open.name, text.slice(open.contentStart), null, open.start);
    broken = true;
  } else if (!done) {
    issues.push({
      line: null,
      message: `output ends without DONE after ${lastSeen ? `section "${lastSeen}"` : 'BEGIN'}: incomplete`,
    });
  }
  return { data: { complete: done && !broken, nonce, sections }, issues };
}
