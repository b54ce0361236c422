import { accessPurposeSchema } from '../../../../server/contract/privacy.ts';

/** The audit page's filters live in the URL (shareable, back/forward-able); empty ones are omitted. */
export const auditFilterKeys = ['actor', 'action', 'targetType', 'targetId', 'purpose', 'from', 'to'] as const;
export type AuditFilterKey = (typeof auditFilterKeys)[number];
export type AuditFilters = Partial<Record<AuditFilterKey, string>>;

export function filtersFromSearch(params: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  for (const key of auditFilterKeys) {
    const value = params.get(key)?.trim();
    // A purpose the console does not know would only be refused: it is left out.
    if (key === 'purpose' && !accessPurposeSchema.safeParse(value).success) continue;
    if (value) filters[key] = value.slice(0, 200);
  }
  return filters;
}

export function searchFromFilters(filters: AuditFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of auditFilterKeys) {
    const value = filters[key]?.trim();
    if (value) params.set(key, value);
  }
  return params;
}

/** `datetime-local` value (browser time) ↔ ISO instant in the URL. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
