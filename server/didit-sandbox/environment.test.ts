import { describe, expect, it } from 'vitest';
import { parseEnvironment } from './environment.ts';

describe('environment of npm run sandbox', () => {
  it('reads the log limits, leaving unset and empty ones to the defaults', () => {
    expect(parseEnvironment({ SANDBOX_REQUEST_LOG_LIMIT: '20000', SANDBOX_DELIVERY_LOG_LIMIT: '' })).toEqual({
      SANDBOX_REQUEST_LOG_LIMIT: 20_000,
    });
  });

  it('names every bad variable in one error', () => {
    expect(() =>
      parseEnvironment({ SANDBOX_REQUEST_LOG_LIMIT: '0', SANDBOX_DELIVERY_LOG_LIMIT: 'many', SANDBOX_PORT: '70000' }),
    ).toThrow(/SANDBOX_PORT.*SANDBOX_REQUEST_LOG_LIMIT.*SANDBOX_DELIVERY_LOG_LIMIT/);
  });
});
