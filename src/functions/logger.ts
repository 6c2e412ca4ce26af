// The engine's Logger on top of an InvocationContext (so engine logs land in the invocation's log stream).
import type { InvocationContext } from '@azure/functions';
import type { Logger } from '../core/types.js';

export function contextLogger(context: InvocationContext): Logger {
  const line = (message: string, properties?: Record<string, unknown>): string =>
    properties === undefined || Object.keys(properties).length === 0
      ? message
      : `${message} ${JSON.stringify(properties)}`;
  return {
    debug: (message, properties) => context.debug(line(message, properties)),
    info: (message, properties) => context.info(line(message, properties)),
    warn: (message, properties) => context.warn(line(message, properties)),
    error: (message, properties) => context.error(line(message, properties)),
  };
}
