import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { logout } from './auth.ts';
import { ApiError, apiGet, setLeaving } from './client.ts';

const unauthenticated = () => Response.json({ error: { code: 'unauthenticated', message: 'Sign in first.' } }, { status: 401 });

function browserLocation() {
  const assign = vi.fn();
  vi.stubGlobal('location', { ...window.location, pathname: '/workflows/w1', search: '', assign });
  return assign;
}

afterEach(() => {
  setLeaving(false);
  vi.unstubAllGlobals();
});

describe('401 while the browser is leaving', () => {
  it('sends the browser through sign-in once when a request finds the session ended', async () => {
    const assign = browserLocation();
    vi.stubGlobal('fetch', () => Promise.resolve(unauthenticated()));
    await expect(apiGet('/api/workflows', z.unknown())).rejects.toBeInstanceOf(ApiError);
    await expect(apiGet('/api/queue', z.unknown())).rejects.toBeInstanceOf(ApiError);
    expect(assign.mock.calls).toEqual([['/auth/login?returnTo=%2Fworkflows%2Fw1']]);
  });

  it('lets a poll cut short by the sign-out fail without sending the browser back through sign-in', async () => {
    const assign = browserLocation();
    let endSession: (response: Response) => void = () => undefined;
    vi.stubGlobal('fetch', (input: string) =>
      input === '/auth/logout' ? new Promise<Response>((resolve) => (endSession = resolve)) : Promise.resolve(unauthenticated()),
    );
    const signingOut = logout();
    await expect(apiGet('/api/workflows/w1', z.unknown())).rejects.toBeInstanceOf(ApiError);
    endSession(Response.json({ redirectTo: 'http://idp.test/session/end' }));
    expect(await signingOut).toEqual({ redirectTo: 'http://idp.test/session/end' });
    expect(assign).not.toHaveBeenCalled();
  });

  it('redirects on 401 again when the sign-out itself failed and the analyst stays', async () => {
    const assign = browserLocation();
    vi.stubGlobal('fetch', (input: string) =>
      Promise.resolve(input === '/auth/logout' ? new Response('', { status: 503 }) : unauthenticated()),
    );
    await expect(logout()).rejects.toBeInstanceOf(ApiError);
    await expect(apiGet('/api/queue', z.unknown())).rejects.toBeInstanceOf(ApiError);
    expect(assign).toHaveBeenCalledTimes(1);
  });
});
