// How ARM failures are classified: which ones a later run may retry (transient), what a failed long-running
// operation's SDK error becomes, and which 404s mean "the resource is absent" rather than a missing group or
// subscription. docs/mutation.md lists the mutants these scenarios kill.
import { RestError } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import {
  describeFailure,
  InventoryError,
  LroFailedError,
  orNullIfNotFound,
  UnsettledError,
} from '../../src/azure/errors.js';

/** The SDK's error for an operation ARM ended Failed (core-lro: "The long-running operation has failed[. code. message]"). */
const lroFailure = (postfix: string) => new Error(`The long-running operation has failed${postfix}`);

const armError = (statusCode: number, code: string) =>
  new RestError(`${code}: the request was refused`, { statusCode, code });

describe('the errors name themselves (the exception type telemetry and stack traces show)', () => {
  it.each([
    [new InventoryError('no VM'), 'InventoryError'],
    [new UnsettledError('table is Updating'), 'UnsettledError'],
    [new LroFailedError('The long-running operation has failed', undefined), 'LroFailedError'],
  ])('%s', (error, name) => {
    expect(error.name).toBe(name);
    expect(String(error)).toMatch(new RegExp(`^${name}: `, 'u'));
  });
});

describe('a failed long-running operation', () => {
  it('is transient when ARM says another operation was in progress', () => {
    const error = LroFailedError.from(lroFailure('. AnotherOperationInProgress. Retry later.'));
    expect(describeFailure(error)).toMatchObject({ code: 'AnotherOperationInProgress', transient: true });
  });

  it('is not transient when ARM refused what was asked (an invalid reference)', () => {
    const error = LroFailedError.from(lroFailure('. InvalidResourceReference. Subnet not found.'));
    expect(describeFailure(error)).toMatchObject({ code: 'InvalidResourceReference', transient: false });
  });

  it('carries no code, and is not transient, when the failed operation reported no error body', () => {
    const error = LroFailedError.from(lroFailure(''));
    expect(error).toBeInstanceOf(LroFailedError);
    expect(describeFailure(error)).toEqual({
      message: 'The long-running operation has failed',
      code: undefined,
      statusCode: undefined,
      transient: false,
    });
  });

  it('is told apart from an error that merely quotes one in its message', () => {
    const quoting = new Error('Cleanup after: The long-running operation has failed. InternalError. Oops.');
    expect(LroFailedError.from(quoting)).toBeUndefined();
  });
});

describe('transient connection failures', () => {
  it('a RestError the pipeline raised before any answer (connection reset) is transient', () => {
    const reset = new RestError('socket hang up', { code: 'ECONNRESET' });
    expect(describeFailure(reset)).toMatchObject({
      code: 'ECONNRESET',
      statusCode: undefined,
      transient: true,
    });
  });

  it('a plain Node error with a transient code is transient, naming its code and message', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    expect(describeFailure(refused)).toEqual({
      message: 'connect ECONNREFUSED 10.0.0.1:443',
      code: 'ECONNREFUSED',
      statusCode: undefined,
      transient: true,
    });
  });

  it('a plain Node error for a wrong host name is not transient', () => {
    const unknownHost = Object.assign(new Error('getaddrinfo ENOTFOUND arm.invalid'), { code: 'ENOTFOUND' });
    expect(describeFailure(unknownHost)).toMatchObject({ code: 'ENOTFOUND', transient: false });
  });
});

describe('a read of a resource that may not exist', () => {
  it('is null when ARM answers 404 for the resource itself', async () => {
    await expect(orNullIfNotFound(Promise.reject(armError(404, 'ResourceNotFound')))).resolves.toBeNull();
  });

  it.each([
    [404, 'ResourceGroupNotFound'],
    [404, 'SubscriptionNotFound'],
    [403, 'AuthorizationFailed'],
  ])('still fails on %d %s: the resource may exist, we cannot tell', async (status, code) => {
    const error = armError(status, code);
    await expect(orNullIfNotFound(Promise.reject(error))).rejects.toBe(error);
  });

  it('still fails on an error that is not an ARM answer', async () => {
    const error = new Error('socket hang up');
    await expect(orNullIfNotFound(Promise.reject(error))).rejects.toBe(error);
  });
});
