// A small, careful reader of Bicep text for the infra tests (no Bicep compiler can be installed here).
// It lexes strings ('...' with \ escapes and ${...} interpolation, '''...''' verbatim) and comments, then
// answers structural questions: declarations, object keys, array literals, balanced brackets.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const INFRA_DIR = join(REPO_ROOT, 'infra');

interface BicepString {
  /** Index of the opening quote. */
  start: number;
  /** Index just after the closing quote. */
  end: number;
  /** Text with escapes resolved; interpolations kept as ${expr}. */
  value: string;
  multiline: boolean;
  interpolated: boolean;
}

export interface LexedBicep {
  source: string;
  /** Same length as source: comments and string contents blanked (quotes and ${...} code kept). */
  code: string;
  strings: BicepString[];
}

export class BicepSyntaxError extends Error {}

function lineOf(src: string, index: number): number {
  return src.slice(0, index).split('\n').length;
}

export function lexBicep(source: string): LexedBicep {
  const out = source.split('');
  const strings: BicepString[] = [];
  const n = source.length;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };

  const scanString = (start: number): number => {
    let value = '';
    let interpolated = false;
    let k = start + 1;
    while (k < n) {
      const c = source[k]!;
      if (c === '\\') {
        value += source[k + 1] ?? '';
        blank(k, k + 2);
        k += 2;
        continue;
      }
      if (c === '\n') throw new BicepSyntaxError(`unterminated string at line ${lineOf(source, start)}`);
      if (c === "'") {
        strings.push({ start, end: k + 1, value, multiline: false, interpolated });
        return k + 1;
      }
      if (c === '$' && source[k + 1] === '{') {
        interpolated = true;
        const end = scanCode(k + 2, true);
        value += `\${${source.slice(k + 2, end - 1)}}`;
        k = end;
        continue;
      }
      blank(k, k + 1);
      value += c;
      k++;
    }
    throw new BicepSyntaxError(`unterminated string at line ${lineOf(source, start)}`);
  };

  // Scans code; inside an interpolation, returns the index after its closing brace.
  const scanCode = (from: number, inInterpolation: boolean): number => {
    let depth = 0;
    let i = from;
    while (i < n) {
      const c = source[i]!;
      if (c === '/' && source[i + 1] === '/') {
        const j = source.indexOf('\n', i);
        const end = j === -1 ? n : j;
        blank(i, end);
        i = end;
        continue;
      }
      if (c === '/' && source[i + 1] === '*') {
        const j = source.indexOf('*/', i + 2);
        if (j === -1) throw new BicepSyntaxError(`unterminated comment at line ${lineOf(source, i)}`);
        blank(i, j + 2);
        i = j + 2;
        continue;
      }
      if (source.startsWith("'''", i)) {
        const j = source.indexOf("'''", i + 3);
        if (j === -1) throw new BicepSyntaxError(`unterminated ''' string at line ${lineOf(source, i)}`);
        strings.push({
          start: i,
          end: j + 3,
          value: source.slice(i + 3, j),
          multiline: true,
          interpolated: false,
        });
        blank(i + 3, j);
        i = j + 3;
        continue;
      }
      if (c === "'") {
        i = scanString(i);
        continue;
      }
      if (inInterpolation) {
        if (c === '{') depth++;
        else if (c === '}') {
          if (depth === 0) return i + 1;
          depth--;
        }
      }
      i++;
    }
    if (inInterpolation)
      throw new BicepSyntaxError(`unterminated interpolation at line ${lineOf(source, from)}`);
    return i;
  };

  scanCode(0, false);
  return { source, code: out.join(''), strings };
}

/** Problems with (), [] and {} nesting outside strings and comments; empty when balanced. */
export function bracketProblems(lexed: LexedBicep): string[] {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: Array<{ ch: string; at: number }> = [];
  const problems: string[] = [];
  const { code, source } = lexed;
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    if (c === '(' || c === '[' || c === '{') stack.push({ ch: c, at: i });
    else if (c in pairs) {
      const top = stack.pop();
      if (!top || top.ch !== pairs[c]) {
        problems.push(`unexpected '${c}' at line ${lineOf(source, i)}`);
        if (top) stack.push(top);
      }
    }
  }
  for (const open of stack) problems.push(`unclosed '${open.ch}' from line ${lineOf(source, open.at)}`);
  return problems;
}

