// The Functions host's Event Grid webhook, locally: each delivered event goes to the Event Grid handler; the
// answer is 200, or 500 when the handler throws (as the host answers Event Grid). Plain HTTP on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Handlers } from '../../src/functions/handlers.js';
import { invocation } from '../functions/helpers.js';

export interface FunctionsHost {
  /** POST target for the emulator's Event Grid (`eventGrid.setFunctionEndpoint(functionId, url)`). */
  url: string;
  /** Invocations answered so far: 200 or 500. */
  answers: number[];
  stop(): Promise<void>;
}

export async function startFunctionsHost(handlers: () => Handlers): Promise<FunctionsHost> {
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => {
      text += c.toString();
    });
    req.on('end', async () => {
      let status = 200;
      try {
        for (const event of JSON.parse(text) as unknown[])
          await handlers().reconcileOnResourceChange(event, invocation('reconcileOnResourceChange').context);
      } catch {
        status = 500;
      }
      answers.push(status);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/runtime/webhooks/EventGrid?functionName=reconcileOnResourceChange`,
    answers,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
