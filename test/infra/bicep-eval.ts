// A small evaluator of Bicep expressions for the infra tests (no Bicep compiler can be installed here: the npm
// wrapper bicep-node downloads the CLI from downloads.bicep.azure.com at run time). It evaluates a file's `var`s
// the way ARM would at deployment, for the subset the templates use to derive values: literals, strings with
// ${} interpolation, arrays and objects (newline- or comma-separated), property access (`.`, `.?`), indexing,
// `??`, `? :`, `!`, `==`, `!=`, `&&`, `||`, lambdas, and the functions in FUNCTIONS. Anything else throws, so a
// test never passes on an expression it did not understand.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

type Value = unknown;
type Fn = (args: Value[], ctx: Context) => Value;
interface Lambda {
  params: string[];
  body: Expr;
  scope: Scope;
}
type Scope = Map<string, Value>;

type Expr =
  | { k: 'lit'; v: Value }
  | { k: 'str'; parts: Array<string | Expr> }
  | { k: 'id'; name: string }
  | { k: 'arr'; items: Expr[] }
  | { k: 'obj'; props: Array<[string, Expr]> }
  | { k: 'prop'; target: Expr; name: string; safe: boolean }
  | { k: 'index'; target: Expr; index: Expr }
  | { k: 'call'; name: string; args: Expr[] }
  | { k: 'lambda'; params: string[]; body: Expr }
  | { k: 'un'; op: '!'; e: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr };

interface Token {
  t: 'id' | 'num' | 'str' | 'op' | 'nl' | 'end';
  v: string;
  parts?: string[];
  exprs?: boolean[];
}

export class BicepEvalError extends Error {}

const OPS = ['=>', '??', '.?', '==', '!=', '&&', '||', '(', ')', '[', ']', '{', '}', ',', ':', '.', '?', '!'];

/** Tokens from `from` on, read as the parser asks for them (the rest of the file is never read). */
class Tokens {
  private readonly read: Token[] = [];
  private i: number;
  constructor(
    private readonly src: string,
    from: number,
  ) {
    this.i = from;
  }

  at(n: number): Token {
    while (this.read.length <= n) this.read.push(this.scan());
    return this.read[n]!;
  }

  private scan(): Token {
    const src = this.src;
    for (;;) {
      if (this.i >= src.length) return { t: 'end', v: '' };
      const c = src[this.i]!;
      if (c === '\n') {
        this.i++;
        return { t: 'nl', v: '\n' };
      }
      if (/\s/u.test(c)) this.i++;
      else if (src.startsWith('//', this.i)) {
        const eol = src.indexOf('\n', this.i);
        this.i = eol === -1 ? src.length : eol;
      } else if (src.startsWith('/*', this.i)) this.i = src.indexOf('*/', this.i) + 2;
      else break;
    }
    const c = src[this.i]!;
    if (c === "'") {
      const { token, end } = readString(src, this.i);
      this.i = end;
      return token;
    }
    const word = /^(?:[A-Za-z_]\w*|\d+)/u.exec(src.slice(this.i, this.i + 200))?.[0];
    if (word) {
      this.i += word.length;
      return { t: /^\d/u.test(word) ? 'num' : 'id', v: word };
    }
    const op = OPS.find((o) => src.startsWith(o, this.i));
    if (!op) throw new BicepEvalError(`unexpected '${c}' at ${this.i}`);
    this.i += op.length;
    return { t: 'op', v: op };
  }
}

