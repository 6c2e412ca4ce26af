// The client-side pacer keeps one estimate per subscription (ARM's buckets are per subscription and principal):
// one subscription's empty bucket must not hold back another's requests. The policy is driven directly, with a
// `next` that answers as ARM would; the emulator suites cover it over HTTPS.
import {
  createHttpHeaders,
  createPipelineRequest,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { afterEach, describe, expect, it } from 'vitest';
import { armPacerPolicy, forgetArmPacers } from '../../src/azure/pacer.js';

const ENDPOINT = 'https://pacer-test.invalid';
const SUB_A = '00000000-0000-0000-0000-00000000000a';
const SUB_B = '00000000-0000-0000-0000-00000000000b';
const url = (sub: string) =>
  `${ENDPOINT}/subscriptions/${sub}/resourceGroups/k/providers/Microsoft.Network/routeTables/t?api-version=2024-05-01`;

function answering(status: number, sent: string[]) {
  return async (request: PipelineRequest): Promise<PipelineResponse> => {
    sent.push(new URL(request.url).pathname.split('/')[2]!);
    return { request, status, headers: createHttpHeaders(), bodyAsText: '{}' };
  };
}

afterEach(() => forgetArmPacers(ENDPOINT));

describe("the ARM pacer's buckets", () => {
  it("a 429 in one subscription holds back that subscription's next read, not another's", async () => {
    const policy = armPacerPolicy(ENDPOINT);
    const sent: string[] = [];
    await policy.sendRequest(createPipelineRequest({ url: url(SUB_A) }), answering(429, sent));
    const ok = answering(200, sent);
    const a = policy.sendRequest(createPipelineRequest({ url: url(SUB_A) }), ok);
    const b = policy.sendRequest(createPipelineRequest({ url: url(SUB_B.toUpperCase()) }), ok);
    await Promise.all([a, b]);
    // A waited for its bucket to refill (1/25 s); B went at once, though it asked after A.
    expect(sent).toEqual([SUB_A, SUB_B.toUpperCase(), SUB_A]);
  });
});
