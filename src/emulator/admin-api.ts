// The admin API under /_emulator/ (for tools outside the test process, e.g. the CLI or a shell): faults,
// the request log, events, power states, function registrations, Event Grid deliveries, reset. Any bearer
// token is accepted, as on the ARM surface. Endpoints: docs/emulator.md.
import type { IncomingHttpHeaders } from 'node:http';
import { powerAdmin } from './compute/power.js';
import type { EventHub } from './events.js';
import type { FaultRuleInput, Faults } from './faults.js';
import type { ArmReply } from './request.js';
import type { Store } from './store.js';
import type { TrafficRecorder } from './traffic.js';

interface AdminServices {
  store: Store;
  faults: Faults;
  recorder: TrafficRecorder;
  hub: EventHub;
  /** Services with admin endpoints of their own (Event Grid, Functions): undefined for other paths. */
  serviceAdmins: Array<{ admin(method: string, path: string, raw: string): ArmReply | undefined }>;
  reset(): void;
}

interface AdminRequest {
  headers: IncomingHttpHeaders;
  method: string;
  path: string;
  rawBody: string;
}

const json = (status: number, body?: unknown): ArmReply => ({ status, headers: {}, body });
const error = (status: number, code: string, message: string): ArmReply =>
  json(status, { error: { code, message } });

export function handleAdmin(admin: AdminServices, req: AdminRequest): ArmReply {
  const auth = req.headers.authorization;
  if (!auth || !/^Bearer \S+/u.test(auth))
    return error(
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is missing.",
    );
  try {
    for (const service of admin.serviceAdmins) {
      const reply = service.admin(req.method, req.path, req.rawBody);
      if (reply) return reply;
    }
    return ownEndpoint(admin, req);
  } catch (err) {
    return error(400, 'InvalidFaultRule', (err as Error).message);
  }
}

function ownEndpoint(admin: AdminServices, req: AdminRequest): ArmReply {
  switch (`${req.method} ${req.path.toLowerCase().replace(/\/$/u, '')}`) {
    case 'POST /_emulator/faults':
      return json(201, admin.faults.add(JSON.parse(req.rawBody || 'null') as FaultRuleInput));
    case 'DELETE /_emulator/faults':
      admin.faults.clear();
      return json(204);
    case 'GET /_emulator/faults':
      return json(200, admin.faults.list());
    case 'GET /_emulator/requests':
      return json(
        200,
        admin.recorder.requests().map(({ method, path, status, ms }) => ({ method, path, status, ms })),
      );
    case 'DELETE /_emulator/requests':
      admin.recorder.clearRequests();
      return json(204);
    case 'GET /_emulator/events':
      return json(200, admin.hub.events);
    case 'POST /_emulator/power':
      return powerAdmin(admin.store, req.rawBody);
    case 'POST /_emulator/reset':
      admin.reset();
      return json(204);
    default:
      return error(404, 'NotFound', `No admin endpoint ${req.method} ${req.path}. See docs/emulator.md.`);
  }
}
