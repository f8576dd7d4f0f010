/**
 * Cutting text to a limit for GitHub or a log: always at a character boundary (a whole grapheme, so
 * never inside a surrogate pair, an emoji sequence or a letter with its combining marks), and a limit
 * stated in bytes is counted in UTF-8 bytes. Text within its limit comes back unchanged.
 */
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** What is appended to cut text unless the caller says otherwise. */
export const CUT_MARK = '…';

export interface CutOptions {
  /** Appended when the text is cut; counted within the limit. Default `…`. */
  mark?: string;
}

/**
 * At most `max` UTF-16 code units (what JavaScript's `length` counts; never fewer code points, so
 * a limit GitHub states in characters holds too), mark included.
 */
export function cutToLength(text: string, max: number, options: CutOptions = {}): string {
  if (text.length <= max) return text;
  const mark = options.mark ?? CUT_MARK;
  const room = Math.max(0, max - mark.length);
  return `${text.slice(0, graphemeBoundaryAtOrBefore(text, room))}${mark.length <= max ? mark : ''}`;
}

/** At most `maxBytes` bytes of UTF-8, mark included. */
export function cutToBytes(text: string, maxBytes: number, options: CutOptions = {}): string {
  if (text.length <= maxBytes / 3 || Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const mark = options.mark ?? CUT_MARK;
  const markBytes = Buffer.byteLength(mark, 'utf8');
  const room = Math.max(0, maxBytes - markBytes);
  // encodeInto stops before a code point that would not fit: `read` is a whole-code-point prefix.
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(room));
  return `${text.slice(0, graphemeBoundaryAtOrBefore(text, read))}${markBytes <= maxBytes ? mark : ''}`;
}

/** The largest grapheme boundary at or before `index` (a UTF-16 offset into `text`). */
export function graphemeBoundaryAtOrBefore(text: string, index: number): number {
  if (index <= 0) return 0;
  if (index >= text.length) return text.length;
  // The grapheme holding the first unit left out: cut where it starts (index itself when it starts there).
  // Whether a grapheme breaks before a character depends on what precedes it and on that character alone,
  // so the text up to the code point at `index` decides it (and the segmenter need not copy the rest).
  return graphemes.segment(text.slice(0, index + 2)).containing(index)?.index ?? index;
}
