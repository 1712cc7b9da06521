/**
 * fast-check arbitraries that damage real inputs the way pastes get damaged: cut short, lines
 * dropped, duplicated or shuffled, characters replaced (control characters, markup, odd Unicode),
 * numbers replaced by huge ones. Parsers must survive all of them without throwing.
 */
import fc from 'fast-check';

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; text: string }
  | { kind: 'dropLine'; at: number }
  | { kind: 'duplicateLine'; at: number }
  | { kind: 'shuffleLines'; seed: number }
  | { kind: 'hugeNumber'; at: number; digits: string };

const NASTY = ['\u0000', '\t', '\n', '\r', '<', '>', '&', '"', "'", ':', '[', ']', '.', '...', '…', '#', '-', '0x', '\uFFFF', '\uD800', '𝔘', ' '];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 3 })) }),
  fc.record({ kind: fc.constant('dropLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicateLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('shuffleLines' as const), seed: fc.nat() }),
  fc.record({ kind: fc.constant('hugeNumber' as const), at: fc.nat(), digits: fc.stringMatching(/^[0-9]{10,40}$/) }),
);

function shuffle<T>(items: T[], seed: number): T[] {
  // Small LCG so that a failing case replays exactly from fast-check's seed.
  let state = seed >>> 0;
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function apply(text: string, m: Mutation): string {
  const lines = text.split('\n');
  switch (m.kind) {
    case 'truncate':
      return text.slice(0, text.length === 0 ? 0 : m.at % (text.length + 1));
    case 'flip': {
      const at = text.length === 0 ? 0 : m.at % text.length;
      return text.slice(0, at) + m.text + text.slice(at + 1);
    }
    case 'dropLine':
      lines.splice(m.at % lines.length, 1);
      return lines.join('\n');
    case 'duplicateLine': {
      const at = m.at % lines.length;
      lines.splice(at, 0, lines[at]!);
      return lines.join('\n');
    }
    case 'shuffleLines':
      return shuffle(lines, m.seed).join('\n');
    case 'hugeNumber': {
      const numbers = [...text.matchAll(/\d+/g)];
      if (numbers.length === 0) return text;
      const hit = numbers[m.at % numbers.length]!;
      return text.slice(0, hit.index) + m.digits + text.slice(hit.index + hit[0].length);
    }
  }
}

/** One of the samples with 1-6 mutations applied, or (sometimes) arbitrary text. */
export function damagedText(samples: string[]): fc.Arbitrary<string> {
  const damaged = fc
    .tuple(fc.constantFrom(...samples), fc.array(mutation, { minLength: 1, maxLength: 6 }))
    .map(([sample, mutations]) => mutations.reduce(apply, sample));
  return fc.oneof({ weight: 9, arbitrary: damaged }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }) });
}
