import { autoAssignResponseSchema, myAvailabilitySchema, teamAvailabilitySchema } from '../../../server/contract/assignment.ts';
import { apiGet, apiRequest } from './client.ts';

/** Assignment's API calls (ADR 0020): one's availability, the team's, and auto-assign per workflow. */
export const getMyAvailability = (signal?: AbortSignal) => apiGet('/api/me/availability', myAvailabilitySchema, { signal });
export const setMyAvailability = (available: boolean) =>
  apiRequest('PUT', '/api/me/availability', myAvailabilitySchema, { body: { available } });
export const getTeamAvailability = (signal?: AbortSignal) => apiGet('/api/team/availability', teamAvailabilitySchema, { signal });
export const setAutoAssign = (workflowId: string, autoAssign: boolean) =>
  apiRequest('PUT', `/api/workflows/${encodeURIComponent(workflowId)}/auto-assign`, autoAssignResponseSchema, {
    body: { autoAssign },
  });
