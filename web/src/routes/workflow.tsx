import { useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { queryKeys, useWorkflow } from '../api/queries.ts';
import { errorMessage } from '../api/review.ts';
import { useCan, useMe } from '../components/auth/me.ts';
import { PageHeader } from '../components/layout/PageHeader.tsx';
import { DiditVersionNote } from '../components/thresholds/DiditVersionNote.tsx';
import { formatThreshold } from '../components/thresholds/format.ts';
import { ProposalReview } from '../components/thresholds/ProposalReview.tsx';
import { ThresholdEditor } from '../components/thresholds/ThresholdEditor.tsx';
import styles from '../components/thresholds/Thresholds.module.css';
import { VersionHistory } from '../components/thresholds/VersionHistory.tsx';
import { SlaSetting } from '../components/workflows/SlaSetting.tsx';
import { EvidencePackImagesSetting } from '../components/workflows/EvidencePackImagesSetting.tsx';
import { ViewerRevealSetting } from '../components/workflows/ViewerRevealSetting.tsx';
import { AutoAssignSetting } from '../components/workflows/AutoAssignSetting.tsx';
import { SecondReviewSettings } from '../components/workflows/SecondReviewSettings.tsx';
import { formatDateTime } from '../format/date.ts';

export function Component() {
  const { id = '' } = useParams();
  const me = useMe();
  const canPropose = useCan('threshold.propose');
  const canApprove = useCan('threshold.approve');
  const canConfigure = useCan('workflow.configure');
  const canSeeInsights = useCan('insights.read');
  const client = useQueryClient();
  // While a version is on its way to Didit, the query looks again every 2 s (see useWorkflow).
  const query = useWorkflow(id);
  const workflow = query.data;
  // After a proposal, approval, rejection…: this workflow and the list (current version, drift) are read again.
  const load = () => void client.invalidateQueries({ queryKey: queryKeys.workflows });

  if (!workflow) {
    return query.error ? <p role="alert">{errorMessage(query.error)}</p> : <p className={styles.muted}>Loading…</p>;
  }
  const myId = me.user.kind === 'user' ? me.user.id : null;
  // Four eyes: the open proposal is reviewed by a lead who did not propose it.
  const proposal = workflow.versions.find((v) => v.state === 'proposed');
  const toReview = proposal && canApprove && proposal.proposedById !== myId ? proposal : null;
  return (
    <>
      <PageHeader title={workflow.label ?? workflow.id}>
        {canSeeInsights ? <Link to={`/insights?workflow=${encodeURIComponent(workflow.id)}`}>Insights</Link> : null}
        <Link to="/workflows">All workflows</Link>
      </PageHeader>
      <p className={styles.muted}>
        {workflow.hasFaceMatch ? 'Liveness + face match' : 'Liveness only'} · {workflow.livenessMethod ?? 'method unknown'} ·{' '}
        {workflow.currentVersion === null ? "Didit's own settings" : `version ${workflow.currentVersion} in force`}
      </p>
      <SlaSetting
        key={workflow.slaMinutes}
        workflowId={workflow.id}
        slaMinutes={workflow.slaMinutes}
        canChange={canConfigure}
        onChanged={load}
      />
      <ViewerRevealSetting
        workflowId={workflow.id}
        viewersMayReveal={workflow.viewersMayReveal}
        canChange={canConfigure}
        onChanged={load}
      />
      <EvidencePackImagesSetting
        workflowId={workflow.id}
        evidencePackImages={workflow.evidencePackImages}
        canChange={canConfigure}
        onChanged={load}
      />
      <AutoAssignSetting workflowId={workflow.id} autoAssign={workflow.autoAssign} canChange={canConfigure} onChanged={load} />
      <SecondReviewSettings workflowId={workflow.id} secondReview={workflow.secondReview} canChange={canConfigure} />
      {query.error ? (
        <p className={styles.error} role="alert">
          This workflow could not be read again ({errorMessage(query.error)}); showing what was last loaded.
        </p>
      ) : null}
      <DiditVersionNote workflow={workflow} />
      {workflow.drift ? (
        <p className={styles.error} role="status">
          Drift since {formatDateTime(workflow.drift.detectedAt)}: Didit reports liveness{' '}
          {formatThreshold(workflow.drift.didit.livenessReview)}/{formatThreshold(workflow.drift.didit.livenessDecline)}
          {workflow.drift.didit.faceMatchReview !== null
            ? `, face match ${formatThreshold(workflow.drift.didit.faceMatchReview)}/${formatThreshold(workflow.drift.didit.faceMatchDecline)}`
            : ''}
          , not version {workflow.currentVersion}.
        </p>
      ) : null}
      {toReview ? <ProposalReview key={toReview.id} workflow={workflow} proposal={toReview} onChange={load} /> : null}
      <ThresholdEditor
        key={`${workflow.id}-${workflow.currentVersion}`}
        workflow={workflow}
        canPropose={canPropose}
        onProposed={load}
      />
      <section className={styles.panel} style={{ marginTop: 'var(--space-4)' }} aria-labelledby="history-title">
        <h2 id="history-title">Version history</h2>
        <VersionHistory workflow={workflow} me={myId} canApprove={canApprove} canPropose={canPropose} onChange={load} />
      </section>
    </>
  );
}
