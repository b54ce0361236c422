import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { bodyOf } from '../../test/helpers/http.ts';
import { createTestContext, startTestServer, testAuditKey, type TestContext } from '../../test/helpers/test-context.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { updateUserRoles, upsertUserAtLogin } from '../auth/user.repository.ts';

const run = promisify(execFile);

describe('CLI: token and audit commands', () => {
  let test: TestContext;
  let baseUrl: string;
  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
        env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: test.database.url, AUDIT_KEY: testAuditKey, LOG_LEVEL: 'silent' },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  beforeAll(async () => {
    test = await createTestContext();
    baseUrl = await startTestServer(test.ctx);
  });

  it('creates a token that reads /api/me (as curl would), lists it, and revokes it', async () => {
    const created = await cli('token', 'create', '--role', 'analyst', '--name', 'ci', '--expires-in', '30d');
    expect(created.code).toBe(0);
    const token = /(rct_[A-Za-z0-9_-]{43})/.exec(created.stdout)?.[1];
    expect(token).toBeDefined();
    expect(created.stdout).toMatch(/shown only this once/);

    const me = await fetch(`${baseUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect((await bodyOf(me)).user).toMatchObject({ kind: 'token', label: 'ci', role: 'analyst' });

    const listed = await cli('token', 'list');
    expect(listed.stdout).toMatch(/\tci\tanalyst\trct_/);
    expect(listed.stdout).not.toContain(token);

    const row = await test.ctx.db.selectFrom('api_token').select('expires_at').where('name', '=', 'ci').executeTakeFirstOrThrow();
    expect(row.expires_at!.getTime() - Date.now()).toBeGreaterThan(29.9 * 86_400_000);

    const revoked = await cli('token', 'revoke', 'ci');
    expect(revoked.code).toBe(0);
    expect((await fetch(`${baseUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    const trail = await test.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type', 'actor_label', 'details'])
      .where('target_type', '=', 'api_token')
      .where(sql<string>`details ->> 'name'`, '=', 'ci')
      .orderBy('id')
      .execute();
    expect(trail.map((r) => r.action)).toEqual(['token.created', 'token.revoked']);
    expect(trail[0]?.details).toMatchObject({ name: 'ci', role: 'analyst', via: expect.stringMatching(/^cli/) });
  });

  it('ties a token to a person with --owner: it follows their role, and revoke --owner ends all of theirs', async () => {
    const person = await upsertUserAtLogin(test.ctx.db, {
      issuer: 'https://idp.example',
      subject: 'owner-1',
      email: 'owner@example.test',
      displayName: null,
      roles: ['lead'],
    });
    const tooStrong = await cli('token', 'create', '--role', 'admin', '--name', 'owned-admin', '--owner', 'owner@example.test');
    expect(tooStrong.code).not.toBe(0);
    expect(tooStrong.stderr).toMatch(/holds no role at least as strong as admin/);
    expect(await test.ctx.db.selectFrom('api_token').select('id').where('name', '=', 'owned-admin').execute()).toHaveLength(0);

    const created = await cli('token', 'create', '--role', 'lead', '--name', 'owned-lead', '--owner', 'owner@example.test');
    expect(created.code).toBe(0);
    const token = /(rct_[A-Za-z0-9_-]{43})/.exec(created.stdout)?.[1];
    const me = () => fetch(`${baseUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } }).then((res) => res.status);
    expect(await me()).toBe(200);
    const row = await test.ctx.db
      .selectFrom('api_token')
      .select(['created_by_id', 'created_by_label'])
      .where('name', '=', 'owned-lead')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      created_by_id: person.id,
      created_by_label: expect.stringMatching(/^cli.* for owner@example\.test$/),
    });

    await updateUserRoles(test.ctx.db, person.id, ['analyst']);
    expect(await me()).toBe(401);
    await updateUserRoles(test.ctx.db, person.id, ['lead']);
    expect(await me()).toBe(200);

    const revoked = await cli('token', 'revoke', '--owner', 'owner@example.test');
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('Revoked 1 token(s) of owner@example.test: owned-lead.');
    expect(await me()).toBe(401);
  }, 60_000); // four CLI processes

  it('refuses an unknown role and a malformed expiry', async () => {
    expect((await cli('token', 'create', '--role', 'superuser', '--name', 'x')).code).not.toBe(0);
    const bad = await cli('token', 'create', '--role', 'viewer', '--name', 'x', '--expires-in', 'soon');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Not a duration/);
  });

  it('verifies an intact chain, and names the first edited row once someone bypasses the trigger', async () => {
    for (let i = 0; i < 5; i++) await appendAudit(test.ctx.db, { actor: null, action: 'test.event', details: { i } });
    const ok = await cli('audit', 'verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Audit log intact: \d+ rows/);

    const target = await test.ctx.db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'test.event')
      .orderBy('id')
      .offset(2)
      .limit(1)
      .executeTakeFirstOrThrow();
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(test.ctx.db);
    await sql`update audit_log set details = '{"i": 99}' where id = ${target.id}`.execute(test.ctx.db);
    await sql`alter table audit_log enable trigger audit_log_append_only`.execute(test.ctx.db);

    const broken = await cli('audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`BROKEN at row ${target.id}`);
  });
});