/** A '...' string: literal parts, and the source text of each ${} interpolation. */
function readString(src: string, start: number): { token: Token; end: number } {
  const parts: string[] = [];
  const exprs: boolean[] = [];
  let text = '';
  let i = start + 1;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\\') {
      const e = src[i + 1]!;
      text += ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e;
      i += 2;
    } else if (c === "'") {
      parts.push(text);
      exprs.push(false);
      return { token: { t: 'str', v: '', parts, exprs }, end: i + 1 };
    } else if (c === '$' && src[i + 1] === '{') {
      parts.push(text);
      exprs.push(false);
      text = '';
      let depth = 0;
      let j = i + 2;
      for (; j < src.length; j++) {
        if (src[j] === "'") j = readString(src, j).end - 1;
        else if (src[j] === '{') depth++;
        else if (src[j] === '}') {
          if (depth === 0) break;
          depth--;
        }
      }
      parts.push(src.slice(i + 2, j));
      exprs.push(true);
      i = j + 1;
    } else {
      text += c;
      i++;
    }
  }
  throw new BicepEvalError(`unterminated string at ${start}`);
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Tokens) {}

  private peek(): Token {
    return this.tokens.at(this.pos);
  }
  private next(): Token {
    return this.tokens.at(this.pos++);
  }
  private is(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private expect(v: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) throw new BicepEvalError(`expected '${v}', got '${t.v || t.t}'`);
  }
  private skipNl(): void {
    while (this.peek().t === 'nl') this.pos++;
  }

  expression(): Expr {
    const c = this.coalesce();
    if (!this.is('?')) return c;
    this.next();
    const a = this.expression();
    this.expect(':');
    return { k: 'cond', c, a, b: this.expression() };
  }

  private binary(ops: string[], operand: () => Expr): Expr {
    let a = operand();
    while (this.peek().t === 'op' && ops.includes(this.peek().v)) {
      const op = this.next().v;
      a = { k: 'bin', op, a, b: operand() };
    }
    return a;
  }
  private coalesce = (): Expr => this.binary(['??'], this.or);
  private or = (): Expr => this.binary(['||'], this.and);
  private and = (): Expr => this.binary(['&&'], this.equality);
  private equality = (): Expr => this.binary(['==', '!='], this.unary);

  private unary = (): Expr => {
    if (this.is('!')) {
      this.next();
      return { k: 'un', op: '!', e: this.unary() };
    }
    return this.postfix();
  };

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.is('.') || this.is('.?')) {
        const safe = this.next().v === '.?';
        const name = this.next();
        if (name.t !== 'id') throw new BicepEvalError(`expected a property name, got '${name.v}'`);
        e = { k: 'prop', target: e, name: name.v, safe };
      } else if (this.is('[')) {
        this.next();
        const index = this.expression();
        this.expect(']');
        e = { k: 'index', target: e, index };
      } else return e;
    }
  }

  private args(): Expr[] {
    const args: Expr[] = [];
    this.skipNl();
    while (!this.is(')')) {
      args.push(this.expression());
      this.skipNl();
      if (this.is(',')) {
        this.next();
        this.skipNl();
      }
    }
    this.next();
    return args;
  }

  private primary(): Expr {
    const t = this.next();
    if (t.t === 'num') return { k: 'lit', v: Number(t.v) };
    if (t.t === 'str')
      return {
        k: 'str',
        parts: t.parts!.map((p, i) => (t.exprs![i] ? new Parser(new Tokens(p, 0)).expression() : p)),
      };
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (this.is('=>')) {
        this.next();
        return { k: 'lambda', params: [t.v], body: this.expression() };
      }
      if (this.is('(')) {
        this.next();
        return { k: 'call', name: t.v, args: this.args() };
      }
      return { k: 'id', name: t.v };
    }
    if (t.t === 'op' && t.v === '(') return this.parenthesised();
    if (t.t === 'op' && t.v === '[') return this.array();
    if (t.t === 'op' && t.v === '{') return this.object();
    throw new BicepEvalError(`unexpected '${t.v || t.t}'`);
  }

  /** `(expr)` or a lambda's `(a, b) =>`. */
  private parenthesised(): Expr {
    const start = this.pos;
    const names: string[] = [];
    while (this.peek().t === 'id') {
      names.push(this.next().v);
      if (this.is(',')) this.next();
    }
    if (this.is(')') && this.tokens.at(this.pos + 1).v === '=>') {
      this.pos += 2;
      return { k: 'lambda', params: names, body: this.expression() };
    }
    this.pos = start;
    const e = this.expression();
    this.expect(')');
    return e;
  }

  private array(): Expr {
    const items: Expr[] = [];
    this.skipNl();
    while (!this.is(']')) {
      items.push(this.expression());
      if (this.is(',')) this.next();
      this.skipNl();
    }
    this.next();
    return { k: 'arr', items };
  }

  private object(): Expr {
    const props: Array<[string, Expr]> = [];
    this.skipNl();
    while (!this.is('}')) {
      const key = this.next();
      const name = key.t === 'str' ? key.parts!.join('') : key.v;
      this.expect(':');
      props.push([name, this.expression()]);
      if (this.is(',')) this.next();
      this.skipNl();
    }
    this.next();
    return { k: 'obj', props };
  }
}

