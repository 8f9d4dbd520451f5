import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { ROUTES } from '#functions/routes.ts';
import { WORKFLOW_TASKS } from '#functions/workflow-tasks.ts';
import { BUNDLE_OPTIONS } from './bundling.ts';

/** The repository root, resolved from this file so that synth and tests work from any working directory. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every handler file a Lambda may be built from: the API's routes and the workflow's tasks. */
export const HANDLERS: ReadonlySet<string> = new Set([
  ...ROUTES.map((r) => r.handler),
  ...Object.values(WORKFLOW_TASKS),
]);

/** How much of the table a function may touch; `read` for handlers that only query. */
export type TableAccess = 'read' | 'readWrite';

export interface LinkageFunctionProps {
  /** Handler file under `functions/`, without extension, as named in `functions/routes.ts` or `workflow-tasks.ts`. */
  handler: string;
  /** Extra environment on top of the defaults. */
  environment?: Record<string, string>;
  /** Defaults to 30 s: below the workflow tasks' 60 s `TimeoutSeconds` and API Gateway's 30 s limit. */
  timeout?: Duration;
  /** Defaults to 512 MB; Lambda scales CPU with memory, and the bundles are small. */
  memorySize?: number;
}

/**
 * A Lambda built from one file of `functions/` with the project's defaults: Node 22 on arm64, X-Ray tracing, and
 * an ESM bundle made by a local esbuild (no Docker) with the options in `bundling.ts`, which the bundle-size
 * check uses too. The AWS SDK v3 comes from the runtime (see `bundling.ts` for why).
 */
export class LinkageFunction extends NodejsFunction {
  /** The handler file this function runs (`functions/<handlerName>.ts`). */
  readonly handlerName: string;

  constructor(scope: Construct, id: string, props: LinkageFunctionProps) {
    if (!HANDLERS.has(props.handler)) {
      throw new Error(`functions/${props.handler}.ts is neither a route nor a workflow task`);
    }
    super(scope, id, {
      entry: join(REPO_ROOT, 'functions', `${props.handler}.ts`),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 512,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'linkage-aid',
        // Stack traces point at functions/ and shared/ through the bundled source map.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: [...BUNDLE_OPTIONS.mainFields],
        banner: BUNDLE_OPTIONS.banner.js,
        minify: BUNDLE_OPTIONS.minify,
        target: BUNDLE_OPTIONS.target,
        sourceMap: true,
        externalModules: [...BUNDLE_OPTIONS.external],
      },
    });
    this.handlerName = props.handler;
  }

  /** Passes the table's name as TABLE_NAME and grants the access the handler needs, and no more. */
  bindTable({ table, accessMode }: { table: ITableV2; accessMode: TableAccess }): this {
    this.addEnvironment('TABLE_NAME', table.tableName);
    if (accessMode === 'readWrite') table.grantReadWriteData(this);
    else table.grantReadData(this);
    return this;
  }
}
