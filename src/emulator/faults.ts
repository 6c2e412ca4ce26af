// Fault injection: rules that match a request by method and path and change what the emulator does with it.
import { z } from 'zod';

const routeSpec = z.object({
  name: z.string().min(1),
  properties: z
    .object({
      addressPrefix: z.string(),
      nextHopType: z.string(),
      nextHopIpAddress: z.string().optional(),
    })
    .loose(),
});

const faultRuleSchema = z
  .object({
    /** 'status' (default when `status` is given), 'latency', 'drop', 'lroFail', 'externalWrite'. */
    kind: z.enum(['status', 'latency', 'drop', 'lroFail', 'externalWrite']).optional(),
    /** HTTP method to match (any when absent), case-insensitive. */
    method: z.string().optional(),
    /** Case-insensitive substring of the URL path (any when absent). */
    path: z.string().optional(),
    /** Regular expression (case-insensitive) tested against the URL path. */
    pathRegex: z.string().optional(),
    /** Apply this many times, then the rule is spent (unlimited when absent). */
    times: z.number().int().positive().optional(),
    /** Apply with this probability (0..1), drawn from a PRNG seeded with `seed` (default 1). */
    probability: z.number().min(0).max(1).optional(),
    seed: z.number().int().optional(),
    /** kind 'status': the status code, extra headers and an optional ARM error body. */
    status: z.number().int().min(100).max(599).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    error: z.object({ code: z.string(), message: z.string() }).loose().optional(),
    /** kind 'latency' (or any kind): extra delay before the request is handled. */
    latencyMs: z.number().int().nonnegative().optional(),
    /** kind 'lroFail': the error reported by the failed operation (default InternalServerError). */
    lroError: z.object({ code: z.string(), message: z.string() }).loose().optional(),
    /** kind 'externalWrite': how the other writer changes the route table before the request is handled. */
    externalWrite: z
      .object({
        /** Route table to change; defaults to the table the request targets. */
        routeTableId: z.string().optional(),
        addRoutes: z.array(routeSpec).optional(),
        removeRoutes: z.array(z.string()).optional(),
        tags: z.record(z.string(), z.string()).optional(),
      })
      .optional(),
  })
  .refine((r) => r.kind !== 'status' || r.status !== undefined, {
    message: "a rule of kind 'status' needs a 'status'",
  })
  .refine((r) => r.pathRegex === undefined || isRegex(r.pathRegex), {
    message: "'pathRegex' is not a valid regular expression",
  });

function isRegex(s: string): boolean {
  try {
    new RegExp(s, 'iu');
    return true;
  } catch {
    return false;
  }
}

export type FaultRuleInput = z.input<typeof faultRuleSchema>;
type FaultKind = 'status' | 'latency' | 'drop' | 'lroFail' | 'externalWrite';

export interface FaultRule extends z.output<typeof faultRuleSchema> {
  id: string;
  kind: FaultKind;
  applied: number;
}

function parseFaultRule(input: unknown, where = 'fault rule'): Omit<FaultRule, 'id'> {
  const r = faultRuleSchema.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues
      .map((i) => `${where}${i.path.length ? ` field '${i.path.join('.')}'` : ''}: ${i.message}`)
      .join('; ');
    throw new Error(msg);
  }
  const kind: FaultKind =
    r.data.kind ??
    (r.data.status !== undefined ? 'status' : r.data.latencyMs !== undefined ? 'latency' : 'status');
  if (kind === 'status' && r.data.status === undefined)
    throw new Error(`${where}: expected 'status' or a 'kind'`);
  return { ...r.data, kind, applied: 0 };
}

/** mulberry32: a small seeded PRNG, so probabilistic faults are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  private rules: Array<FaultRule & { rand?: () => number }> = [];
  private seq = 0;

  add(input: FaultRuleInput | unknown): FaultRule {
    const parsed = parseFaultRule(input);
    const rule: FaultRule & { rand?: () => number } = { ...parsed, id: `fault-${++this.seq}` };
    if (rule.probability !== undefined) rule.rand = prng(rule.seed ?? 1);
    this.rules.push(rule);
    return rule;
  }

  remove(id: string): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map(({ rand: _rand, ...r }) => ({ ...r }));
  }

  /** Rules that fire for this request (each counted as applied). */
  match(method: string, path: string): FaultRule[] {
    const out: FaultRule[] = [];
    const lowerPath = path.toLowerCase();
    for (const rule of this.rules) {
      if (rule.times !== undefined && rule.applied >= rule.times) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path && !lowerPath.includes(rule.path.toLowerCase())) continue;
      if (rule.pathRegex && !new RegExp(rule.pathRegex, 'iu').test(path)) continue;
      if (rule.rand && rule.rand() >= (rule.probability ?? 1)) continue;
      rule.applied++;
      out.push(rule);
    }
    return out;
  }
}
