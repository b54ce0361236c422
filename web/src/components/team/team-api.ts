import { teamMemberSchema, type TeamMember } from '../../../../server/contract/assignment.ts';
import { apiRequest } from '../../api/client.ts';

export { getTeamAvailability } from '../../api/assignment.ts';

/** `PUT /api/team/:userId/cap`: a person's own cap of open assigned sessions, or null for the default (ASSIGNMENT_CAP). */
export const setTeamCap = (userId: string, maxAssigned: number | null): Promise<TeamMember> =>
  apiRequest('PUT', `/api/team/${encodeURIComponent(userId)}/cap`, teamMemberSchema, { body: { maxAssigned } });
