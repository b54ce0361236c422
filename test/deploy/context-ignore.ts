import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface IgnoreRules {
  /** Which file the rules came from (for messages). */
  file: string;
  /** Whether a path relative to the context root (with `/`) stays out of the build context. */
  excludes(relativePath: string): boolean;
}

interface Rule {
  pattern: RegExp;
  negated: boolean;
}

/**
 * The build context's ignore rules, as podman reads them: `.containerignore`, else `.dockerignore`.
 * The usual syntax: `*`, `?`, `**` for any number of directories, `!` to take a path back, the
 * last matching line wins, and a directory that matches takes everything under it along.
 */
export async function loadIgnoreRules(contextDir: string): Promise<IgnoreRules> {
  for (const name of ['.containerignore', '.dockerignore']) {
    const text = await readFile(path.join(contextDir, name), 'utf8').catch(() => undefined);
    if (text !== undefined) return { file: name, ...compileIgnoreRules(text) };
  }
  return { file: '(no ignore file)', excludes: () => false };
}

export function compileIgnoreRules(text: string): Pick<IgnoreRules, 'excludes'> {
  const rules: Rule[] = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const body = path.posix
        .normalize(negated ? line.slice(1).trim() : line)
        .replace(/^(\.?\/)+/, '')
        .replace(/\/+$/, '');
      return { pattern: toRegExp(body), negated };
    });
  return {
    excludes(relativePath) {
      // A path is out if it or a directory above it matches, as far as the last matching rule says.
      const segments = relativePath.split('/');
      let excluded = false;
      for (let depth = 1; depth <= segments.length; depth++) {
        const candidate = segments.slice(0, depth).join('/');
        for (const rule of rules) if (rule.pattern.test(candidate)) excluded = !rule.negated;
      }
      return excluded;
    },
  };
}

function toRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (glob.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
