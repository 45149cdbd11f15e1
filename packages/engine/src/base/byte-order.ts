// Keys, bucket and index names are ordered by their UTF-8 bytes, the order the cloud service lists
// them in. JavaScript's `<` compares UTF-16 code units instead, which disagrees for characters above
// U+FFFF (stored as surrogates 0xD800-0xDFFF) against U+E000-U+FFFF. UTF-8 byte order equals code point
// order, so it is enough to move the surrogate range above 0xE000-0xFFFF before comparing.

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  if (unit <= 0xdfff) return unit + 0x2000;
  return unit - 0x800;
}

/** Negative, zero or positive as `a` sorts before, with or after `b` in UTF-8 byte order. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x < 0xd800 && y < 0xd800 ? x - y : codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}
