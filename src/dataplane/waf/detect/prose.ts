/**
 * Quoted code in prose. Developer forums, issue trackers and wikis accept comments that
 * quote SQL, shell, HTML or PHP inside Markdown code (``` fenced blocks, ~~~ blocks and
 * `inline spans`). A Markdown renderer shows that code escaped, and the text is stored, not
 * executed; what makes it different from an injection is its setting: a code block set off
 * by fence lines or backticks inside natural-language sentences.
 *
 * maskQuotedCode blanks the code of such free text so detectors judge the prose around it.
 * It only does so when the value really reads as prose (enough words and sentences outside
 * the code) — a bare payload wrapped in backticks is not prose and stays as it is. Callers
 * apply it to free-text body fields only (JSON strings, form fields, text bodies), never to
 * query arguments, cookies, headers or paths.
 */

/** Minimum natural-language words outside code for a value to count as prose. */
const MIN_WORDS = 6;

function isProse(outside: string): boolean {
  let words = 0;
  const re = /[A-Za-z\xc0-\xff]{2,}/g;
  while (re.exec(outside) !== null) if (++words >= MIN_WORDS) break;
  if (words < MIN_WORDS) return false;
  // Sentences: terminal punctuation or line breaks between runs of words.
  if (!/[A-Za-z][.!?:]\s|[A-Za-z][.!?]$|\n/.test(outside)) return false;
  // Mostly letters, spaces and ordinary punctuation (not symbol soup).
  let plain = 0;
  for (let i = 0; i < outside.length; i++) {
    const c = outside.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 32 || c === 10 || c === 13 || c >= 0x80 || c === 46 || c === 44 || c === 39 || c === 33 || c === 63 || (c >= 48 && c <= 57)) plain++;
  }
  return plain >= outside.length * 0.8;
}

/** Fenced blocks: an opening fence line (```lang or ~~~) through the matching closing fence line. */
const FENCE = /(^|\n)[ \t]{0,3}(`{3,}|~{3,})[^\n`]*\n[\s\S]*?\n[ \t]{0,3}\2[`~]*[ \t]*(?=\n|$)/g;
/** Inline code spans: a backtick run, content on one line, the same run closing it, set off by space or punctuation. */
const INLINE = /(^|[\s(\[>*_"'])(`{1,2})(?!`)([^`\n]+?)\2(?!`)(?=$|[\s).,;:!?\]<*_"'])/g;

/** `s` with quoted code blanked when `s` is prose quoting code; otherwise `s` itself. */
export function maskQuotedCode(s: string): string {
  if (s.length < 24 || (s.indexOf("`") < 0 && s.indexOf("~~~") < 0)) return s;
  let masked = s.replace(FENCE, (_m, lead: string) => lead + "\n[code]\n");
  masked = masked.replace(INLINE, (_m, lead: string) => lead + "[code]");
  if (masked === s) return s;
  return isProse(masked.replace(/\[code\]/g, "")) ? masked : s;
}
