/**
 * `npm run bench:bundles`: bundles every Lambda handler as CDK does (esbuild, ESM, minified, node22) and reports
 * each bundle's size against the 250 KB target, with the largest inputs of the largest bundle. Exits non-zero
 * when a bundle is over the target, so CI catches a heavy import.
 */
import { build } from 'esbuild';
import { ROUTES } from '#functions/routes.ts';
import { BACKGROUND_HANDLERS, SCHEDULED_HANDLERS } from '#functions/scheduled.ts';
import { WORKFLOW_TASKS } from '#functions/workflow-tasks.ts';
import { BUNDLE_OPTIONS } from '#infra/bundling.ts';

const TARGET_BYTES = 250 * 1024;
const handlers = [
  ...new Set([
    ...ROUTES.map((r) => r.handler),
    ...Object.values(WORKFLOW_TASKS),
    ...SCHEDULED_HANDLERS,
    ...BACKGROUND_HANDLERS,
  ]),
].sort();
const rows: { handler: string; bytes: number }[] = [];
let heaviest: { handler: string; inputs: [string, number][] } | undefined;
for (const handler of handlers) {
  const out = await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [`functions/${handler}.ts`],
    write: false,
    metafile: true,
    outfile: `out/${handler}.mjs`,
  });
  const file = out.outputFiles.find((f) => f.path.endsWith('.mjs'))!;
  rows.push({ handler, bytes: file.contents.byteLength });
  if (!heaviest || file.contents.byteLength > Math.max(...rows.slice(0, -1).map((r) => r.bytes), 0)) {
    const output = Object.values(out.metafile.outputs).find((o) => o.entryPoint)!;
    const byPackage = new Map<string, number>();
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 1).join('/');
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
    }
    heaviest = { handler, inputs: [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8) };
  }
}
const kb = (b: number) => (b / 1024).toFixed(1);
console.log('| function | bundle KB | within 250 KB |');
console.log('|---|---|---|');
for (const r of rows) console.log(`| ${r.handler} | ${kb(r.bytes)} | ${r.bytes <= TARGET_BYTES ? 'yes' : '**no**'} |`);
if (heaviest) {
  console.log(`\nLargest inputs of ${heaviest.handler}:`);
  for (const [pkg, bytes] of heaviest.inputs) console.log(`- ${pkg}: ${kb(bytes)} KB`);
}
const over = rows.filter((r) => r.bytes > TARGET_BYTES);
if (over.length) {
  console.error(`\n${over.length} bundle(s) over ${kb(TARGET_BYTES)} KB`);
  process.exitCode = 1;
}