/** Deep equality as ARM's union() and contains() compare values. */
function same(a: Value, b: Value): boolean {
  return canonical(a) === canonical(b);
}
function canonical(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, Value>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

const asArray = (v: Value, fn: string): Value[] => {
  if (!Array.isArray(v)) throw new BicepEvalError(`${fn}: expected an array, got ${canonical(v)}`);
  return v;
};
const asString = (v: Value, fn: string): string => {
  if (typeof v !== 'string') throw new BicepEvalError(`${fn}: expected a string, got ${canonical(v)}`);
  return v;
};

const FUNCTIONS: Record<string, Fn> = {
  map: ([a, f], ctx) => asArray(a, 'map').map((x, i) => ctx.apply(f, [x, i])),
  filter: ([a, f], ctx) => asArray(a, 'filter').filter((x, i) => ctx.apply(f, [x, i]) === true),
  flatten: ([a]) => asArray(a, 'flatten').flatMap((x) => asArray(x, 'flatten')),
  concat: (args) =>
    args.every((a) => typeof a === 'string') ? args.join('') : args.flatMap((a) => asArray(a, 'concat')),
  union: (args) => {
    if (args.every((a) => Array.isArray(a))) {
      const out: Value[] = [];
      for (const x of args.flat()) if (!out.some((y) => same(x, y))) out.push(x);
      return out;
    }
    return Object.assign({}, ...args);
  },
  toLower: ([s]) => asString(s, 'toLower').toLowerCase(),
  trim: ([s]) => asString(s, 'trim').trim(),
  split: ([s, d]) => asString(s, 'split').split(asString(d, 'split')),
  empty: ([v]) =>
    v === null ||
    v === '' ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && Object.keys(v as object).length === 0),
  contains: ([c, x]) =>
    typeof c === 'string'
      ? c.toLowerCase().includes(asString(x, 'contains').toLowerCase())
      : Array.isArray(c)
        ? c.some((y) => same(x, y))
        : Object.keys(c as object).some((k) => k.toLowerCase() === String(x).toLowerCase()),
  length: ([v]) => (Array.isArray(v) || typeof v === 'string' ? v.length : Object.keys(v as object).length),
  first: ([v]) => asArray(v, 'first')[0] ?? null,
  last: ([v]) => asArray(v, 'last').at(-1) ?? null,
  string: ([v]) => (typeof v === 'string' ? v : JSON.stringify(v)),
};

export interface EvalOptions {
  /** Values of the file's params (a param not given takes its default). */
  params?: Record<string, Value>;
  /** The deployment's subscription id (subscription()). */
  subscriptionId?: string;
  /** What loadJsonContent(path) returns, by the path as written (default: the file, relative to the .bicep). */
  files?: Record<string, Value>;
  /** Other names (module symbols, e.g. `{ outputs: {...} }`). */
  globals?: Record<string, Value>;
  /** More functions (e.g. resourceGroup(sub, name) in a module's scope). */
  functions?: Record<string, Fn>;
}

/** Evaluates the vars, params and expressions of one .bicep file. */
export class Context {
  private readonly source: string;
  private readonly vars = new Map<string, Value>();
  private readonly functions: Record<string, Fn>;

  constructor(
    private readonly path: string,
    private readonly options: EvalOptions = {},
  ) {
    this.source = readFileSync(path, 'utf8');
    const subscriptionId = options.subscriptionId ?? '00000000-0000-0000-0000-000000000000';
    this.functions = {
      ...FUNCTIONS,
      subscription: () => ({ id: `/subscriptions/${subscriptionId}`, subscriptionId }),
      // ARM writes a resource group's id without its provider namespace.
      subscriptionResourceId: ([type, name]) =>
        type === 'Microsoft.Resources/resourceGroups'
          ? `/subscriptions/${subscriptionId}/resourceGroups/${asString(name, 'subscriptionResourceId')}`
          : `/subscriptions/${subscriptionId}/providers/${asString(type, 'subscriptionResourceId')}/${asString(name, 'subscriptionResourceId')}`,
      loadJsonContent: ([file]) => {
        const given = options.files?.[asString(file, 'loadJsonContent')];
        return given ?? JSON.parse(readFileSync(join(dirname(path), file as string), 'utf8'));
      },
      ...options.functions,
    };
  }

  /** The value of `var name`. */
  variable(name: string): Value {
    if (!this.vars.has(name)) {
      const m = new RegExp(`^var ${name} = `, 'mu').exec(this.source);
      if (!m) throw new BicepEvalError(`${this.path}: no var ${name}`);
      this.vars.set(name, this.evaluate(this.parseAt(m.index + m[0].length), new Map()));
    }
    return this.vars.get(name);
  }

