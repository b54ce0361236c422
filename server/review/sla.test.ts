import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import {
  addBusinessMinutes,
  businessMinutesBetween,
  parseBusinessHours,
  slaClock,
  subtractBusinessMinutes,
  type SlaSettings,
} from './sla.ts';

const madrid = parseBusinessHours('Mon-Fri 09:00-18:00 Europe/Madrid');
const at = (iso: string) => new Date(iso);

describe('parseBusinessHours', () => {
  it('reads days, window and zone, UTC when the zone is left out', () => {
    expect(madrid).toMatchObject({ openMinute: 540, closeMinute: 1080, timeZone: 'Europe/Madrid' });
    expect([...madrid.days].sort()).toEqual([1, 2, 3, 4, 5]);
    const utc = parseBusinessHours('Mon-Thu,Sat 08:30-24:00');
    expect(utc.timeZone).toBe('UTC');
    expect([...utc.days].sort()).toEqual([1, 2, 3, 4, 6]);
    expect(utc.closeMinute).toBe(1440);
    expect([...parseBusinessHours('Sat-Mon 10:00-12:00').days].sort()).toEqual([0, 1, 6]);
  });

  it('refuses what it cannot read, saying why', () => {
    expect(() => parseBusinessHours('weekdays')).toThrow(/expected/);
    expect(() => parseBusinessHours('Mon-Fry 09:00-18:00')).toThrow(/weekday/);
    expect(() => parseBusinessHours('Mon-Fri 9-18')).toThrow(/HH:MM/);
    expect(() => parseBusinessHours('Mon-Fri 18:00-09:00')).toThrow(/open before it closes/);
    expect(() => parseBusinessHours('Mon-Fri 09:00-18:00 Mars/Olympus')).toThrow(/time zone/);
  });
});

describe('businessMinutesBetween', () => {
  it('counts every minute without business hours (24/7), to the minute', () => {
    expect(businessMinutesBetween(at('2026-12-05T10:00:00Z'), at('2026-12-06T10:30:59Z'), null)).toBe(24 * 60 + 30);
    expect(businessMinutesBetween(at('2026-12-05T10:00:00Z'), at('2026-12-05T09:00:00Z'), null)).toBe(0);
  });

  it('counts only the minutes inside the window on one day (Madrid is UTC+1 in December)', () => {
    // Tue 1 Dec 2026, 10:00 to 12:15 local.
    expect(businessMinutesBetween(at('2026-12-01T09:00:00Z'), at('2026-12-01T11:15:00Z'), madrid)).toBe(135);
  });

  it('starts counting at the opening when the start is before or after hours', () => {
    // 06:00 local to 09:30 local: 30 minutes.
    expect(businessMinutesBetween(at('2026-12-01T05:00:00Z'), at('2026-12-01T08:30:00Z'), madrid)).toBe(30);
    // 20:00 local Tuesday to 10:00 local Wednesday: 60 minutes.
    expect(businessMinutesBetween(at('2026-12-01T19:00:00Z'), at('2026-12-02T09:00:00Z'), madrid)).toBe(60);
    // Entirely outside hours: nothing.
    expect(businessMinutesBetween(at('2026-12-01T18:00:00Z'), at('2026-12-01T22:00:00Z'), madrid)).toBe(0);
  });

  it('skips weekends', () => {
    // Fri 4 Dec 17:00 local to Mon 7 Dec 10:00 local: 60 + 60.
    expect(businessMinutesBetween(at('2026-12-04T16:00:00Z'), at('2026-12-07T09:00:00Z'), madrid)).toBe(120);
    // Saturday to Sunday: nothing.
    expect(businessMinutesBetween(at('2026-12-05T09:00:00Z'), at('2026-12-06T17:00:00Z'), madrid)).toBe(0);
  });

  it('adds whole days across a week', () => {
    // Mon 30 Nov 09:00 local to Mon 7 Dec 09:00 local: five days of nine hours.
    expect(businessMinutesBetween(at('2026-11-30T08:00:00Z'), at('2026-12-07T08:00:00Z'), madrid)).toBe(5 * 9 * 60);
  });

  it('follows the zone across a daylight-saving change', () => {
    // Madrid moves to UTC+2 on Sun 29 Mar 2026. Fri 27 Mar 17:00 local (16:00Z) to Mon 30 Mar
    // 10:00 local (08:00Z): 60 + 60, although 08:00Z would be 09:00 under the winter offset.
    expect(businessMinutesBetween(at('2026-03-27T16:00:00Z'), at('2026-03-30T08:00:00Z'), madrid)).toBe(120);
    // A round-the-clock window: the change day has 23 hours.
    const allDay = parseBusinessHours('Mon-Sun 00:00-24:00 Europe/Madrid');
    expect(businessMinutesBetween(at('2026-03-28T23:00:00Z'), at('2026-03-29T22:00:00Z'), allDay)).toBe(23 * 60);
    // And back in October: 25 hours.
    expect(businessMinutesBetween(at('2026-10-24T22:00:00Z'), at('2026-10-25T23:00:00Z'), allDay)).toBe(25 * 60);
  });
});

