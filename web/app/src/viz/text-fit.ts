// Text that must fit a box: a width estimate for layout (no DOM, so layouts stay testable in
// Node) and ellipsis shortening against a real measure when the estimate is not enough.

// Generous per-character widths in em for system sans-serif fonts: layouts sized with these
// leave room, and the renderer still shortens with a real measure if a font is wider.
function charEm(ch: string): number {
  if (/[ilIj.,:;'|!()[\]{} ]/.test(ch)) return 0.34;
  if (/[mwMW@%]/.test(ch)) return 0.92;
  if (/[A-Z]/.test(ch)) return 0.72;
  if (/[0-9]/.test(ch)) return 0.6;
  if (ch.charCodeAt(0) > 0x2e7f) return 1.05; // CJK and other wide scripts
  return 0.6;
}

/** Estimated width in pixels of `text` at `fontPx`; bold adds about 6%. */
export function estimateTextWidth(text: string, fontPx: number, bold = false): number {
  let em = 0;
  for (const ch of text) em += charEm(ch);
  return em * fontPx * (bold ? 1.06 : 1);
}

/**
 * The longest prefix of `text` (plus '…') whose measured width is at most maxWidth; the text
 * itself when it fits. `measure` returns a width in the same unit as maxWidth.
 */
export function ellipsize(text: string, maxWidth: number, measure: (s: string) => number): string {
  if (measure(text) <= maxWidth) return text;
  const chars = [...text];
  let lo = 0,
    hi = chars.length; // binary search on the prefix length
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(chars.slice(0, mid).join('') + '…') <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join('') + '…';
}
