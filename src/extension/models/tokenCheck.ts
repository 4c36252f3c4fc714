// The shape check of a pasted Hugging Face token (pure; unit-tested). The Hub itself says whether it is valid.

/** Why `value` cannot be a token, or null: one word of printable characters, long enough to be a Hub token. */
export function tokenProblem(value: string): string | null {
  const v = value.trim();
  if (!v) return 'Paste a token (huggingface.co/settings/tokens), or press Escape.';
  if (/\s/.test(v)) return 'A token has no spaces.';
  if (v.length < 8) return 'That is too short for a Hugging Face token.';
  return null;
}
