/**
 * Maps positions in a bundle back to the files it was built from, so a policy's stack trace names its own files and
 * lines ("policy.ts:12:7") rather than the bundle's. Reads the bundler's source map (version 3, mappings only).
 */

/** [bundle column, source index, source line, source column], all 0-based. */
type Segment = [number, number, number, number];

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export class BundleMap {
  private readonly lines: Segment[][];

  /** `sources` are the names to print for each source, e.g. paths relative to the working directory. */
  constructor(
    mappings: string,
    private readonly sources: readonly string[],
  ) {
    this.lines = decodeMappings(mappings);
  }

  /**
   * The source position of a bundle position, both 1-based as in stack traces; undefined where nothing maps.
   * @example map.lookup(40, 14) // { source: "policy.ts", line: 12, column: 7 }
   */
  lookup(line: number, column: number): { source: string; line: number; column: number } | undefined {
    const segments = this.lines[line - 1];
    if (!segments?.length) return undefined;
    let found: Segment | undefined;
    for (const s of segments) {
      if (s[0] > column - 1) break;
      found = s;
    }
    found ??= segments[0];
    const source = this.sources[found[1]];
    return source === undefined ? undefined : { source, line: found[2] + 1, column: found[3] + 1 };
  }

  /** Rewrites every "<bundleName>:line:column" in a stack trace to its source position. */
  mapStack(stack: string, bundleName: string): string {
    const escaped = bundleName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return stack.replace(new RegExp(`${escaped}:(\\d+):(\\d+)`, "g"), (whole, line: string, column: string) => {
      const at = this.lookup(Number(line), Number(column));
      return at ? `${at.source}:${at.line}:${at.column}` : whole;
    });
  }
}

function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let source = 0;
  let sourceLine = 0;
  let sourceColumn = 0;
  for (const lineText of mappings.split(";")) {
    const segments: Segment[] = [];
    let column = 0; // the bundle column restarts on every line; the other fields carry on across lines
    if (lineText) {
      for (const text of lineText.split(",")) {
        const v = decodeVlq(text);
        column += v[0];
        if (v.length < 4) continue; // a segment that maps to no source
        source += v[1];
        sourceLine += v[2];
        sourceColumn += v[3];
        segments.push([column, source, sourceLine, sourceColumn]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

/** Base64 VLQ: 5 data bits per digit, bit 6 says another digit follows, the lowest bit of the value is its sign. */
function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of text) {
    const digit = BASE64.indexOf(ch);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value % 2 === 1 ? -Math.floor(value / 2) : value / 2);
    value = 0;
    shift = 0;
  }
  return values;
}
