/** Where an audit entry's target lives in the console, or `undefined` to show it as plain text. */
export interface AuditTargetOptions {
  /** The tokens page is for admins only: others see token targets as text, not a link to a refusal. */
  canManageTokens: boolean;
}

export function auditTargetHref(
  targetType: string | null,
  targetId: string | null,
  { canManageTokens }: AuditTargetOptions,
): string | undefined {
  if (!targetType || !targetId) return undefined;
  const id = encodeURIComponent(targetId);
  switch (targetType) {
    case 'session':
      return `/sessions/${id}`;
    case 'workflow':
      return `/workflows/${id}`;
    // The server records tokens as `api_token`; `token` is accepted for entries written by other tools.
    case 'api_token':
    case 'token':
      return canManageTokens ? `/admin/tokens?${new URLSearchParams({ token: targetId }).toString()}` : undefined;
    case 'webhook_event':
      return '/sync';
    default:
      return undefined;
  }
}
