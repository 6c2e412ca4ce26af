// ARM error bodies, worded as real ARM / the network resource provider word them. Sources: docs/emulator.md.

export interface ArmErrorBody {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorBody[];
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly body: ArmErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${body.code}: ${body.message}`);
  }
}

const armNotFoundFix = 'For more details please go to https://aka.ms/ARMResourceNotFoundFix';

export const armErrors = {
  authenticationMissing: () =>
    new ArmError(401, {
      code: 'AuthenticationFailed',
      message: "Authentication failed. The 'Authorization' header is missing.",
    }),
  authenticationInvalid: () =>
    new ArmError(401, {
      code: 'AuthenticationFailedInvalidHeader',
      message: "Authentication failed. The 'Authorization' header is provided in an invalid format.",
    }),
  missingApiVersion: () =>
    new ArmError(400, {
      code: 'MissingApiVersionParameter',
      message: 'The api-version query parameter (?api-version=) is required for all requests.',
    }),
  invalidApiVersion: (version: string, supported: readonly string[]) =>
    new ArmError(400, {
      code: 'InvalidApiVersionParameter',
      message: `The api-version '${version}' is invalid. The supported versions are '${supported.join(',')}'.`,
    }),
  noRegisteredProvider: (
    location: string,
    version: string,
    type: string,
    supported: readonly string[],
    locations: readonly string[],
  ) =>
    new ArmError(400, {
      code: 'NoRegisteredProviderFound',
      message: `No registered resource provider found for location '${location}' and API version '${version}' for type '${type}'. The supported api-versions are '${supported.join(', ')}'. The supported locations are '${locations.join(', ')}'.`,
    }),
  resourceGroupNotFound: (rg: string) =>
    new ArmError(404, {
      code: 'ResourceGroupNotFound',
      message: `Resource group '${rg}' could not be found.`,
    }),
  /** ARM front door: a top-level resource (or the parent of a child) is missing. */
  resourceNotFound: (typeAndName: string, rg: string) =>
    new ArmError(404, {
      code: 'ResourceNotFound',
      message: `The Resource '${typeAndName}' under resource group '${rg}' was not found. ${armNotFoundFix}`,
    }),
  /** Network resource provider: a child resource (route, subnet) of an existing parent is missing. */
  nrpNotFound: (id: string) =>
    new ArmError(404, { code: 'NotFound', message: `Resource ${id} not found.`, details: [] }),
  notSupported: (method: string, path: string) =>
    new ArmError(400, {
      code: 'InvalidResourceType',
      message: `The emulator does not serve ${method} ${path}: no such operation on the emulated ARM surface.`,
    }),
  badRequestBody: (message: string) =>
    new ArmError(400, { code: 'InvalidRequestContent', message, details: [] }),
  cannotParse: (target: string, detail: string) =>
    new ArmError(400, {
      code: 'InvalidRequestFormat',
      message: 'Cannot parse the request.',
      details: [{ code: 'InvalidJson', message: `${target}: ${detail}`, target }],
    }),
  locationRequired: () =>
    new ArmError(400, {
      code: 'LocationRequired',
      message: 'The location property is required for this definition.',
    }),
  preconditionFailed: (id: string) =>
    new ArmError(412, {
      code: 'PreconditionFailed',
      message: `Precondition failed for resource ${id}: the If-Match/If-None-Match header does not match the resource's current etag.`,
      details: [],
    }),
  anotherOperationInProgress: (operation: string, id: string, retryAfterSeconds: number) =>
    new ArmError(
      429,
      {
        code: 'RetryableError',
        message: 'A retryable error occurred.',
        details: [
          {
            code: 'RetryableErrorDueToAnotherOperation',
            message: `Operation ${operation} is updating resource ${id}. The call can be retried in ${retryAfterSeconds} seconds.`,
          },
        ],
      },
      { 'Retry-After': String(retryAfterSeconds) },
    ),
  routeConflict: (route: string, other: string) =>
    new ArmError(400, {
      code: 'RouteConflict',
      message: `Route: ${route} conflicts with Route: ${other}. Routes cannot have the same AddressPrefix.`,
      details: [],
    }),
  tooManyRoutes: (id: string, count: number, limit: number) =>
    new ArmError(400, {
      code: 'RouteTableRoutesLimitExceeded',
      message: `Route table ${id} has ${count} routes, which exceeds the limit of ${limit} routes per route table.`,
      details: [],
    }),
  invalidAddressPrefix: (prefix: string, id: string) =>
    new ArmError(400, {
      code: 'InvalidAddressPrefixFormat',
      message: `Address prefix ${prefix} of resource ${id} is not formatted correctly. It should follow CIDR notation, for example 10.0.0.0/24.`,
      details: [],
    }),
  missingNextHopIp: (route: string) =>
    new ArmError(400, {
      code: 'MissingNextHopIpAddress',
      message: `NextHopIpAddress cannot be Null or Empty in route ${route} when NextHopType is VirtualAppliance.`,
      details: [],
    }),
  nextHopIpNotAllowed: (route: string, type: string) =>
    new ArmError(400, {
      code: 'NextHopIpAddressNotAllowed',
      message: `NextHopIpAddress is only allowed in route ${route} when NextHopType is VirtualAppliance, not ${type}.`,
      details: [],
    }),
  invalidNextHopIp: (route: string, ip: string) =>
    new ArmError(400, {
      code: 'InvalidNextHopIpAddress',
      message: `NextHopIpAddress ${ip} of route ${route} is not a valid IP address.`,
      details: [],
    }),
  invalidResourceReference: (referenced: string, referencing: string) =>
    new ArmError(400, {
      code: 'InvalidResourceReference',
      message: `Resource ${referenced} referenced by resource ${referencing} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
      details: [],
    }),
};
