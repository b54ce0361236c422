import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseContainerfile, parseExecForm } from './containerfile.ts';
import { containerCommand, findManifest, loadManifests, type Container, type Manifest } from './manifests.ts';

/**
 * The deployment examples as files: the Kubernetes YAML parses, agrees with the Containerfile and
 * with itself (names, ports, commands, probes), uses only documented variables; the systemd units
 * pass `systemd-analyze verify`. Nothing here is applied to a cluster or started by systemd.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const enabled = process.env.REVIEW_CONSOLE_DEPLOY_TESTS === '1';

describe.skipIf(!enabled)('the deployment examples', () => {
  it('keeps the same build context rules for podman (.containerignore) and docker (.dockerignore)', async () => {
    const [podman, docker] = await Promise.all(
      ['.containerignore', '.dockerignore'].map((name) => readFile(path.join(repoRoot, name), 'utf8')),
    );
    expect(docker).toBe(podman);
  });

  it('Kubernetes: parses, runs the image as its USER with the probes on named ports, reads only documented variables', async () => {
    const manifests = await loadManifests(path.join(repoRoot, 'deploy/kubernetes'));
    const runtime = parseContainerfile(await readFile(path.join(repoRoot, 'Containerfile'), 'utf8')).at(-1)!;
    const instruction = (keyword: string) => runtime.instructions.filter((candidate) => candidate.keyword === keyword);
    const imageCmd = parseExecForm(instruction('CMD').at(-1)!.args, 'CMD');
    const imageUid = Number(instruction('USER').at(-1)!.args.split(':')[0]);
    const imagePort = Number(
      /PORT=(\d+)/.exec(
        instruction('ENV')
          .map((env) => env.args)
          .join(' '),
      )![1],
    );

    const configMap = findManifest(manifests, 'ConfigMap', 'review-console');
    const runtimeSecret = findManifest(manifests, 'Secret', 'review-console');
    const ownerSecret = findManifest(manifests, 'Secret', 'review-console-owner');
    const api = findManifest(manifests, 'Deployment', 'review-console-api');
    const worker = findManifest(manifests, 'Deployment', 'review-console-worker');
    const job = findManifest(manifests, 'Job', 'review-console-migrate');
    const service = findManifest(manifests, 'Service', 'review-console');

    // Every variable the manifests set is one the README's configuration table documents.
    const documented = new Set(
      [...(await readFile(path.join(repoRoot, 'README.md'), 'utf8')).matchAll(/^\| `([A-Z0-9_]+)`/gm)].map((m) => m[1]),
    );
    for (const name of [
      ...Object.keys(configMap.data),
      ...Object.keys(runtimeSecret.stringData),
      ...Object.keys(ownerSecret.stringData),
    ]) {
      expect(documented.has(name), `${name} is in the README's Configuration table`).toBe(true);
    }
    expect(Object.keys(configMap.data)).not.toContain('DATABASE_OWNER_URL');
    expect(Object.keys(runtimeSecret.stringData), 'the owner role reaches only the migration Job').not.toContain(
      'DATABASE_OWNER_URL',
    );

    const images = new Set<string>();
    for (const workload of [api, worker, job]) {
      const pod = workload.spec.template.spec;
      const container = pod.containers[0]!;
      const where = `${workload.kind} ${workload.metadata.name}`;
      images.add(container.image);
      expect(pod.securityContext?.runAsNonRoot, `${where}: runAsNonRoot`).toBe(true);
      expect(pod.securityContext?.runAsUser, `${where}: runs as the image's USER`).toBe(imageUid);
      expect(container.securityContext?.readOnlyRootFilesystem, `${where}: read-only root filesystem`).toBe(true);
      const tmp = container.volumeMounts.find((mount) => mount.mountPath === '/tmp');
      expect(
        tmp && pod.volumes.find((volume) => volume.name === tmp.name)?.emptyDir,
        `${where}: an emptyDir at /tmp for tsx's cache`,
      ).toBeDefined();
      for (const source of container.envFrom) {
        if (source.configMapRef) findManifest(manifests, 'ConfigMap', source.configMapRef.name);
        if (source.secretRef) findManifest(manifests, 'Secret', source.secretRef.name);
      }
      for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
        if (probe)
          expect(
            portNumber(container, probe.httpGet.port),
            `${where}: probe port ${probe.httpGet.port} is a container port`,
          ).toBeDefined();
      }
    }
    expect(images.size, 'the API, worker and migration Job run the same image').toBe(1);

    const apiContainer = api.spec.template.spec.containers[0]!;
    expect(containerCommand(apiContainer, imageCmd), "the API runs the image's CMD").toEqual(imageCmd);
    expect(apiContainer.readinessProbe?.httpGet.path).toBe('/readyz');
    expect(apiContainer.livenessProbe?.httpGet.path).toBe('/healthz');
    expect(portNumber(apiContainer, apiContainer.readinessProbe!.httpGet.port), 'the API is probed on its PORT').toBe(imagePort);
    expect(pod(api).metadata.labels).toMatchObject(service.spec.selector);
    expect(api.spec.selector.matchLabels).toEqual(service.spec.selector);

    const workerContainer = worker.spec.template.spec.containers[0]!;
    expect(containerCommand(workerContainer, imageCmd)).toEqual(['node', '--import', 'tsx', 'server/worker.ts']);
    expect(workerContainer.livenessProbe?.httpGet.path).toBe('/healthz');
    expect(
      portNumber(workerContainer, workerContainer.livenessProbe!.httpGet.port),
      "the worker is probed on the ConfigMap's METRICS_PORT",
    ).toBe(Number(configMap.data.METRICS_PORT));
    expect(configMap.data.METRICS_HOST, 'the kubelet probes the pod address, not loopback').toBe('0.0.0.0');

    const jobContainer = job.spec.template.spec.containers[0]!;
    expect(containerCommand(jobContainer, imageCmd)).toEqual(['node', '--import', 'tsx', 'server/cli.ts', 'migrate']);
    expect(jobContainer.envFrom.map((source) => source.secretRef?.name)).toContain('review-console-owner');
    for (const workload of [api, worker]) {
      const names = workload.spec.template.spec.containers[0]!.envFrom.map((source) => source.secretRef?.name);
      expect(names, `${workload.metadata.name} never gets the owner's URL`).not.toContain('review-console-owner');
    }
  });

  it.skipIf(!existsSync('/usr/bin/systemd-analyze'))(
    'systemd: the units pass systemd-analyze verify and run the same commands',
    async () => {
      const dir = path.join(repoRoot, 'deploy/systemd');
      const units = ['review-console-api.service', 'review-console-worker.service', 'review-console-migrate.service'];
      // Warnings (an unknown key, a misspelt section) go to stderr with exit code 0: any output fails.
      const verify = spawnSync('systemd-analyze', ['verify', '--man=no', ...units.map((unit) => path.join(dir, unit))], {
        encoding: 'utf8',
      });
      const report = `${verify.stdout}${verify.stderr}${verify.error?.message ?? ''}`;
      expect(verify.status, `systemd-analyze verify exits 0:\n${report}`).toBe(0);
      expect(report.trim(), 'systemd-analyze verify reports nothing').toBe('');
      const execStart = async (unit: string) =>
        /^ExecStart=\/usr\/bin\/node (.+)$/m.exec(await readFile(path.join(dir, unit), 'utf8'))?.[1];
      expect(await execStart('review-console-api.service')).toBe('--import tsx server/main.ts');
      expect(await execStart('review-console-worker.service')).toBe('--import tsx server/worker.ts');
      expect(await execStart('review-console-migrate.service')).toBe('--import tsx server/cli.ts migrate');
    },
  );
});

function pod(manifest: Extract<Manifest, { kind: 'Deployment' }>) {
  return manifest.spec.template;
}

function portNumber(container: Container, port: string | number): number | undefined {
  return typeof port === 'number' ? port : container.ports.find((candidate) => candidate.name === port)?.containerPort;
}
