import { useSearchParams } from 'react-router';
import { useCan } from '../components/auth/me.ts';
import { EmptyState } from '../components/layout/EmptyState.tsx';
import { PageHeader } from '../components/layout/PageHeader.tsx';
import { TokensView } from '../components/tokens/TokensView.tsx';
import { httpTokensApi } from '../components/tokens/tokens-api.ts';
import { highlightedTokenFromSearch } from '../components/tokens/tokens-url.ts';

/** `/admin/tokens[?token=<id>]`: API tokens for automation. Admins only; the server enforces it. */
export function Component() {
  const allowed = useCan('token.manage');
  const [params] = useSearchParams();
  return (
    <>
      <PageHeader title="API tokens" />
      {allowed ? (
        <TokensView api={httpTokensApi} highlightId={highlightedTokenFromSearch(params)} />
      ) : (
        <EmptyState title="Not available to your role">
          <p>Managing API tokens needs the admin role.</p>
        </EmptyState>
      )}
    </>
  );
}
