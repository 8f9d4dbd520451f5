import type { BuildOptions } from 'esbuild';

/**
 * The esbuild options every Lambda bundle is made with, shared by CDK (`infra/functions.ts`) and the bundle-size
 * check (`scripts/bundle-sizes.ts`), so the sizes measured are the sizes deployed.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  mainFields: ['module', 'main'],
  minify: true,
  // CommonJS dependencies call `require`, which an ES module lacks; the alias avoids clashing with bundled code.
  banner: {
    js: "import { createRequire as __linkageCreateRequire } from 'node:module'; const require = __linkageCreateRequire(import.meta.url);",
  },
  legalComments: 'none',
  // Chinese text as UTF-8 (3 bytes a character) rather than `\uXXXX` escapes (6): the pages' words are most of
  // what their bundles carry of their own.
  charset: 'utf8',
  // The nodejs22.x runtime ships AWS SDK v3. Bundling our own would add ~270 KB to every function (mostly the
  // default credential chain's SSO/STS clients, which Lambda never uses) for operations that are long stable.
  external: ['@aws-sdk/*'],
} as const satisfies BuildOptions;
