import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { z } from 'zod';

/**
 * The Kubernetes example (deploy/kubernetes/) as the tests read it: parsed by js-yaml, then
 * checked with zod for the fields the tests rely on.
 */

const metadata = z.object({ name: z.string().min(1), labels: z.record(z.string(), z.string()).optional() });

const httpGetProbe = z.object({ httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }) }).loose();

export const containerSchema = z
  .object({
    name: z.string(),
    image: z.string(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    ports: z.array(z.object({ name: z.string(), containerPort: z.number() })).default([]),
    envFrom: z
      .array(
        z.object({
          configMapRef: z.object({ name: z.string() }).optional(),
          secretRef: z.object({ name: z.string() }).optional(),
        }),
      )
      .default([]),
    env: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
    startupProbe: httpGetProbe.optional(),
    livenessProbe: httpGetProbe.optional(),
    readinessProbe: httpGetProbe.optional(),
    securityContext: z
      .object({ readOnlyRootFilesystem: z.boolean().optional(), allowPrivilegeEscalation: z.boolean().optional() })
      .loose()
      .optional(),
    volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() })).default([]),
  })
  .loose();

const podSpec = z
  .object({
    securityContext: z.object({ runAsNonRoot: z.boolean().optional(), runAsUser: z.number().optional() }).loose().optional(),
    containers: z.array(containerSchema).min(1),
    volumes: z.array(z.object({ name: z.string(), emptyDir: z.object({}).loose().optional() }).loose()).default([]),
  })
  .loose();

const podTemplate = z.object({ metadata: z.object({ labels: z.record(z.string(), z.string()) }), spec: podSpec });

export const manifestSchema = z.discriminatedUnion('kind', [
  z.object({ apiVersion: z.literal('v1'), kind: z.literal('ConfigMap'), metadata, data: z.record(z.string(), z.string()) }),
  z
    .object({ apiVersion: z.literal('v1'), kind: z.literal('Secret'), metadata, stringData: z.record(z.string(), z.string()) })
    .loose(),
  z
    .object({
      apiVersion: z.literal('v1'),
      kind: z.literal('Service'),
      metadata,
      spec: z.object({ selector: z.record(z.string(), z.string()) }).loose(),
    })
    .loose(),
  z
    .object({
      apiVersion: z.literal('apps/v1'),
      kind: z.literal('Deployment'),
      metadata,
      spec: z.object({ selector: z.object({ matchLabels: z.record(z.string(), z.string()) }), template: podTemplate }).loose(),
    })
    .loose(),
  z
    .object({
      apiVersion: z.literal('batch/v1'),
      kind: z.literal('Job'),
      metadata,
      spec: z.object({ template: podTemplate }).loose(),
    })
    .loose(),
]);

export type Manifest = z.infer<typeof manifestSchema>;
export type Container = z.infer<typeof containerSchema>;

/** Every YAML document of `dir`, with the file it came from; fails naming the file that does not parse. */
export async function loadManifests(dir: string): Promise<Array<{ file: string; manifest: Manifest }>> {
  const files = (await readdir(dir)).filter((file) => /\.ya?ml$/.test(file)).sort();
  const texts = await Promise.all(files.map((file) => readFile(path.join(dir, file), 'utf8')));
  const parsedFiles = parseYamlFiles(files.map((file, index) => ({ file, text: texts[index]! })));
  const loaded: Array<{ file: string; manifest: Manifest }> = [];
  for (const { file, documents } of parsedFiles) {
    for (const [index, document] of documents.entries()) {
      const parsed = manifestSchema.safeParse(document);
      if (!parsed.success) throw new Error(`${file}, document ${index + 1}: ${z.prettifyError(parsed.error)}`);
      loaded.push({ file, manifest: parsed.data });
    }
  }
  return loaded;
}

/** YAML → plain data with js-yaml's safe default schema (no custom types), every document of every file. */
export function parseYamlFiles(files: Array<{ file: string; text: string }>): Array<{ file: string; documents: unknown[] }> {
  return files.map(({ file, text }) => {
    try {
      return { file, documents: loadAll(text).filter((document) => document !== null && document !== undefined) };
    } catch (error) {
      throw new Error(`${file} is not valid YAML:\n${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  });
}

/** The one manifest of `kind` named `name`, or a failure naming what is missing. */
export function findManifest<K extends Manifest['kind']>(
  manifests: Array<{ manifest: Manifest }>,
  kind: K,
  name: string,
): Extract<Manifest, { kind: K }> {
  const found = manifests.find(({ manifest }) => manifest.kind === kind && manifest.metadata.name === name)?.manifest;
  if (!found) throw new Error(`deploy/kubernetes has no ${kind} named ${name}`);
  return found as Extract<Manifest, { kind: K }>;
}

/** A container's command line as Kubernetes runs it: `command` (else the image's CMD) then `args`. */
export function containerCommand(container: Container, imageCmd: string[]): string[] {
  return [...(container.command ?? (container.args ? [] : imageCmd)), ...(container.args ?? [])];
}
