import { z } from 'zod';
import { lineSchema } from './text.ts';
import { defaultDirection, queueQuerySchema, type QueueQuery } from './review.ts';

/**
 * Saved queue views (issue 20): a person's named filter sets for `/queue`, and the ones a lead
 * shares with the team. Shared by the server (validation) and the web app (typed answers).
 *
 * A view's filters are the queue's own query (`queueQuerySchema`) without a page position: the
 * same parser the queue uses, so a view holds exactly what a queue link can hold, and a filter
 * another feature adds to the queue query is one a view can save. Stored canonically: only the
 * values that differ from the queue's defaults, so a view never pins a default.
 */

/** The most views one person may own. */
export const SAVED_VIEWS_MAX_PER_PERSON = 50;
export const SAVED_VIEW_NAME_MAX = 80;

/** Query parameters that say where in the list a page starts, not what the view shows. */
const pagePositionKeys: ReadonlySet<string> = new Set(['cursor', 'before']);

/** The queue query parameters a view may hold (every one of the queue's, less the page position). */
export function savedViewFilterKeys(): string[] {
  return Object.keys(queueQuerySchema.shape).filter((key) => !pagePositionKeys.has(key));
}

/** A view's filters: the queue's query without its page position. */
export type SavedViewFilters = Partial<Omit<QueueQuery, 'cursor' | 'before'>>;

const queueDefaults: QueueQuery = queueQuerySchema.parse({});

/** The parsed query as a view stores it: the values that differ from the defaults, nothing else. */
export function canonicalViewFilters(query: QueueQuery): SavedViewFilters {
  const filters: Record<string, unknown> = {};
  for (const key of savedViewFilterKeys()) {
    const value = (query as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) filters[key] = value;
      continue;
    }
    if (key === 'dir' ? value === defaultDirection(query.sort) : value === (queueDefaults as Record<string, unknown>)[key]) {
      continue;
    }
    filters[key] = value;
  }
  return filters;
}

/**
 * A view's filters as a request sends them: an object of queue query parameters (URL strings or
 * JSON values), unknown keys and page positions refused by name, then parsed by the queue's own
 * schema and stored canonically.
 */
export const savedViewFiltersSchema = z
  .record(z.string(), z.unknown())
  .superRefine((value, ctx) => {
    const allowed = new Set(savedViewFilterKeys());
    for (const key of Object.keys(value)) {
      if (allowed.has(key)) continue;
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: pagePositionKeys.has(key) ? 'a view holds no page position' : 'not a queue filter',
      });
    }
  })
  .pipe(queueQuerySchema)
  .transform(canonicalViewFilters)
  .describe('Queue query parameters (as `GET /api/queue` takes them) without `cursor` and `before`.');

export const savedViewNameSchema = lineSchema
  .min(1, 'give the view a name')
  .max(SAVED_VIEW_NAME_MAX, `at most ${SAVED_VIEW_NAME_MAX} characters`);

/** `POST /api/queue/views` */
export const createSavedViewRequestSchema = z.strictObject({
  name: savedViewNameSchema,
  filters: savedViewFiltersSchema,
});
export type CreateSavedViewRequest = z.input<typeof createSavedViewRequestSchema>;

/** `PATCH /api/queue/views/:id`: a new name, new filters, or both. */
export const updateSavedViewRequestSchema = z
  .strictObject({
    name: savedViewNameSchema.optional(),
    filters: savedViewFiltersSchema.optional(),
  })
  .refine((body) => body.name !== undefined || body.filters !== undefined, {
    message: 'send a name, filters, or both',
  });
export type UpdateSavedViewRequest = z.input<typeof updateSavedViewRequestSchema>;

/** `PUT /api/queue/views/:id/shared` */
export const shareSavedViewRequestSchema = z.strictObject({
  shared: z.boolean().describe('`true` shares the view with the team; `false` makes it its owner’s alone again.'),
});
export type ShareSavedViewRequest = z.input<typeof shareSavedViewRequestSchema>;

/** `/api/queue/views/:id` */
export const savedViewParamsSchema = z.object({
  id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('The view id.'),
});

export const savedViewSchema = z.object({
  id: z.number(),
  name: z.string(),
  /** As stored (canonical); the web app parses it with the queue's schema, dropping what it no longer knows. */
  filters: z.record(z.string(), z.unknown()),
  /** The owner's label (email). */
  owner: z.string(),
  /** The caller owns the view. */
  mine: z.boolean(),
  shared: z.boolean(),
  /** Who shared it (a lead), while it is shared. */
  sharedBy: z.string().nullable(),
  sharedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** What the caller may do with it. */
  allowed: z.object({ edit: z.boolean(), delete: z.boolean(), share: z.boolean() }),
});
export type SavedView = z.infer<typeof savedViewSchema>;

/** `GET /api/queue/views`: the caller's own views, then those shared with the team, each by name. */
export const savedViewListSchema = z.object({
  views: z.array(savedViewSchema),
  /** How many views a person may own. */
  maxPerPerson: z.number(),
});
export type SavedViewList = z.infer<typeof savedViewListSchema>;

export const savedViewAnswerSchema = z.object({ view: savedViewSchema });
export type SavedViewAnswer = z.infer<typeof savedViewAnswerSchema>;

export const deleteSavedViewAnswerSchema = z.object({ deleted: z.number() });
