// Event subscription filter matching, as the Event Grid docs describe it ("Understand event filtering"):
// includedEventTypes (any of them; none = all), subjectBeginsWith/EndsWith (case-insensitive unless
// isSubjectCaseSensitive), advanced filters ANDed together, the values of one filter ORed, string comparisons
// case-insensitive. A key names a field by its dotted path (data.operationName, subject, eventType, ...).
// A key missing from the event fails every operator except the Not* ones and IsNullOrUndefined.
import type { AdvancedFilter, SubscriptionFilter } from './subscription-body.js';

type Json = Record<string, unknown>;

const lower = (s: string) => s.toLowerCase();

function valueAt(event: Json, key: string): unknown {
  let cur: unknown = event;
  for (const part of key.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Json)[part];
  }
  return cur;
}

function stringTest(op: string, actual: string, values: string[]): boolean {
  const a = lower(actual);
  const vs = values.map(lower);
  switch (op) {
    case 'StringIn':
      return vs.includes(a);
    case 'StringNotIn':
      return !vs.includes(a);
    case 'StringBeginsWith':
      return vs.some((v) => a.startsWith(v));
    case 'StringNotBeginsWith':
      return !vs.some((v) => a.startsWith(v));
    case 'StringEndsWith':
      return vs.some((v) => a.endsWith(v));
    case 'StringNotEndsWith':
      return !vs.some((v) => a.endsWith(v));
    case 'StringContains':
      return vs.some((v) => a.includes(v));
    case 'StringNotContains':
      return !vs.some((v) => a.includes(v));
    default:
      return false;
  }
}

function numberTest(f: AdvancedFilter, n: number): boolean {
  const values = (f.values ?? []) as unknown[];
  const inRange = () => values.some((r) => Array.isArray(r) && n >= Number(r[0]) && n <= Number(r[1]));
  switch (f.operatorType) {
    case 'NumberIn':
      return values.includes(n);
    case 'NumberNotIn':
      return !values.includes(n);
    case 'NumberLessThan':
      return n < Number(f.value);
    case 'NumberGreaterThan':
      return n > Number(f.value);
    case 'NumberLessThanOrEquals':
      return n <= Number(f.value);
    case 'NumberGreaterThanOrEquals':
      return n >= Number(f.value);
    case 'NumberInRange':
      return inRange();
    case 'NumberNotInRange':
      return !inRange();
    default:
      return false;
  }
}

function scalarTest(f: AdvancedFilter, actual: unknown): boolean {
  const op = f.operatorType;
  if (op === 'IsNullOrUndefined') return actual === undefined || actual === null;
  if (op === 'IsNotNull') return actual !== undefined && actual !== null;
  if (actual === undefined || actual === null) return op.includes('Not');
  if (op === 'BoolEquals') return actual === f.value;
  if (op.startsWith('String'))
    return typeof actual === 'string' && stringTest(op, actual, (f.values ?? []) as string[]);
  if (op.startsWith('Number')) return typeof actual === 'number' && numberTest(f, actual);
  return false;
}

function advancedFilterMatches(f: AdvancedFilter, event: Json, onArrays: boolean): boolean {
  const actual = valueAt(event, f.key);
  if (Array.isArray(actual)) return onArrays ? actual.some((a) => scalarTest(f, a)) : false;
  return scalarTest(f, actual);
}

/** Does `event` (EventGridEvent shape) pass the subscription's filter? */
export function filterMatches(filter: SubscriptionFilter, event: Json): boolean {
  const type = String(event.eventType ?? event.type ?? '');
  if (filter.includedEventTypes && !filter.includedEventTypes.some((t) => lower(t) === lower(type)))
    return false;
  const cs = filter.isSubjectCaseSensitive;
  const subject = cs ? String(event.subject ?? '') : lower(String(event.subject ?? ''));
  const norm = (s: string) => (cs ? s : lower(s));
  if (filter.subjectBeginsWith && !subject.startsWith(norm(filter.subjectBeginsWith))) return false;
  if (filter.subjectEndsWith && !subject.endsWith(norm(filter.subjectEndsWith))) return false;
  const onArrays = filter.enableAdvancedFilteringOnArrays === true;
  return filter.advancedFilters.every((f) => advancedFilterMatches(f, event, onArrays));
}
