// The tokenizer's public entry: load a Hugging Face tokenizer folder, encode text with offsets into the original.
//
// Tokenisation with character offsets into the user's ORIGINAL text.
//
// `@huggingface/tokenizers` (the JS port used by transformers.js) returns ids and token strings but no offsets.
// Instead of aligning its output afterwards, this module runs the library's own pipeline stages (added-token
// splitting, normalizer, pre-tokenizer, model, post-processor — the very objects the library built from
// tokenizer.json) one stage at a time, in the same order and with the same arguments as `Tokenizer.encode`,
// and carries for every character of every intermediate string the range of the original text it came from:
//
//   original ──added-token split──▶ sections ──normalizer (step by step)──▶ normalized text, char → original range
//            ──normalized added-token split──▶ subsections ──pre-tokenizer──▶ pieces (char → original range)
//            ──model──▶ tokens (their chars within the piece → original range) ──post-processor──▶ specials
//
// The ids are therefore the library's ids (checked at load time on probe strings and by the unit tests on
// thousands of random strings), and the text is tokenised once.
//
// Normalizer steps are aligned piecewise: a step's output for the whole text is the ground truth; the input is
// split into runs of ASCII words, then words, units (a code point with its following combining marks) and code
// points, whose outputs must concatenate to the whole output — so NFC/NFKC composition, NFD + accent stripping
// and length-changing lowercasing ("İ" → "i̇") map exactly. Where pieces' outputs do not concatenate
// (context-dependent rules: Greek final sigma, Hangul jamo composition), the smallest stretch after which they
// agree again is mapped as one block, still a valid, monotonic range. Strip, Prepend and Replace steps are
// mapped explicitly. Characters a step deletes (control characters, stripped accents) are attached to the
// preceding output character so tokens of one word stay contiguous.
//
// Guarantees: every content token has a range inside the text; starts and ends never decrease; two neighbouring
// tokens overlap only when they share original characters that feed both (in practice one character: a multi-byte
// character split by byte-level BPE, a character normalisation expanded such as "ﬁ" → "f" "i"), which both then
// carry, as in Hugging Face; ranges never cut a surrogate pair. Long pieces (a sentencepiece section, a line of CJK) are cut where no token can cross, so
// 1 MB of text takes about as long as the bare library (which cannot do a 1 MB Unigram section at all).
//
// Offsets follow Hugging Face's `return_offsets_mapping`, with these deliberate differences:
//  - UTF-16 code units (what VS Code counts) instead of code points;
//  - specials added by the post-processor have null ranges instead of (0, 0);
//  - a combining mark that normalisation removes stays in the range of its base character (HF ends before it);
//  - a character the normalizer deletes inside a word (a control character) belongs to the preceding character;
//  - a "▁" that Metaspace prepends (not a space of the text) has an empty range at the word start (HF: the first
//    character's range);
//  - an added token with lstrip/rstrip covers its own text, not the whitespace it strips.
// Empty and blank text (see isBlank) encodes to the specials only.
//
// Stages, one module each: load.ts (files → TokenizerHandle), normalize.ts, pretokenize.ts, models.ts (WordPiece /
// BPE / Unigram, long pieces), aligned.ts (the offset alignment every stage carries), pipeline.ts (the stages in
// the library's order, and its post-processor), encode.ts (encodeText, encodeWindows, isBlank, isPunctuationToken).
export { loadTokenizer } from './load';
export { encodeText, encodeWindows, isBlank, isPunctuationToken } from './encode';
export type { EncodedText, TokenizerHandle } from './types';
