import { useRouteLoaderData } from 'react-router';
import type { CapabilityName, MeResponse } from '../../../server/contract/auth.ts';
import { rootRouteId } from '../components/auth/me.ts';

/**
 * Whether the signed-in user has `capability`, for hiding actions they cannot take. Outside the
 * signed-in shell (unit tests) nothing is known and everything shows; the server guards anyway.
 */
export function useCapability(capability: CapabilityName): boolean {
  const me = useRouteLoaderData<MeResponse>(rootRouteId);
  return me ? me.capabilities.includes(capability) : true;
}
