import { useSearchParams } from 'react-router';
import { z } from 'zod';
import { safeReturnPath } from '../../../server/contract/auth.ts';
import { signInUrl } from '../api/client.ts';
import styles from '../components/auth/SignIn.module.css';

const searchSchema = z.object({
  returnTo: z.string().optional().catch(undefined),
  signedOut: z.literal('1').optional().catch(undefined),
});

/** The sign-in page: one button to the company identity provider. */
export function Component() {
  const [params] = useSearchParams();
  const search = searchSchema.parse(Object.fromEntries(params));
  // The server's own check (it decides again at /auth/login): a normalised path to one of our pages, else `/`.
  const returnTo = safeReturnPath(search.returnTo);
  return (
    <main id="main" className={styles.page}>
      <section className={styles.card} aria-labelledby="sign-in-title">
        <p className={styles.product}>Review console</p>
        <h1 id="sign-in-title" className={styles.title}>
          Sign in
        </h1>
        {search.signedOut ? (
          <p role="status" className={styles.notice}>
            You have signed out.
          </p>
        ) : null}
        <p className={styles.lead}>
          Biometric evidence and review decisions. Access is limited to people in the console&apos;s groups at your identity
          provider, and every sign-in is recorded.
        </p>
        <a className={styles.button} href={signInUrl(returnTo)}>
          Sign in with SSO
        </a>
      </section>
    </main>
  );
}
