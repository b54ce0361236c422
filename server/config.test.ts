import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('starts with no configuration at all on the embedded default', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.port).toBe(8080);
    expect(config.database.url).toBeUndefined();
    expect(config.dataDir).toBe('.data');
    expect(config.publicUrl).toBe('http://localhost:8080');
  });

  it('reads reasons that only fit workflows with face match, marked |face_match', () => {
    const config = loadConfig({ REVIEW_REASONS_DECLINED: 'other_person=Someone else|face_match;spoof=Spoof attempt' });
    expect(config.review.reasons.Declined).toEqual([
      { code: 'other_person', label: 'Someone else', faceMatchOnly: true },
      { code: 'spoof', label: 'Spoof attempt', faceMatchOnly: false },
    ]);
    expect(loadConfig({}).review.reasons.Approved.find((r) => r.code === 'same_person')?.faceMatchOnly).toBe(true);
  });

  it('reads TRUST_PROXY as a hop count when it is a number, otherwise as addresses for Express', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback' }).trustProxy).toBe('10.0.0.0/8, loopback');
    expect(loadConfig({}).trustProxy).toBe('loopback');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).toBe(8080);
  });

  it('names every bad or missing variable in one error', () => {
    let caught: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', PORT: 'eighty', DATABASE_POOL_MAX: '0', LOG_LEVEL: 'loud' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^PORT: .*got "eighty"/m);
    expect(problems).toMatch(/^DATABASE_POOL_MAX: /m);
    expect(problems).toMatch(/^LOG_LEVEL: /m);
    expect(problems).toMatch(/^DATABASE_URL: is required in production.*missing/m);
    expect((caught as Error).message).toContain('Invalid configuration:');
  });

  it('never echoes a secret value in the error', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db/console' })).toThrowError(/DATABASE_URL: .*\[redacted\]/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db/console' })).not.toThrowError(/hunter2/);
  });

  it('accepts a production configuration with an external database', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://console@db.internal:5432/console',
      PUBLIC_URL: 'https://review.example.com/',
      PORT: '3000',
      DIDIT_API_KEY: 'live-key-0123456789',
      DIDIT_WEBHOOK_SECRET: 'whsec-0123456789abcdef',
      DIDIT_WEBHOOK_SECRET_PREVIOUS: 'whsec-previous-0123456789',
      OIDC_ISSUER: 'https://login.example.com/realms/staff',
      OIDC_CLIENT_ID: 'review-console',
      OIDC_CLIENT_SECRET: 'client-secret-0123456789',
      SESSION_SECRET: 'session-secret-0123456789abcdef0123456789',
      AUDIT_KEY: 'audit-key-0123456789abcdef0123456789abcdef',
      PSEUDONYM_KEY: 'pseudonym-key-0123456789abcdef0123456789ab',
      DATABASE_OWNER_URL: 'postgres://console_owner@db.internal:5432/console',
    });
    expect(config.database.url).toBe('postgres://console@db.internal:5432/console');
    expect(config.database.ownerUrl).toBe('postgres://console_owner@db.internal:5432/console');
    expect(config.publicUrl).toBe('https://review.example.com');
    expect(config.port).toBe(3000);
    expect(config.didit.baseUrl).toBe('https://verification.didit.me');
    expect(config.didit.webhookSecrets).toEqual(['whsec-0123456789abcdef', 'whsec-previous-0123456789']);
  });

  it('requires the audit key in production, and a runtime URL beside the owner URL', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/console' })).toThrowError(
      /AUDIT_KEY: is required in production[\s\S]*PSEUDONYM_KEY: is required in production/,
    );
    expect(() => loadConfig({ DATABASE_OWNER_URL: 'postgres://owner@db/console' })).toThrowError(
      /DATABASE_OWNER_URL: needs DATABASE_URL/,
    );
    expect(() => loadConfig({ AUDIT_KEY: 'short' })).toThrowError(
      /AUDIT_KEY: use at least 32 random characters \(got "\[redacted\]"\)/,
    );
  });

  it('requires the Didit credentials in production and with a custom Didit URL', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/console' })).toThrowError(
      /DIDIT_API_KEY: is required in production[\s\S]*DIDIT_WEBHOOK_SECRET: is required in production/,
    );
    expect(() => loadConfig({ DIDIT_BASE_URL: 'https://verification.didit.me' })).toThrowError(
      /DIDIT_BASE_URL: needs DIDIT_API_KEY/,
    );
  });

  it('reads a comma-separated list of media origins', () => {
    const config = loadConfig({ DIDIT_MEDIA_ORIGINS: 'https://media-a.example, https://media-b.example' });
    expect(config.didit.mediaOrigins).toEqual(['https://media-a.example', 'https://media-b.example']);
    expect(() => loadConfig({ DIDIT_MEDIA_ORIGINS: 'not a url' })).toThrowError(/DIDIT_MEDIA_ORIGINS/);
  });
});
