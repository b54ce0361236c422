import { describe, expect, it } from 'vitest';
import { can, capabilitiesOf, highestRole } from './rbac.ts';

describe('roles', () => {
  it('nests viewer ⊂ analyst ⊂ lead ⊂ admin', () => {
    expect(capabilitiesOf('viewer').every((c) => can('analyst', c))).toBe(true);
    expect(capabilitiesOf('analyst').every((c) => can('lead', c))).toBe(true);
    expect(capabilitiesOf('lead').every((c) => can('admin', c))).toBe(true);
  });

  it('keeps decisions from viewers, tuning and replay from analysts, tokens from leads', () => {
    expect(can('viewer', 'session.decide')).toBe(false);
    expect(can('analyst', 'session.decide')).toBe(true);
    expect(can('analyst', 'threshold.propose')).toBe(false);
    expect(can('analyst', 'webhook.replay')).toBe(false);
    expect(can('lead', 'threshold.approve')).toBe(true);
    expect(can('lead', 'token.manage')).toBe(false);
    expect(can('admin', 'token.manage')).toBe(true);
  });

  it("lets leads free a session someone else holds, not analysts: its own capability, not threshold approval's", () => {
    expect(can('analyst', 'claim.release_others')).toBe(false);
    expect(can('lead', 'claim.release_others')).toBe(true);
    expect(can('admin', 'claim.release_others')).toBe(true);
  });

  it('picks the strongest of several mapped roles', () => {
    expect(highestRole(['viewer', 'lead', 'analyst'])).toBe('lead');
    expect(highestRole([])).toBeUndefined();
  });
});
