/** The insights page's URL state: `from`, `to` (YYYY-MM-DD, UTC days) and `workflow`; empty means the default. */
export interface InsightsFilters {
  from: string;
  to: string;
  workflow: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function filtersFromSearch(params: URLSearchParams): InsightsFilters {
  const day = (value: string | null) => (value && DAY.test(value) ? value : '');
  return { from: day(params.get('from')), to: day(params.get('to')), workflow: params.get('workflow') ?? '' };
}

/** Only what is set, in a fixed order, so equal filters give equal URLs (and share a cache key). */
export function searchFromFilters(filters: InsightsFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.workflow) params.set('workflow', filters.workflow);
  return params;
}
