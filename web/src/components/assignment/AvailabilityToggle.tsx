import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getMyAvailability, setMyAvailability } from '../../api/assignment.ts';
import { errorMessage } from '../../api/review.ts';
import styles from './AvailabilityToggle.module.css';

const availabilityKey = ['me', 'availability'] as const;

/**
 * "Available for assignment" in the header (ADR 0020): analysts and leads who are available get
 * new In Review sessions of auto-assign workflows; switching off hands back the unclaimed ones.
 * Hidden until the server answered, and for people who cannot claim.
 */
export function AvailabilityToggle({ canClaim }: { canClaim: boolean }) {
  const queryClient = useQueryClient();
  const current = useQuery({
    queryKey: availabilityKey,
    queryFn: ({ signal }) => getMyAvailability(signal),
    enabled: canClaim,
    retry: false,
  });
  const save = useMutation({
    mutationFn: (available: boolean) => setMyAvailability(available),
    onSuccess: (answer) => {
      queryClient.setQueryData(availabilityKey, answer);
      // What is assigned to me changed: the queue shows it.
      void queryClient.invalidateQueries({ queryKey: ['queue'] });
    },
  });
  if (!canClaim || !current.data) return null;
  const checked = save.isPending && save.variables !== undefined ? save.variables : current.data.available;
  const { assigned, cap } = current.data;
  return (
    <div className={styles.toggle}>
      <label>
        <input
          type="checkbox"
          role="switch"
          checked={checked}
          disabled={save.isPending}
          aria-describedby="availability-load"
          onChange={(event) => save.mutate(event.target.checked)}
        />{' '}
        Available for assignment
      </label>
      <span id="availability-load" className={styles.load}>
        {checked ? `${assigned}/${cap} assigned` : 'not taking assignments'}
      </span>
      {save.error ? (
        <span role="alert" className={styles.error}>
          {errorMessage(save.error)}
        </span>
      ) : null}
    </div>
  );
}
