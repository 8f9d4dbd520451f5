import { Duration, NestedStack, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledgeKmsDataKeyActions } from './access.ts';
import { LinkageFunction } from './functions.ts';
import { nagRef } from './nag.ts';
import { grantResidentIdKey } from './personal-data.ts';

export interface ImportJobsProps {
  table: ITableV2;
  key: IKey;
  bucket: IBucket;
  idHashSecret: ISecret;
  environment: Record<string, string>;
  /** The functions that check and start imports: `start-import` (the API) and `import-pages` (the page's form). */
  starters: LinkageFunction[];
  /** The functions that read imports' reports: `import-errors`, and the pages (the dry-run page, its download). */
  reportReaders: LinkageFunction[];
  /** `carry-over-pairings` and the pairings page: a large commit continues on the worker (invoke only). */
  carryOvers: LinkageFunction[];
}

/**
 * Bulk imports in the background: the worker (invoked asynchronously with `{importId}`; it writes chunks until
 * its 15 minutes run short, then invokes itself), and a sweep every 10 minutes that continues a running import
 * whose checkpoint has gone stale (a lost invocation, or one that failed after Lambda's two retries).
 *
 * A nested stack (with the main stack's 500-resource limit in mind). The API's functions that start, read or
 * continue imports stay in the main stack: their grants on the worker and on the files are statements of their own
 * roles' policies there, which read the worker's ARN and name from this stack's outputs.
 */
export class ImportJobs extends NestedStack {
  readonly worker: LinkageFunction;
  readonly sweep: LinkageFunction;

  constructor(scope: Construct, id: string, props: ImportJobsProps) {
    super(scope, id);
    this.worker = new LinkageFunction(this, 'Worker', {
      handler: 'import-worker',
      environment: props.environment,
      timeout: Duration.minutes(15),
      memorySize: 1024,
    });
    this.worker.bindTable({ table: props.table, key: props.key });
    this.sweep = new LinkageFunction(this, 'Sweep', { handler: 'resume-imports', environment: props.environment });
    this.sweep.bindTable({ table: props.table, key: props.key });

    // Households: the worker registers them (ID hash key, sealing); the API checks ID numbers in dry runs.
    for (const fn of [this.worker, ...props.starters]) {
      fn.addEnvironment('ID_HASH_KEY_SECRET_ARN', props.idHashSecret.secretArn);
    }
    for (const fn of props.starters) props.idHashSecret.grantRead(fn);
    // The worker's read, written out: grantRead would name its role in the data key's policy (CDK's grant to a
    // Secrets Manager "via" principal), making the key, in the main stack, depend on this stack, which depends on
    // the secret, which depends on the key: a cycle. The same permission on its own role (the key policy lets IAM
    // policies grant the key's use): the secret, and the data key only as Secrets Manager decrypts it.
    this.worker.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        resources: [props.idHashSecret.secretArn],
      }),
    );
    this.worker.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.key.keyArn],
        // As CDK writes it for the other readers of the secret (in the key policy).
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    grantResidentIdKey(props.key, { seal: [this.worker], reveal: [] });

    // Files: the uploads of purpose import are read; the import's own report (imports/<id>/) read and written.
    for (const fn of [this.worker, ...props.starters, ...props.reportReaders]) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [props.bucket.arnForObjects('uploads/import/*'), props.bucket.arnForObjects('imports/*')],
        }),
      );
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'kms:DescribeKey'],
          resources: [props.key.keyArn],
          // The region of the stack the policy is in: a pseudo parameter of this one would become an output.
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(fn).region}.${Stack.of(fn).urlSuffix}` } },
        }),
      );
      acknowledgeKmsDataKeyActions(fn);
      for (const prefix of ['uploads/import/*', 'imports/*']) {
        Validations.of(fn).acknowledge({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${nagRef(fn, props.bucket)}>/${prefix}]`,
          reason: 'Reads import files and their reports under keys the import routes generate.',
        });
      }
    }
    for (const fn of [this.worker, ...props.starters]) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:PutObject'], resources: [props.bucket.arnForObjects('imports/*')] }),
      );
    }

    // Who may hand a job to the worker. The worker's permission on itself is a separate policy: on its own role's
    // default policy it would make the function depend on its own ARN.
    for (const fn of [...props.starters, ...props.carryOvers, this.sweep]) {
      fn.addEnvironment('IMPORT_WORKER_FUNCTION', this.worker.functionName);
      this.worker.grantInvoke(fn);
    }
    this.worker.addEnvironment('IMPORT_WORKER_FUNCTION', 'self');
    const selfInvoke = new Policy(this, 'WorkerSelfInvoke', {
      statements: [new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.worker.functionArn] })],
    });
    this.worker.role!.attachInlinePolicy(selfInvoke);
    for (const fn of [...props.starters, ...props.carryOvers, this.sweep, this.worker]) {
      Validations.of(fn).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${nagRef(fn, this.worker)}>:*]`,
        reason: 'Invokes the import worker (any version) and no other function.',
      });
    }

    new Schedule(this, 'SweepEveryTenMinutes', {
      description: 'Continues running imports whose worker has gone quiet',
      schedule: ScheduleExpression.cron({ minute: '*/10', timeZone: TimeZone.ASIA_SHANGHAI }),
      target: new LambdaInvoke(this.sweep, {}),
    });
    Validations.of(Stack.of(this)).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${nagRef(this, this.sweep)}>:*]`,
      reason: 'EventBridge Scheduler invokes the import sweep by any of its versions; no other function.',
    });
  }
}
