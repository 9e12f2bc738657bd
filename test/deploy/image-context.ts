// What `docker build -f deploy/Dockerfile .` copies into the image, computed without Docker: the repository's
// files filtered by .dockerignore as Docker matches it (last matching pattern wins, `!` re-includes, a pattern
// matching a folder covers everything in it), for the final stage's COPY instructions.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const REPO = join(import.meta.dirname, '../..');

interface Pattern {
  readonly negate: boolean;
  readonly regex: RegExp;
}

function compile(line: string): Pattern {
  const negate = line.startsWith('!');
  const cleaned = (negate ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/\/+$/, '');
  let source = '';
  const segments = cleaned.split('/');
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') {
      source += last ? '.*' : '(?:.*/)?';
      return;
    }
    source += segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
    if (!last) source += '/';
  });
  return { negate, regex: new RegExp(`^${source}$`) };
}

export function dockerignore(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map(compile);
  return (path) => {
    const parents = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const p of patterns) if (parents.some((candidate) => p.regex.test(candidate))) excluded = !p.negate;
    return excluded;
  };
}

/** The source paths of the final stage's COPY instructions that read the build context (not --from). */
export function finalStageCopies(dockerfile: string): string[][] {
  const stages = dockerfile.split(/^FROM\s/m);
  const final = stages[stages.length - 1];
  return final
    .split('\n')
    .filter((l) => /^COPY\s/.test(l) && !/--from=/.test(l))
    .map((l) => l.replace(/^COPY\s+/, '').split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1));
}

// Walked only to prove they stay out: a sample file stands for each.
const NOT_WALKED: Record<string, string> = { '.git': '.git/HEAD', node_modules: 'node_modules/zod/package.json', '.cache': '.cache/cdk.out/manifest.json' };

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(REPO, path).split(sep).join('/');
    if (rel in NOT_WALKED) out.push(NOT_WALKED[rel]);
    else if (entry.isDirectory()) walk(path, out);
    else out.push(rel);
  }
}

/** Every repository file the image receives from the build context, relative to the repository. */
export function imageFiles(): string[] {
  const excluded = dockerignore(readFileSync(join(REPO, '.dockerignore'), 'utf8'));
  const all: string[] = [];
  walk(REPO, all);
  const copied = new Set<string>();
  for (const sources of finalStageCopies(readFileSync(join(REPO, 'deploy/Dockerfile'), 'utf8'))) {
    for (const source of sources) {
      const prefix = source === '.' ? '' : source.replace(/\/$/, '');
      for (const f of all) if ((prefix === '' || f === prefix || f.startsWith(`${prefix}/`)) && !excluded(f)) copied.add(f);
    }
  }
  return [...copied].sort();
}

/** The repository files a module needs at run time: its relative imports and the files it reads by URL. */
export function runtimeClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.endsWith('.ts')) return;
    const text = readFileSync(join(REPO, file), 'utf8');
    const dir = file.split('/').slice(0, -1).join('/');
    const resolve = (spec: string) => join(dir, spec).split(sep).join('/');
    for (const m of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      if (!/^import type /m.test(text.slice(text.lastIndexOf('\n', m.index) + 1, m.index + 1))) visit(resolve(m[1]));
    }
    for (const m of text.matchAll(/new URL\(`\.\/([^`$]+)\/\$\{/g)) {
      for (const f of readdirSync(join(REPO, dir, m[1]))) visit(resolve(`./${m[1]}/${f}`));
    }
  };
  visit(entry);
  return seen;
}