  /** Evaluates expression text in this file's context, with `locals` (e.g. a loop's item). */
  expression(text: string, locals: Record<string, Value> = {}): Value {
    const parser = new Parser(new Tokens(text, 0));
    return this.evaluate(parser.expression(), new Map(Object.entries(locals)));
  }

  private parseAt(index: number): Expr {
    return new Parser(new Tokens(this.source, index)).expression();
  }

  private param(name: string): Value {
    if (this.options.params && name in this.options.params) return this.options.params[name];
    const m = new RegExp(`^param ${name} \\w+ = `, 'mu').exec(this.source);
    if (!m) throw new BicepEvalError(`${this.path}: param ${name} has no value and no default`);
    return this.evaluate(this.parseAt(m.index + m[0].length), new Map());
  }

  private lookup(name: string, scope: Scope): Value {
    if (scope.has(name)) return scope.get(name);
    if (this.options.globals && name in this.options.globals) return this.options.globals[name];
    if (new RegExp(`^var ${name} = `, 'mu').test(this.source)) return this.variable(name);
    if (new RegExp(`^param ${name} `, 'mu').test(this.source)) return this.param(name);
    throw new BicepEvalError(`${this.path}: unknown name '${name}'`);
  }

  apply(f: Value, args: Value[]): Value {
    const lambda = f as Lambda;
    if (!lambda?.params) throw new BicepEvalError('expected a lambda');
    const scope = new Map(lambda.scope);
    lambda.params.forEach((p, i) => {
      scope.set(p, args[i]);
    });
    return this.evaluate(lambda.body, scope);
  }

  private evaluate(e: Expr, scope: Scope): Value {
    switch (e.k) {
      case 'lit':
        return e.v;
      case 'str':
        return e.parts.map((p) => (typeof p === 'string' ? p : this.interpolated(p, scope))).join('');
      case 'id':
        return this.lookup(e.name, scope);
      case 'arr':
        return e.items.map((x) => this.evaluate(x, scope));
      case 'obj':
        return Object.fromEntries(e.props.map(([k, v]) => [k, this.evaluate(v, scope)]));
      case 'prop':
        return this.property(this.evaluate(e.target, scope), e.name, e.safe);
      case 'index': {
        const target = this.evaluate(e.target, scope) as Record<string, Value>;
        return target[this.evaluate(e.index, scope) as string];
      }
      case 'call': {
        const fn = this.functions[e.name];
        if (!fn) throw new BicepEvalError(`function ${e.name}() is not modelled`);
        return fn(
          e.args.map((a) => this.evaluate(a, scope)),
          this,
        );
      }
      case 'lambda':
        return { params: e.params, body: e.body, scope } satisfies Lambda;
      case 'un':
        return !this.evaluate(e.e, scope);
      case 'cond':
        return this.evaluate(e.c, scope) === true ? this.evaluate(e.a, scope) : this.evaluate(e.b, scope);
      case 'bin':
        return this.binary(e, scope);
    }
  }

  private interpolated(e: Expr, scope: Scope): string {
    const v = this.evaluate(e, scope);
    return typeof v === 'string' ? v : JSON.stringify(v);
  }

  private property(target: Value, name: string, safe: boolean): Value {
    if (target === null || target === undefined || typeof target !== 'object') {
      if (safe) return null;
      throw new BicepEvalError(`.${name} of ${canonical(target)}`);
    }
    const value = (target as Record<string, Value>)[name];
    if (value === undefined) {
      if (safe) return null;
      throw new BicepEvalError(`no property '${name}' in ${canonical(target)}`);
    }
    return value;
  }

  private binary(e: Extract<Expr, { k: 'bin' }>, scope: Scope): Value {
    const a = this.evaluate(e.a, scope);
    switch (e.op) {
      case '??':
        return a ?? this.evaluate(e.b, scope);
      case '&&':
        return a === true && this.evaluate(e.b, scope) === true;
      case '||':
        return a === true || this.evaluate(e.b, scope) === true;
      case '==':
        return same(a, this.evaluate(e.b, scope));
      case '!=':
        return !same(a, this.evaluate(e.b, scope));
      default:
        throw new BicepEvalError(`operator ${e.op} is not modelled`);
    }
  }
}
