// The bodies of ARM's answers as sent, for a field the SDK's deserializer drops (today: the effective routes'
// hasBgpOverride, which real ARM sends but the spec lacks). A policy of every client's pipeline keeps them only
// while a `withAnswerBodies` call runs (found through AsyncLocalStorage, as the retry policy finds its run).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

const current = new AsyncLocalStorage<string[]>();

export function answerBodiesPolicy(): PipelinePolicy {
  return {
    name: 'podRoutesAnswerBodies',
    async sendRequest(request, next) {
      const response = await next(request);
      const bodies = current.getStore();
      if (bodies !== undefined && typeof response.bodyAsText === 'string') bodies.push(response.bodyAsText);
      return response;
    },
  };
}

/** `fn`'s result and the bodies of the answers to its requests, in order. */
export async function withAnswerBodies<T>(fn: () => Promise<T>): Promise<{ result: T; bodies: string[] }> {
  const bodies: string[] = [];
  const result = await current.run(bodies, fn);
  return { result, bodies };
}
