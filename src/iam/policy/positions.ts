/**
 * Where each statement of a policy document sits in its text (for IAM's policy simulator,
 * whose MatchedStatements report StartPosition / EndPosition).
 *
 * A small JSON scanner walks the document exactly as JSON.parse reads it (the last of
 * duplicate "Statement" keys wins, as in JSON.parse, which is what the parser used) and
 * returns, for each element of the Statement list (or the single Statement object), the
 * line and column of its opening "{" and of its closing "}". Lines are 1-based; columns count
 * UTF-16 code units from 2 at a line's first character (the column just after the brace, 1-based),
 * as IAM's simulator reports them: in `{"Version": "2012-10-17", "Statement": {…}}` the statement's
 * "{" (the 40th character) is column 41. "\r\n", "\r" and "\n" each end a line.
 */

export interface StatementPosition {
  start: { line: number; column: number };
  end: { line: number; column: number };
}

class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  fail(): never {
    throw new SyntaxError("not JSON");
  }

  expect(ch: string): void {
    if (this.s[this.i] !== ch) this.fail();
    this.i++;
  }

  /** Reads a string token and returns its decoded value. */
  string(): string {
    const start = this.i;
    this.expect('"');
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === "\\") this.i += 2;
      else if (c === '"') {
        this.i++;
        return JSON.parse(this.s.slice(start, this.i)) as string;
      } else this.i++;
    }
    return this.fail();
  }

  /** Skips any value; returns [start, endInclusive] offsets. */
  value(): [number, number] {
    this.ws();
    const start = this.i;
    const c = this.s[this.i];
    if (c === "{") this.object(() => this.value());
    else if (c === "[") this.array(() => this.value());
    else if (c === '"') this.string();
    else {
      const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.s.slice(this.i, this.i + 400));
      if (!m) this.fail();
      this.i += m[0].length;
    }
    return [start, this.i - 1];
  }

  object(onMember: (key: string) => void): void {
    this.expect("{");
    this.ws();
    if (this.s[this.i] === "}") {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      const key = this.string();
      this.ws();
      this.expect(":");
      onMember(key);
      this.ws();
      if (this.s[this.i] === ",") {
        this.i++;
        continue;
      }
      this.expect("}");
      return;
    }
  }

  array(onElement: () => void): void {
    this.expect("[");
    this.ws();
    if (this.s[this.i] === "]") {
      this.i++;
      return;
    }
    for (;;) {
      onElement();
      this.ws();
      if (this.s[this.i] === ",") {
        this.i++;
        continue;
      }
      this.expect("]");
      return;
    }
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) starts.push(i + 1);
    else if (c === 0x0d) {
      if (text.charCodeAt(i + 1) === 0x0a) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

function at(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] as number) + 2 };
}

/**
 * Positions of the statements of a policy text that parsePolicy accepted, in Statement order
 * (index i = ParsedPolicy.statements[i]); undefined if the text cannot be scanned (then no
 * positions are reported rather than guessed).
 */
export function statementPositions(text: string): StatementPosition[] | undefined {
  try {
    const sc = new Scanner(text);
    let spans: Array<[number, number]> | undefined;
    sc.ws();
    sc.object((key) => {
      if (key !== "Statement") {
        sc.value();
        return;
      }
      sc.ws();
      if (sc.s[sc.i] === "[") {
        const list: Array<[number, number]> = [];
        sc.array(() => list.push(sc.value()));
        spans = list;
      } else spans = [sc.value()];
    });
    sc.ws();
    if (sc.i !== text.length || spans === undefined) return undefined;
    const starts = lineStarts(text);
    return spans.map(([a, b]) => ({ start: at(starts, a), end: at(starts, b) }));
  } catch {
    return undefined;
  }
}
