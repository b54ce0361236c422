import { createContext, useContext, type ReactNode } from 'react';
import { httpReviewApi, type ReviewApi } from '../api/review.ts';

const ReviewApiContext = createContext<ReviewApi>(httpReviewApi);

/** Lets tests (and storybook-like harnesses) hand the screens plain async functions instead of HTTP. */
export function ReviewApiProvider({ api, children }: { api: ReviewApi; children: ReactNode }) {
  return <ReviewApiContext.Provider value={api}>{children}</ReviewApiContext.Provider>;
}

export function useReviewApi(): ReviewApi {
  return useContext(ReviewApiContext);
}
