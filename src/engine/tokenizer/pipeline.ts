// The staged pipeline (mirrors Tokenizer.encode_text of @huggingface/tokenizers 0.2.0): content tokens with ranges, and the post-processor.
import { aRange, aSlice, coarse, identity, type Aligned } from './aligned';
import { cutLongPiece, fuseUnknown, LONG_PIECE, modelPiece, type ModelCtx, type RawToken } from './models';
import { genericStep, normalizeStep, replaceStep } from './normalize';
import { preTokenize } from './pretokenize';
import type { LibAddedToken, LibBpe, LibSplitter, TokenizerHandle } from './types';

interface Span { text: string; start: number; end: number }

/** DictionarySplitter output with positions, then lstrip/rstrip of neighbours of matched added tokens. */
function splitAdded(splitter: LibSplitter, text: string, base: number, map: Map<string, LibAddedToken>): Span[] {
  const parts = splitter.split(text);
  const spans: Span[] = [];
  let pos = 0;
  for (const p of parts) { spans.push({ text: p, start: base + pos, end: base + pos + p.length }); pos += p.length; }
  for (let i = 0; i < spans.length; i++) {
    const added = map.get(spans[i].text);
    if (!added) continue;
    if (added.lstrip && i > 0) {
      const s = spans[i - 1];
      const t = s.text.trimEnd();
      s.end -= s.text.length - t.length;
      s.text = t;
    }
    if (added.rstrip && i < spans.length - 1) {
      const s = spans[i + 1];
      const t = s.text.trimStart();
      s.start += s.text.length - t.length;
      s.text = t;
    }
  }
  return spans;
}

function addedTokenRaw(tok: LibAddedToken, start: number, end: number): RawToken {
  return { str: tok.content, start, end, id: tok.id, special: tok.special };
}

/** Content tokens (no post-processor specials) with original ranges. */
export function contentTokens(h: TokenizerHandle, text: string): RawToken[] {
  const { lib } = h.internals;
  const diag = h.diagnostics;
  const out: RawToken[] = [];
  const ctx: ModelCtx = { h, out };
  const sections = splitAdded(lib.splitter_unnormalized, text, 0, lib.added_tokens_map);
  for (let si = 0; si < sections.length; si++) {
    const sec = sections[si];
    if (!sec.text.length) continue;
    const added = lib.added_tokens_map.get(sec.text);
    if (added) { out.push(addedTokenRaw(added, sec.start, sec.end)); continue; }
    let a = identity(sec.text, sec.start);
    if (lib.remove_space === true) {
      const t = a.text.trim();
      const lead = a.text.length - a.text.trimStart().length;
      a = aSlice(a, lead, lead + t.length);
      a = replaceStep(a, /\s+/g, ' ', t.split(/\s+/).join(' ')) ?? coarse(a, t.split(/\s+/).join(' '), diag);
    }
    if (lib.do_lowercase_and_remove_accent) a = genericStep(a, (s) => s.toLowerCase().replace(/\p{M}/gu, ''));
    if (lib.normalizer) a = normalizeStep(a, lib.normalizer, diag);
    if (!a.text.length) continue;
    const subs = splitAdded(lib.splitter_normalized, a.text, 0, lib.added_tokens_map);
    for (const sub of subs) {
      if (!sub.text.length) continue;
      const subAdded = lib.added_tokens_map.get(sub.text);
      const subAligned = aSlice(a, sub.start, sub.end);
      if (subAdded) {
        const [st, en] = aRange(a, sub.start, sub.end);
        out.push(addedTokenRaw(subAdded, st, en));
        continue;
      }
      const pieces: Aligned[] = [];
      if (lib.pre_tokenizer) preTokenize(lib.pre_tokenizer, subAligned, { section_index: si }, pieces, diag);
      else pieces.push(subAligned);
      const from = out.length;
      const lp = h.internals.longPieces;
      for (const piece of pieces) {
        const cuts = lp && piece.text.length > LONG_PIECE && !(lib.model as LibBpe).ignore_merges ? cutLongPiece(lib, lp, piece.text) : [];
        if (cuts.length) {
          let p0 = 0;
          for (const p of cuts) { modelPiece(ctx, aSlice(piece, p0, p)); p0 = p; }
          modelPiece(ctx, aSlice(piece, p0, piece.text.length));
        } else modelPiece(ctx, piece);
      }
      if (lib.model.fuse_unk) fuseUnknown(out, from, lib.model);
    }
  }
  // Ranges never go back: a token made from characters that one original character expanded into (NFKC "ﷺ" is
  // four words) may otherwise start a prepended "▁" before the end of its predecessor.
  for (let i = 1; i < out.length; i++) {
    const a = out[i - 1];
    const t = out[i];
    if (t.start < a.start) t.start = a.start;
    if (t.end < a.end) t.end = a.end;
  }
  // ids exactly as Tokenizer.encode maps token strings
  const unkId = lib.model.unk_token_id;
  for (const t of out) {
    if (t.id >= 0) continue;
    const added = lib.added_tokens_map.get(t.str);
    const id = added?.id ?? lib.model.tokens_to_ids.get(t.str) ?? unkId;
    t.id = id ?? h.unkId ?? 0;
    t.special = added?.special ?? false;
  }
  return out;
}

/** Runs the post-processor on content markers (numbers); strings in the result are the specials it added. */
export function postProcess(h: TokenizerHandle, markers: number[]): unknown[] {
  return postProcessFull(h, markers).tokens;
}

export function postProcessFull(h: TokenizerHandle, markers: number[]): { tokens: unknown[]; types: number[] | null } {
  const pp = h.internals.lib.post_processor;
  if (!pp) return { tokens: markers, types: null };
  const r = pp.post_process(markers, null, true);
  return { tokens: r.tokens, types: Array.isArray(r.token_type_ids) ? r.token_type_ids : null };
}
