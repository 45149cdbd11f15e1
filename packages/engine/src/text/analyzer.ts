// The two analyzers of Fusion full-text fields (docs/fusion.md#analyzers): text to the list of terms
// that are indexed and searched.
//
// `standard` cuts text into runs of letters, marks and digits (so punctuation and spaces separate
// words, in every script), makes each Han, Hiragana and Katakana character a term of its own (the
// service documents "Chinese one token per character"; Elasticsearch's standard analyzer does the
// same), and lower-cases unless the field is case-sensitive.
//
// Why not Intl.Segmenter: Node 20's ICU segments CJK by dictionary, so a query's words could be cut
// differently from the same words in a document, and its cost grows much faster than the text: on
// this machine 26,000 characters of mixed English and Chinese took 0.4 s and 104,000 took 133 s, which
// a single 40 KB document could turn into a denial of service. A Unicode-property regular expression
// takes about 9 ms for the same 104,000. Nor a library: the npm tokenizers at hand (natural, wink,
// lunr's) are English-centred and would still need the CJK rule above.
import type { FusionTextSettings } from "@ossv/protocol";

const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const IDEOGRAPHIC = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const IDEOGRAPHIC_RUNS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+/gu;
/** Where letters meet digits, for delimitWord ("mp3player" → mp, 3, player). */
const LETTERS_OR_DIGITS = /\p{N}+|[^\p{N}]+/gu;

function* standardTerms(text: string, delimitWord: boolean): Generator<string> {
  for (const [word] of text.matchAll(WORD)) {
    const pieces = IDEOGRAPHIC.test(word) ? word.match(IDEOGRAPHIC_RUNS)! : [word];
    for (const piece of pieces) {
      if (delimitWord) yield* piece.match(LETTERS_OR_DIGITS)!;
      else yield piece;
    }
  }
}

function* splitTerms(text: string, delimiter: string): Generator<string> {
  for (const piece of text.split(delimiter)) {
    const term = piece.trim();
    if (term !== "") yield term;
  }
}

/** The terms of `text` under a field's analyzer, in order, repeats kept (they count for BM25). */
export function analyze(text: string, settings: FusionTextSettings): string[] {
  const terms = settings.analyzer === "split"
    ? splitTerms(text, settings.delimiter ?? " ")
    : standardTerms(text, settings.delimitWord);
  const out: string[] = [];
  for (const term of terms) out.push(settings.caseSensitive ? term : term.toLowerCase());
  return out;
}
