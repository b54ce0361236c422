import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { IgnoreRules } from './context-ignore.ts';

/**
 * A small interpreter for the part of the Containerfile syntax our Containerfile uses, so its steps
 * can run where there is no container engine: each stage's filesystem is a scratch directory, and
 * its RUN steps run there with this machine's Node and npm. Anything outside the subset is refused
 * by name rather than guessed at.
 */

export interface Instruction {
  keyword: 'FROM' | 'WORKDIR' | 'COPY' | 'RUN' | 'ENV' | 'USER' | 'EXPOSE' | 'HEALTHCHECK' | 'CMD';
  /** `--name=value` options before the arguments (`--from`, `--mount`, `--interval`, …). */
  flags: Record<string, string>;
  args: string;
  /** Line number in the file, and the instruction as written (for step names). */
  line: number;
  text: string;
}

export interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

const keywords = new Set<string>(['FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'USER', 'EXPOSE', 'HEALTHCHECK', 'CMD']);

/** Splits a Containerfile into stages of instructions (comments dropped, `\` continuations joined). */
export function parseContainerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let logical = lines[i]!.trim();
    if (logical === '' || logical.startsWith('#')) continue;
    while (logical.endsWith('\\')) {
      logical = logical.slice(0, -1);
      i++;
      while (i < lines.length && lines[i]!.trim().startsWith('#')) i++;
      if (i >= lines.length) throw new Error(`line ${start}: the file ends inside a continued instruction`);
      logical += ` ${lines[i]!.trim()}`;
    }
    const match = /^(\S+)\s*(.*)$/.exec(logical)!;
    const keyword = match[1]!.toUpperCase();
    if (!keywords.has(keyword)) {
      throw new Error(`line ${start}: ${keyword} is not in the subset test/deploy/containerfile.ts understands`);
    }
    const { flags, rest } = leadingFlags(match[2]!);
    const instruction: Instruction = {
      keyword: keyword as Instruction['keyword'],
      flags,
      args: rest,
      line: start,
      text: logical,
    };
    if (keyword === 'FROM') {
      const from = /^(\S+)\s+AS\s+(\S+)$/i.exec(rest);
      if (!from) throw new Error(`line ${start}: FROM must name its stage (FROM <image> AS <name>)`);
      stages.push({ image: from[1]!, name: from[2]!, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`line ${start}: ${keyword} before the first FROM`);
    stage.instructions.push(instruction);
  }
  return stages;
}

function leadingFlags(text: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = text;
  for (let flag = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest); flag; flag = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest)) {
    flags[flag[1]!] = flag[2] ?? 'true';
    rest = rest.slice(flag[0].length);
  }
  return { flags, rest: rest.trim() };
}

const execForm = z.array(z.string()).min(1);

/** `["node", "server/main.ts"]`: only the exec form (no shell in between, signals reach the process). */
export function parseExecForm(args: string, where: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw new Error(`${where}: use the exec form (a JSON array of strings), got ${args}`);
  }
  const result = execForm.safeParse(parsed);
  if (!result.success) throw new Error(`${where}: use the exec form (a JSON array of strings), got ${args}`);
  return result.data;
}

/** `ENV A=1 B="two words"` into pairs. */
function parseEnv(args: string, where: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  const token = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)\s*/y;
  let at = 0;
  while (at < args.length) {
    token.lastIndex = at;
    const match = token.exec(args);
    if (!match) throw new Error(`${where}: ENV takes NAME=value pairs, got ${args}`);
    const raw = match[2]!;
    pairs[match[1]!] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    at = token.lastIndex;
  }
  return pairs;
}

export interface BuiltStage {
  name: string;
  image: string;
  /** The stage's filesystem: container path `/app` is `<root>/app`. */
  root: string;
  /** The last WORKDIR, as a container path. */
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  expose: string[];
  cmd: string[] | undefined;
  healthcheck: { flags: Record<string, string>; cmd: string[] } | undefined;
}

/** The host directory for a container path of a built stage. */
export function hostPath(stage: Pick<BuiltStage, 'root' | 'workdir'>, containerPath: string): string {
  return path.join(stage.root, path.posix.resolve(stage.workdir, containerPath));
}

export interface BuildOptions {
  contextDir: string;
  ignore: IgnoreRules;
  scratchDir: string;
  /** Environment every RUN starts from (the base image's, as far as it matters: PATH, HOME, npm's cache). */
  baseEnv: Record<string, string>;
  /** Starts a process and tracks it, so the test can stop whatever is left when it ends. */
  run: (command: string, args: string[], options: { cwd: string; env: Record<string, string> }) => Promise<string>;
  onStep?: (name: string) => void;
}

