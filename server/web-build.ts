import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** True when `dist/web` is missing or older than any source file of the web app. */
export async function webBuildIsStale(distDir: string, sourceDirs: string[]): Promise<boolean> {
  const built = await stat(path.join(distDir, 'index.html')).catch(() => undefined);
  if (!built) return true;
  for (const dir of sourceDirs) {
    if ((await newestMtime(dir)) > built.mtimeMs) return true;
  }
  return false;
}

async function newestMtime(target: string): Promise<number> {
  const info = await stat(target).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(target)) newest = Math.max(newest, await newestMtime(path.join(target, entry)));
  return newest;
}

/** Builds the web app with Vite (the same as `npm run build`). */
export async function buildWebApp(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: path.resolve('vite.config.ts'), logLevel: 'warn' });
}
