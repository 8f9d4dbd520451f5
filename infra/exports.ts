import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeKmsDataKeyActions } from './access.ts';
import { LinkageFunction } from './functions.ts';
import { nagRef } from './nag.ts';

export interface ExportJobsProps {
  table: ITableV2;
  key: IKey;
  bucket: IBucket;
  environment: Record<string, string>;
  /** Who starts jobs and signs their download links: `exports` (the API) and `report-pages` (the download forms). */
  starters: LinkageFunction[];
  /** The imports' sweep, which also continues exports whose worker has gone quiet. */
  sweep: LinkageFunction;
}

/**
 * Export jobs in the background: the worker (invoked asynchronously with `{exportId}`; it writes the report in
 * chunks to a multipart upload under `exports/`, checkpoints and invokes itself before its 15 minutes run short).
 * The imports' sweep continues a job whose heartbeat has gone stale.
 */
export class ExportJobs extends Construct {
  readonly worker: LinkageFunction;

  constructor(scope: Construct, id: string, props: ExportJobsProps) {
    super(scope, id);
    this.worker = new LinkageFunction(this, 'ExportWorker', {
      handler: 'export-worker',
      environment: props.environment,
      timeout: Duration.minutes(15),
      memorySize: 1024,
    });
    this.worker.bindTable({ table: props.table, key: props.key });

    // Files: the worker writes and reads back (its checkpoint's tail) under exports/; the starters sign downloads
    // (a presigned GET carries its signer's permission).
    const bucketId = Stack.of(this).getLogicalId(props.bucket.node.defaultChild as CfnElement);
    const grants: [LinkageFunction, string[]][] = [
      [this.worker, ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload']],
      ...props.starters.map((fn): [LinkageFunction, string[]] => [fn, ['s3:GetObject']]),
    ];
    for (const [fn, actions] of grants) {
      fn.addToRolePolicy(new PolicyStatement({ actions, resources: [props.bucket.arnForObjects('exports/*')] }));
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'kms:DescribeKey'],
          resources: [props.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.${Stack.of(this).urlSuffix}` } },
        }),
      );
      acknowledgeKmsDataKeyActions(fn);
      Validations.of(fn).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/exports/*]`,
        reason: 'Export files under keys the export jobs generate (exports/<job id>/…).',
      });
    }

    // Who may hand a job to the worker; the worker's permission on itself is a separate policy (on its own role's
    // default policy it would make the function depend on its own ARN).
    for (const fn of [...props.starters, props.sweep]) {
      fn.addEnvironment('EXPORT_WORKER_FUNCTION', this.worker.functionName);
      this.worker.grantInvoke(fn);
    }
    this.worker.addEnvironment('EXPORT_WORKER_FUNCTION', 'self');
    const selfInvoke = new Policy(this, 'ExportWorkerSelfInvoke', {
      statements: [new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.worker.functionArn] })],
    });
    this.worker.role!.attachInlinePolicy(selfInvoke);
    // The sweep lives in the imports' nested stack: the worker's ARN reaches it by a parameter (infra/nag.ts).
    for (const fn of [...props.starters, props.sweep, this.worker]) {
      Validations.of(fn).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${nagRef(fn, this.worker)}>:*]`,
        reason: 'Invokes the export worker (any version) and no other function.',
      });
    }
  }
}
