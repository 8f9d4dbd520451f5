import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Fails when the project's source files import each other in a cycle (type-only imports count: a cycle of types
 * is still two modules that cannot be understood apart). Run by `npm run lint`. Dynamic `import()` of a computed
 * path (the local runner loading a task's handler) is not followed.
 */

const ROOT = resolve(import.meta.dirname, '..');
const SOURCES = ['infra', 'functions', 'shared'];
const ALIASES: Record<string, string> = { '#shared/': 'shared/', '#functions/': 'functions/', '#infra/': 'infra/' };

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'cdk.out' ? [] : filesUnder(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The project files a file imports or re-exports from, by static specifier. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s+['"]([^'"]+)['"]/gms)) {
    const spec = m[1]!;
    const alias = Object.keys(ALIASES).find((a) => spec.startsWith(a));
    if (alias) out.push(join(ROOT, ALIASES[alias]!, spec.slice(alias.length)));
    else if (spec.startsWith('.')) out.push(resolve(dirname(file), spec));
  }
  return out;
}

const files = SOURCES.flatMap((d) => filesUnder(join(ROOT, d)));
const graph = new Map(files.map((f) => [f, importsOf(f).filter((g) => files.includes(g))]));

// Tarjan's strongly connected components: every component of more than one file (or a self-import) is a cycle.
let index = 0;
const indexOf = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const cycles: string[][] = [];
function visit(v: string) {
  indexOf.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!indexOf.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v)!, low.get(w)!));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
  }
  if (low.get(v) === indexOf.get(v)) {
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) cycles.push(component);
  }
}
for (const f of files) if (!indexOf.has(f)) visit(f);

if (cycles.length) {
  for (const c of cycles) console.error(`import cycle: ${c.map((f) => relative(ROOT, f)).join(' ↔ ')}`);
  process.exit(1);
}
console.log(`no import cycles among ${files.length} source files`);
