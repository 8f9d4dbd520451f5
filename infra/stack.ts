import { type CfnElement, CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledgeKmsDataKeyActions } from './access.ts';
import { Api } from './api.ts';
import { Auth } from './auth.ts';
import { ExportJobs } from './exports.ts';
import { ImportJobs } from './imports.ts';
import { Monitoring } from './monitoring.ts';
import { Schedules } from './schedules.ts';
import { Storage } from './storage.ts';
import { LedgerTable } from './table.ts';
import { VerificationWorkflow } from './workflow.ts';

export interface LinkageAidStackProps extends StackProps {
  /** Where Cognito's hosted sign-in returns to (the deployed `/app/callback` page). */
  callbackUrls?: string[];
  /** The hosted sign-in's domain prefix: unique in the region, so each deployment chooses one. */
  cognitoDomainPrefix?: string;
  /** The city's supervision phone printed on every notice whose community has none of its own (监督电话). */
  supervisionPhone?: string;
}

/** The deployed product: one stack composing one construct per concern. */
export class LinkageAidStack extends Stack {
  readonly ledger: LedgerTable;
  readonly verification: VerificationWorkflow;
  readonly auth: Auth;
  readonly api: Api;
  readonly storage: Storage;
  readonly schedules: Schedules;
  readonly imports: ImportJobs;
  readonly exports: ExportJobs;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: LinkageAidStackProps = {}) {
    super(scope, id, props);
    const key = new Key(this, 'DataKey', { enableKeyRotation: true, description: 'Linkage Aid data encryption' });
    this.ledger = new LedgerTable(this, 'Ledger', { key });
    const table = this.ledger.table;
    this.storage = new Storage(this, 'Storage', { key });
    // The keyed hash that detects duplicate resident IDs: generated once, never leaves Secrets Manager but to
    // the one function that registers households.
    const idHashSecret = new Secret(this, 'IdHashKey', {
      description: 'Linkage Aid: HMAC key for resident ID duplicate detection',
      encryptionKey: key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(idHashSecret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'Rotating the HMAC key would make every stored ID hash unmatchable; rotation is a planned re-hash of all households, not a schedule.',
    });
    const environment = { BUCKET_NAME: this.storage.bucket.bucketName };
    this.verification = new VerificationWorkflow(this, 'Verification', { table, key });
    this.auth = new Auth(this, 'Auth', {
      callbackUrls: props.callbackUrls ?? ['https://localhost/app/callback'],
      domainPrefix: props.cognitoDomainPrefix ?? 'linkage-aid',
    });
    this.api = new Api(this, 'Api', {
      auth: this.auth,
      table,
      key,
      stateMachine: this.verification.stateMachine,
      idHashSecret,
      environment,
    });
    const bucketId = this.getLogicalId(this.storage.bucket.node.defaultChild as CfnElement);
    // import-pages presigns import uploads (a presigned PUT carries its signer's permission).
    for (const handler of [
      'decide-verification',
      'record-receipt',
      'create-upload-url',
      'verification-pages',
      'import-pages',
      // The field evidence stores a receipt's signature and presigns photo uploads.
      'evidence-pages',
    ]) {
      const fn = this.api.functions.get(handler)!;
      // Put only, and the data key only through S3: CDK's grantPut would also let the function call KMS directly.
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.storage.bucket.arnForObjects('*')] }),
      );
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'kms:DescribeKey'],
          resources: [key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${this.region}.${this.urlSuffix}` } },
        }),
      );
      acknowledgeKmsDataKeyActions(fn);
      Validations.of(fn).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
        reason: 'Writes objects (signatures, receipts, uploads) under keys it generates itself; it deletes none.',
      });
    }
    if (props.supervisionPhone) {
      this.api.functions.get('public-pages')!.addEnvironment('SUPERVISION_PHONE', props.supervisionPhone);
    }
    // The signature page shows the stored image to those who may see the packet: reads of signatures only.
    const verificationPages = this.api.functions.get('verification-pages')!;
    verificationPages.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.storage.bucket.arnForObjects('signatures/*')],
      }),
    );
    verificationPages.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${this.region}.${this.urlSuffix}` } },
      }),
    );
    Validations.of(verificationPages).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/signatures/*]`,
      reason: 'Reads signature images (keys named by round and hash) to show them with the packet; nothing else.',
    });
    // A visit, an aid entry or a receipt names photos the cadre uploaded: their handlers read them back (is it
    // there, is it an image, its SHA-256) under `uploads/` only; the field pages also show them to the household's
    // readers.
    for (const handler of ['record-visit', 'record-aid', 'record-receipt', 'household-pages', 'evidence-pages']) {
      const fn = this.api.functions.get(handler)!;
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.storage.bucket.arnForObjects('uploads/*')] }),
      );
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${this.region}.${this.urlSuffix}` } },
        }),
      );
      Validations.of(fn).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/uploads/*]`,
        reason:
          'Reads the photos a cadre uploaded (keys carry the uploader) to check, hash and show them; it writes none of them.',
      });
    }
    // The receipt page shows the household's signature (stored under `receipts/`) to the household's readers.
    const evidencePages = this.api.functions.get('evidence-pages')!;
    evidencePages.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.storage.bucket.arnForObjects('receipts/*')] }),
    );
    Validations.of(evidencePages).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/receipts/*]`,
      reason: "Reads receipt signature images (keys named by entry and hash) to show them to the household's readers.",
    });
    this.schedules = new Schedules(this, 'Schedules', { table, key, environment });
    this.imports = new ImportJobs(this, 'Imports', {
      table,
      key,
      bucket: this.storage.bucket,
      idHashSecret,
      environment,
      starters: [this.api.functions.get('start-import')!, this.api.functions.get('import-pages')!],
      reportReaders: ['import-errors', 'import-downloads'].map((h) => this.api.functions.get(h)!),
      // A carry-over past its inline limit goes on on the worker: from the API and from the pairings page.
      carryOvers: ['carry-over-pairings', 'admin-pages'].map((h) => this.api.functions.get(h)!),
    });
    this.exports = new ExportJobs(this, 'Exports', {
      table,
      key,
      bucket: this.storage.bucket,
      environment,
      starters: ['exports', 'report-pages'].map((h) => this.api.functions.get(h)!),
      sweep: this.imports.sweep,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      key,
      stateMachine: this.verification.stateMachine,
      functions: [
        ...this.api.functions.values(),
        ...Object.values(this.verification.functions),
        this.schedules.floorRisk,
        this.imports.worker,
        this.imports.sweep,
        this.exports.worker,
      ],
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.httpApi.apiEndpoint });
    new CfnOutput(this, 'PagesUrl', { value: `${this.api.httpApi.apiEndpoint}/app/` });
    new CfnOutput(this, 'HostedSignInUrl', { value: this.auth.domainUrl });
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.auth.client.userPoolClientId });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
  }
}
