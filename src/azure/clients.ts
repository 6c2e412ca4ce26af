// The only place ARM clients are made: endpoint, credential, TLS trust and the bounded retry policy.
import { readFileSync } from 'node:fs';
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { type Config, isLoopbackEndpoint } from '../config.js';
import { answerBodiesPolicy } from './answer-bodies.js';
import { armPacerPolicy } from './pacer.js';
import { boundedRetryPolicy, DEFAULT_RETRY, type RetrySettings } from './retry-policy.js';

export interface ArmClients {
  network: NetworkManagementClient;
  compute: ComputeManagementClient;
  /** LRO polling interval when ARM sends no Retry-After (default 1 s; the SDK default of 2 s would add a second to every repair: route-table PUTs carry no Retry-After). */
  pollIntervalMs: number;
}

interface ArmClientOptions {
  pollIntervalMs?: number;
  retry?: RetrySettings;
  /** Overrides the credential (tests); by default loopback endpoints need none and Azure uses DefaultAzureCredential. */
  credential?: TokenCredential;
}

/** A local emulator accepts any bearer token; no Azure login is needed against loopback. */
const loopbackCredential: TokenCredential = {
  async getToken(): Promise<AccessToken> {
    return { token: 'local-emulator', expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};

export function createArmClients(config: Config, options: ArmClientOptions = {}): ArmClients {
  const loopback = isLoopbackEndpoint(config.armEndpoint);
  const credential = options.credential ?? (loopback ? loopbackCredential : new DefaultAzureCredential());
  let ca: string | undefined;
  if (config.armCaFile !== undefined) {
    try {
      ca = readFileSync(config.armCaFile, 'utf8');
    } catch (error) {
      throw new Error(`ARM_CA_FILE: cannot read '${config.armCaFile}': ${(error as Error).message}`);
    }
  }
  const clientOptions = {
    endpoint: config.armEndpoint,
    credentials: { scopes: [`${config.armEndpoint}/.default`] },
    // The SDK's own retries are off: ours (bounded by the run's deadline) replaces them.
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [
      { policy: boundedRetryPolicy(options.retry ?? DEFAULT_RETRY), position: 'perCall' as const },
      { policy: answerBodiesPolicy(), position: 'perCall' as const },
      // Every attempt, retries too, waits for a token of ARM's bucket (src/azure/pacer.ts).
      { policy: armPacerPolicy(config.armEndpoint), position: 'perRetry' as const },
    ],
    userAgentOptions: { userAgentPrefix: 'pod-route-reconciler' },
    ...(ca !== undefined ? { tlsOptions: { ca } } : {}),
  };
  return {
    network: new NetworkManagementClient(credential, config.subscriptionId, clientOptions),
    compute: new ComputeManagementClient(credential, config.subscriptionId, clientOptions),
    pollIntervalMs: options.pollIntervalMs ?? 1_000,
  };
}

const clientCache = new Map<string, ArmClients>();

/**
 * The one cache of clients: one set per endpoint, subscription and trust, so connections and tokens are
 * reused across runs (one per Functions instance). Tests and the bench that need other options make their own.
 */
export function clientsFor(config: Config): ArmClients {
  const key = `${config.armEndpoint}|${config.subscriptionId}|${config.armCaFile ?? ''}`;
  let clients = clientCache.get(key);
  if (!clients) {
    clients = createArmClients(config);
    clientCache.set(key, clients);
  }
  return clients;
}
