import { useSearchParams } from 'react-router';
import { useInsights, useWorkflows } from '../api/queries.ts';
import { errorMessage } from '../api/review.ts';
import { useCan } from '../components/auth/me.ts';
import { InsightsFilters } from '../components/insights/InsightsFilters.tsx';
import { InsightsView } from '../components/insights/InsightsView.tsx';
import { filtersFromSearch, searchFromFilters } from '../components/insights/insights-url.ts';
import styles from '../components/insights/Insights.module.css';
import { EmptyState } from '../components/layout/EmptyState.tsx';
import { PageHeader } from '../components/layout/PageHeader.tsx';

/** Queue health for leads: range and workflow in the URL; this route's code loads only here. */
export function Component() {
  const allowed = useCan('insights.read');
  const [params, setParams] = useSearchParams();
  const filters = filtersFromSearch(params);
  const search = searchFromFilters(filters).toString();
  const insights = useInsights(search, allowed);
  const workflows = useWorkflows();

  if (!allowed) {
    return (
      <>
        <PageHeader title="Insights" />
        <EmptyState title="Not available to your role">
          <p>Queue and team figures need the lead or admin role.</p>
        </EmptyState>
      </>
    );
  }

  const data = insights.data;
  return (
    <>
      <PageHeader title="Insights">
        {data ? (
          <span className={styles.note} aria-live="polite">
            {data.range.from} to {data.range.to} (UTC){insights.isFetching ? ' · updating…' : ''}
          </span>
        ) : null}
      </PageHeader>
      <InsightsFilters
        key={`${search}|${data?.range.from ?? ''}`}
        value={filters}
        range={data?.range}
        workflows={(workflows.data ?? []).map((w) => ({ id: w.id, label: w.label, slaMinutes: w.slaMinutes }))}
        onApply={(next) => setParams(searchFromFilters(next))}
      />
      {insights.error ? (
        <p role="alert" className={styles.error}>
          {errorMessage(insights.error)}
        </p>
      ) : null}
      {data ? <InsightsView data={data} search={search} /> : insights.error ? null : <p aria-live="polite">Loading…</p>}
    </>
  );
}
