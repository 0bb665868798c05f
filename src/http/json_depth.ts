// How deeply a JSON text nests, read in one linear pass before anything parses it: a deep body costs a
// recursive parser or validator its stack, and PostgreSQL's jsonb input minutes of CPU.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * The offset of the first `[` or `{` that opens level `maxDepth + 1`, or -1 when the text never nests
 * that deep. Brackets inside strings (escaped quotes included) do not count; the text need not be valid
 * JSON (JSON.parse judges that afterwards), and the scan stops at the first level too deep.
 */
export function firstTooDeep(text: string, maxDepth: number): number {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Most of a delivery is string content: jump to its closing quote instead of reading it.
      let end = text.indexOf('"', i + 1);
      while (end !== -1 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
      if (end === -1) return -1;
      i = end;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > maxDepth) return i;
    } else if ((c === CLOSE_BRACKET || c === CLOSE_BRACE) && depth > 0) {
      // Never below zero: stray closing brackets first must not buy room for deeper nesting after them.
      depth--;
    }
  }
  return -1;
}

/** Whether the quote at `at` is escaped: preceded by an odd number of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; i >= 0 && text.charCodeAt(i) === BACKSLASH; i--) backslashes++;
  return backslashes % 2 === 1;
}