/** Runs every stage in order; a failing instruction fails with the step's name. */
export async function buildImage(stages: Stage[], options: BuildOptions): Promise<BuiltStage[]> {
  const built: BuiltStage[] = [];
  for (const stage of stages) {
    const current: BuiltStage = {
      name: stage.name,
      image: stage.image,
      root: path.join(options.scratchDir, stage.name),
      workdir: '/',
      env: {},
      user: undefined,
      expose: [],
      cmd: undefined,
      healthcheck: undefined,
    };
    await mkdir(current.root, { recursive: true });
    for (const [index, instruction] of stage.instructions.entries()) {
      const step = `[${stage.name} ${index + 1}/${stage.instructions.length}] ${instruction.text}`;
      options.onStep?.(step);
      try {
        await applyInstruction(current, instruction, built, options);
      } catch (error) {
        throw new Error(`Containerfile step failed: ${step}\n${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
    }
    built.push(current);
  }
  return built;
}

async function applyInstruction(stage: BuiltStage, instruction: Instruction, built: BuiltStage[], options: BuildOptions) {
  const where = `line ${instruction.line}`;
  switch (instruction.keyword) {
    case 'WORKDIR':
      stage.workdir = path.posix.resolve(stage.workdir, instruction.args);
      await mkdir(hostPath(stage, '.'), { recursive: true });
      return;
    case 'ENV':
      Object.assign(stage.env, parseEnv(instruction.args, where));
      return;
    case 'USER':
      stage.user = instruction.args;
      return;
    case 'EXPOSE':
      stage.expose.push(...instruction.args.split(/\s+/));
      return;
    case 'CMD':
      stage.cmd = parseExecForm(instruction.args, where);
      return;
    case 'HEALTHCHECK': {
      const cmd = /^CMD\s+(.*)$/.exec(instruction.args);
      if (!cmd) throw new Error(`${where}: HEALTHCHECK [options] CMD [...] is the form understood here`);
      stage.healthcheck = { flags: instruction.flags, cmd: parseExecForm(cmd[1]!, where) };
      return;
    }
    case 'COPY':
      await copy(stage, instruction, built, options);
      return;
    case 'RUN':
      await runStep(stage, instruction, options);
      return;
    case 'FROM':
      throw new Error(`${where}: FROM inside a stage`);
  }
}

async function copy(stage: BuiltStage, instruction: Instruction, built: BuiltStage[], options: BuildOptions): Promise<void> {
  const { from, chown, ...others } = instruction.flags;
  if (Object.keys(others).length > 0) throw new Error(`COPY --${Object.keys(others).join(', --')} is not understood here`);
  // Files are root's in the image unless --chown says otherwise; here they are whoever runs the test.
  void chown;
  const parts = instruction.args.split(/\s+/);
  if (parts.length < 2) throw new Error('COPY needs a source and a destination');
  const sources = parts.slice(0, -1);
  const destination = parts.at(-1)!;
  const source = from === undefined ? undefined : built.find((candidate) => candidate.name === from);
  if (from !== undefined && !source) throw new Error(`COPY --from=${from}: no earlier stage of that name`);
  const intoDirectory = destination.endsWith('/') || sources.length > 1;
  for (const item of sources) {
    if (/[*?[]/.test(item)) throw new Error(`COPY ${item}: wildcards are not understood here`);
    let hostSource: string;
    if (source) {
      hostSource = hostPath(source, item);
    } else {
      const relative = path.posix.normalize(item).replace(/^\.?\/+/, '');
      if (relative.startsWith('..')) throw new Error(`COPY ${item}: outside the build context`);
      if (options.ignore.excludes(relative))
        throw new Error(`COPY ${item}: excluded from the build context by ${options.ignore.file}`);
      hostSource = path.join(options.contextDir, relative);
    }
    const info = await stat(hostSource).catch(() => undefined);
    if (!info) throw new Error(`COPY ${item}: not found (${hostSource})`);
    const target =
      info.isFile() && intoDirectory
        ? path.join(hostPath(stage, destination), path.basename(item))
        : hostPath(stage, destination);
    await mkdir(info.isFile() ? path.dirname(target) : target, { recursive: true });
    await cp(hostSource, target, {
      recursive: true,
      // The build context is what the ignore file leaves; another stage's files are all there.
      filter: (file) =>
        source !== undefined || !options.ignore.excludes(path.relative(options.contextDir, file).split(path.sep).join('/')),
    });
  }
}

async function runStep(stage: BuiltStage, instruction: Instruction, options: BuildOptions): Promise<void> {
  // RUN here runs as whoever runs the test; after USER it would run as someone else in the image.
  if (stage.user !== undefined) throw new Error('RUN after USER is not understood here: put RUN steps before USER');
  const { mount, ...others } = instruction.flags;
  if (Object.keys(others).length > 0) throw new Error(`RUN --${Object.keys(others).join(', --')} is not understood here`);
  // A cache mount keeps npm's cache out of the layer; here npm's own cache on this machine plays that part.
  if (mount !== undefined && !mount.startsWith('type=cache,'))
    throw new Error(`RUN --mount=${mount}: only cache mounts are understood here`);
  if (/(^|[\s;&|=])\//.test(instruction.args)) {
    throw new Error(
      'RUN with an absolute path: this interpreter runs RUN in the stage directory and cannot map it; use paths relative to WORKDIR',
    );
  }
  await options.run('sh', ['-c', instruction.args], { cwd: hostPath(stage, '.'), env: { ...options.baseEnv, ...stage.env } });
}

/** Runs a process to completion in its own process group, failing with the tail of its output. */
export function runToCompletion(
  track: (child: ChildProcess) => void,
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; uid?: number; gid?: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    track(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${[command, ...args].join(' ')} exited with ${code ?? signal}:\n${tail(output)}`));
    });
  });
}

/** The end of a long output, which is where the reason usually is. */
export function tail(output: string, chars = 6_000): string {
  return output.length <= chars ? output : `…${output.slice(-chars)}`;
}