/** Index of the bracket closing the one at `open` (code text, strings already blanked). */
function matchingClose(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const c = code[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new BicepSyntaxError(`no closing bracket for index ${open}`);
}

function stringAt(lexed: LexedBicep, quoteIndex: number): BicepString | undefined {
  return lexed.strings.find((s) => s.start === quoteIndex);
}

/** Keys of the object literal whose '{' is at `open` (top level only, one property per line). */
export function objectKeys(lexed: LexedBicep, open: number): string[] {
  const close = matchingClose(lexed.code, open);
  const keys: string[] = [];
  let depth = 0;
  let lineStart = true;
  for (let i = open + 1; i < close; i++) {
    const c = lexed.code[i]!;
    if (c === '\n') {
      lineStart = true;
      continue;
    }
    if (lineStart && depth === 0 && /\S/u.test(c)) {
      const m = /^(\w+|'[^']*')\s*:/u.exec(lexed.code.slice(i, close));
      if (m) {
        const raw = m[1]!;
        keys.push(raw.startsWith("'") ? (stringAt(lexed, i)?.value ?? raw) : raw);
      }
    }
    if (/\S/u.test(c)) lineStart = false;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
  }
  return keys;
}

/** String elements of the array literal whose '[' is at `open` (top level only). */
export function arrayStrings(lexed: LexedBicep, open: number): string[] {
  const close = matchingClose(lexed.code, open);
  return lexed.strings.filter((s) => s.start > open && s.end <= close).map((s) => s.value);
}

export interface Declaration {
  kind: 'param' | 'var' | 'resource' | 'module' | 'output';
  name: string;
  index: number;
  /** param/output type; resource type@version; module path. */
  detail: string;
  /** param: has a default value. */
  hasDefault: boolean;
}

export function declarations(lexed: LexedBicep): Declaration[] {
  const found: Declaration[] = [];
  const re = /^[ \t]*(param|var|resource|module|output)[ \t]+(\w+)[ \t]+([^\n]*)$/gmu;
  for (const m of lexed.code.matchAll(re)) {
    const kind = m[1] as Declaration['kind'];
    const rest = m[3]!;
    const index = m.index!;
    let detail = rest.trim().split(/\s+/u)[0] ?? '';
    if (kind === 'resource' || kind === 'module') {
      const quote = index + m[0].indexOf("'", m[0].indexOf(m[2]!) + m[2]!.length);
      detail = stringAt(lexed, quote)?.value ?? '';
    }
    found.push({ kind, name: m[2]!, index, detail, hasDefault: kind === 'param' && /=/u.test(rest) });
  }
  return found;
}

/** Index just after `var <name> =` (whitespace skipped), i.e. where its value starts. */
export function varValueIndex(lexed: LexedBicep, name: string): number {
  const m = new RegExp(`^[ \\t]*var[ \\t]+${name}[ \\t]*=[ \\t]*`, 'mu').exec(lexed.code);
  if (!m) throw new Error(`var ${name} not found`);
  return m.index + m[0].length;
}

/** Whether `name` is referenced anywhere besides its declaration line and object keys at line start. */
export function isReferenced(lexed: LexedBicep, decl: Declaration): boolean {
  const declLineEnd = lexed.code.indexOf('\n', decl.index);
  const re = new RegExp(`\\b${decl.name}\\b`, 'gu');
  for (const m of lexed.code.matchAll(re)) {
    const i = m.index!;
    if (i >= decl.index && i < declLineEnd) continue;
    const lineStart = lexed.code.lastIndexOf('\n', i) + 1;
    const before = lexed.code.slice(lineStart, i);
    const after = lexed.code.slice(i + decl.name.length);
    if (/^\s*$/u.test(before) && /^\s*:/u.test(after)) continue; // an object key, not a reference
    return true;
  }
  return false;
}

export function readInfra(relative: string): string {
  return readFileSync(join(INFRA_DIR, relative), 'utf8');
}

export function bicepFiles(dir = INFRA_DIR): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...bicepFiles(path));
    else if (entry.name.endsWith('.bicep')) files.push(path);
  }
  return files.sort();
}

/** The ''' multi-line strings of a file: the alert rules keep their KQL in them. */
export function verbatimStrings(lexed: LexedBicep): string[] {
  return lexed.strings.filter((s) => s.multiline).map((s) => s.value);
}