describe('addBusinessMinutes', () => {
  it('is the inverse of businessMinutesBetween, carrying over nights and weekends', () => {
    // Fri 4 Dec 17:00 local + 120 business minutes: Mon 7 Dec 10:00 local.
    const due = addBusinessMinutes(at('2026-12-04T16:00:00Z'), 120, madrid);
    expect(due.toISOString()).toBe('2026-12-07T09:00:00.000Z');
    expect(businessMinutesBetween(at('2026-12-04T16:00:00Z'), due, madrid)).toBe(120);
  });

  it('counts from the next opening when the start is outside hours', () => {
    // Saturday: the clock starts on Monday at 09:00 local.
    expect(addBusinessMinutes(at('2026-12-05T12:00:00Z'), 30, madrid).toISOString()).toBe('2026-12-07T08:30:00.000Z');
  });

  it('adds wall-clock minutes without business hours', () => {
    expect(addBusinessMinutes(at('2026-12-05T12:00:00Z'), 90, null).toISOString()).toBe('2026-12-05T13:30:00.000Z');
  });
});

describe('subtractBusinessMinutes', () => {
  it('walks back over nights and weekends: Mon 7 Dec 10:00 local less 120 business minutes is Fri 4 Dec 17:00 local', () => {
    expect(subtractBusinessMinutes(at('2026-12-07T09:00:00Z'), 120, madrid).toISOString()).toBe('2026-12-04T16:00:00.000Z');
  });

  it('from outside hours, counts back from the last closing', () => {
    // Saturday noon: Friday 18:00 local is the last business minute; 30 minutes before it.
    expect(subtractBusinessMinutes(at('2026-12-05T12:00:00Z'), 30, madrid).toISOString()).toBe('2026-12-04T16:30:00.000Z');
  });

  it('is the boundary of slaClock’s breach: at or before it breached, a minute later not', () => {
    const settings: SlaSettings = { businessHours: madrid, atRiskShare: 0.2 };
    const now = at('2026-12-08T10:17:00Z');
    for (const minutes of [1, 45, 240, 541, 2_000]) {
      const cutoff = subtractBusinessMinutes(now, minutes, madrid);
      expect(slaClock(cutoff, minutes, now, settings).state).toBe('breached');
      expect(slaClock(new Date(cutoff.getTime() - 60_000), minutes, now, settings).state).toBe('breached');
      expect(slaClock(new Date(cutoff.getTime() + 60_000), minutes, now, settings).state).not.toBe('breached');
    }
  });

  it('subtracts wall-clock minutes without business hours', () => {
    expect(subtractBusinessMinutes(at('2026-12-05T12:00:00Z'), 90, null).toISOString()).toBe('2026-12-05T10:30:00.000Z');
  });
});

describe('slaClock', () => {
  const twentyFourSeven: SlaSettings = { businessHours: null, atRiskShare: 0.2 };

  it('is ok with more than the at-risk share left, at risk below it, breached once due', () => {
    const since = at('2026-12-01T10:00:00Z');
    expect(slaClock(since, 100, at('2026-12-01T11:00:00Z'), twentyFourSeven)).toMatchObject({ state: 'ok', minutesLeft: 40 });
    expect(slaClock(since, 100, at('2026-12-01T11:21:00Z'), twentyFourSeven)).toMatchObject({
      state: 'at_risk',
      minutesLeft: 19,
    });
    const breached = slaClock(since, 100, at('2026-12-01T11:40:00Z'), twentyFourSeven);
    expect(breached).toMatchObject({ state: 'breached', minutesLeft: 0 });
    expect(breached.dueAt.toISOString()).toBe('2026-12-01T11:40:00.000Z');
  });

  it('stops the clock outside business hours', () => {
    const settings: SlaSettings = { businessHours: madrid, atRiskShare: 0.2 };
    // Entered Fri 4 Dec 17:00 local with a 120-minute SLA: on Saturday it still has 60 minutes left.
    const clock = slaClock(at('2026-12-04T16:00:00Z'), 120, at('2026-12-05T12:00:00Z'), settings);
    expect(clock).toMatchObject({ state: 'ok', minutesLeft: 60 });
    expect(clock.dueAt.toISOString()).toBe('2026-12-07T09:00:00.000Z');
  });
});

describe('SLA configuration', () => {
  it('reads SLA_BUSINESS_HOURS, SLA_AT_RISK_PERCENT and ASSIGNMENT_CAP, with 24/7, 20 % and 5 when unset', () => {
    const defaults = loadConfig({ NODE_ENV: 'test', SLA_BUSINESS_HOURS: '' }).review;
    expect(defaults.sla).toEqual({ businessHours: null, atRiskShare: 0.2 });
    expect(defaults.assignmentCap).toBe(5);
    const set = loadConfig({
      NODE_ENV: 'test',
      SLA_BUSINESS_HOURS: 'Mon-Fri 09:00-18:00 Europe/Madrid',
      SLA_AT_RISK_PERCENT: '25',
      ASSIGNMENT_CAP: '8',
    }).review;
    expect(set.sla.businessHours?.timeZone).toBe('Europe/Madrid');
    expect(set.sla.atRiskShare).toBe(0.25);
    expect(set.assignmentCap).toBe(8);
  });

  it('names a bad SLA_BUSINESS_HOURS and says why', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', SLA_BUSINESS_HOURS: 'Mon-Fri 18:00-09:00' })).toThrow(
      /SLA_BUSINESS_HOURS: the window 18:00-09:00 must open before it closes/,
    );
  });
});
