// Tiny request/response protocol over a forked child's IPC channel: {id, cmd, ...} -> {id, ok, value|error}.
// Messages without an id (e.g. {type: 'event'}) are notifications.
import type { ChildProcess } from 'node:child_process';

export interface Request {
  id?: number;
  cmd: string;
  [key: string]: unknown;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export type Notification = { type: string; [key: string]: unknown };

export class Rpc {
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly #listeners = new Set<(n: Notification) => void>();

  constructor(readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const msg = raw as Partial<Reply> & Partial<Notification>;
      if (typeof msg.id === 'number') {
        const waiting = this.#pending.get(msg.id);
        if (!waiting) return;
        this.#pending.delete(msg.id);
        if (msg.ok) waiting.resolve(msg.value);
        else waiting.reject(new Error(msg.error ?? 'child error'));
      } else if (typeof msg.type === 'string') {
        for (const listener of this.#listeners) listener(msg as Notification);
      }
    });
    child.on('exit', (code) => {
      for (const waiting of this.#pending.values())
        waiting.reject(new Error(`child exited (${code}) before answering`));
      this.#pending.clear();
    });
  }

  call<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, ...args });
    });
  }

  notify(message: Notification): void {
    this.child.send(message);
  }

  onNotification(fn: (n: Notification) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
}

/** In a child: answer requests with `handler`; notifications go to `onNotification`. */
export function serve(
  handler: (req: Request) => Promise<unknown>,
  onNotification?: (n: Notification) => void,
): void {
  process.on('message', (raw) => {
    const req = raw as Request & Partial<Notification>;
    if (typeof req.id !== 'number') {
      if (typeof req.type === 'string') onNotification?.(req as Notification);
      return;
    }
    const id = req.id;
    handler(req).then(
      (value) => process.send?.({ id, ok: true, value }),
      (error: unknown) =>
        process.send?.({
          id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }),
    );
  });
}
