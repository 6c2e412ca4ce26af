// A bounded wait, shared by the triggers (an event invocation must answer inside Event Grid's 30 s) and the
// telemetry flush (an exporter that hangs must not hold the invocation).

/**
 * `work`'s outcome if it settles within `ms`, else `undefined` (`work` goes on). `unref`: the timer alone does
 * not keep the process alive (for a flush at exit).
 */
export async function within<T>(
  work: Promise<T>,
  ms: number,
  options: { unref?: boolean } = {},
): Promise<{ value: T } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
    if (options.unref) timer.unref();
  });
  try {
    return await Promise.race([work.then((value) => ({ value })), late]);
  } finally {
    clearTimeout(timer);
  }
}
