import { Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';
import type { RouteHandler } from '#functions/routes.ts';
import type { BackgroundHandler, ScheduledHandler } from '#functions/scheduled.ts';
import type { WORKFLOW_TASKS } from '#functions/workflow-tasks.ts';
import { nagRef } from './nag.ts';

/**
 * What each function may do to the table, in one place. No level includes DeleteItem: the ledger is
 * append-only, and nothing in the product deletes. BatchWriteItem (which can delete) is granted only with a
 * `dynamodb:LeadingKeys` condition that keeps it out of the ledger's partitions (`AID#`, `FUND#`, `HOUSEHOLD#`, …).
 */
export type TableAccess =
  /** No table at all. */
  | 'none'
  /** Get, BatchGet, Query. */
  | 'read'
  /** read + conditional Put: new items only (ledger entries, registrations, objections, audit entries). */
  | 'append'
  /** append + UpdateItem: status fields, locks, resolutions, rate-limit counters. */
  | 'update'
  /** update + BatchWriteItem into the verification's own partitions (snapshots, notice entries, assessments). */
  | 'batch';

const READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'];
const APPEND = [...READ, 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem'];
const UPDATE = [...APPEND, 'dynamodb:UpdateItem'];

/** Partitions a batch write may touch: verification working items, notices, unit assessments, reminders. */
export const BATCH_WRITE_PARTITIONS = ['VERIFICATION#*', 'NOTICE#*', 'UNIT#*', 'REMINDER#*'];

/** Table access of every handler file (routes and workflow tasks). A new handler fails to compile until decided. */
export const TABLE_ACCESS: Record<
  RouteHandler | (typeof WORKFLOW_TASKS)[keyof typeof WORKFLOW_TASKS] | ScheduledHandler | BackgroundHandler,
  TableAccess
> = {
  health: 'none',
  'create-community': 'append',
  'create-unit': 'append',
  'create-cadre': 'append',
  'register-household': 'append',
  'get-household': 'read',
  'list-registry': 'read',
  // Edits update the entity (and a household's pairing copies) and claim or release guard items.
  'update-registry': 'update',
  'update-household': 'update',
  'create-pairing': 'append',
  'list-pairings': 'read',
  'reassign-pairing': 'update',
  'end-pairing': 'update',
  'carry-over-pairings': 'update',
  'get-carry-over': 'read',
  'record-aid': 'append',
  'reverse-aid': 'append',
  'get-household-aid': 'read',
  'floor-report': 'read',
  'unit-report': 'read',
  'campaign-summary': 'read',
  'record-outcome': 'append',
  'record-visit': 'append',
  'list-visits': 'read',
  'list-audit': 'read',
  'import-fund-ledger': 'append',
  'record-receipt': 'append',
  'start-verification': 'update',
  'get-verification': 'read',
  'verification-integrity': 'read',
  'decide-verification': 'update',
  'reopen-verification': 'update',
  'list-notices': 'read',
  'get-notice': 'read',
  // UpdateItem for its rate-limit counter (one conditional ADD per attempt, shared/ratelimit.ts). PutItem, which
  // 'append' already grants, can replace any item too, so UpdateItem widens what it could touch by nothing.
  'file-objection': 'update',
  'resolve-objection': 'update',
  'list-objections': 'read',
  // The calendar's overrides: an unconditional UpdateItem of a day (the last correction holds).
  'calendar-days': 'update',
  'objection-status': 'read',
  // No item of its own, but every API write appends its audit entry (functions/lib/audit.ts).
  'create-upload-url': 'append',
  // The account list: a new row per invitation; status and invitation counts updated in place.
  'create-user': 'append',
  'list-users': 'read',
  'disable-user': 'update',
  'enable-user': 'update',
  'resend-invitation': 'update',
  // A dry run's report and a commit's job item (conditional put); the rows are written by the worker.
  'start-import': 'append',
  // The imports' pages: a dry run's report, a commit's job item (conditional puts) and their audit entries.
  'import-pages': 'append',
  'import-downloads': 'read',
  'get-import': 'read',
  'import-errors': 'read',
  'import-template': 'none',
  // Registry writes, ledger rows and pairings (conditional puts), household and cadre updates, checkpoints.
  'import-worker': 'update',
  'resume-imports': 'read',
  // Export jobs: the job item and the requester's listing (conditional puts); the worker moves the checkpoint.
  exports: 'append',
  'export-worker': 'update',
  pages: 'update',
  // Reads the reports (and, for downloads, starts export jobs: conditional puts of the job items).
  'report-pages': 'update',
  // Records aid and its corrections, receipts, outcomes and visits (conditional puts, as the API's commands do).
  'household-pages': 'update',
  // Records receipts, outcomes and visits (conditional puts, as their API routes do).
  'evidence-pages': 'update',
  'page-downloads': 'read',
  // Starts and reopens rounds, records decisions (conditional puts and UpdateItems, as the verification routes do).
  'verification-pages': 'update',
  // Resolves objections (an UpdateItem of the objection and its notice entry), manages accounts.
  'admin-pages': 'update',
  // Registers, edits and deactivates registry entities (conditional puts of entities and guards, UpdateItem of
  // both and of the pairings' copies of a household's fields), as the registry's API handlers do.
  'registry-pages': 'update',
  // Files objections from the public: an UpdateItem of its rate-limit counter and of the notice's accepted set.
  'public-pages': 'update',
  'verify-freeze': 'update',
  'verify-snapshot': 'batch',
  'verify-check-households': 'batch',
  'verify-summarize': 'update',
  'verify-await-decision': 'update',
  'verify-remind': 'update',
  'verify-expire': 'update',
  'verify-return-households': 'batch',
  'verify-store-confirmation': 'update',
  'verify-publish-notice': 'batch',
  // Decides the window's close on the notice and makes interrupted filings pending or late.
  'verify-check-objections': 'update',
  'verify-await-resolution': 'update',
  'verify-reinvestigate': 'update',
  'verify-finalize': 'batch',
  'verify-mark-failed': 'update',
  'remind-floor-risk': 'batch',
};

/** Grants a function its level of access to the table and, for the data it reads or writes, to the table's key. */
export function grantTable(
  grantee: IGrantable & IConstruct,
  table: ITableV2,
  key: IKey | undefined,
  access: TableAccess,
): void {
  if (access === 'none') return;
  Validations.of(grantee).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${nagRef(grantee, table)}>/index/*]`,
    reason: 'The indexes of the one table this function uses; each is named after an access pattern it may query.',
  });
  const resources = [table.tableArn, `${table.tableArn}/index/*`];
  const actions = access === 'read' ? READ : access === 'append' ? APPEND : UPDATE;
  grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions, resources }));
  if (access === 'batch') {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:BatchWriteItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': BATCH_WRITE_PARTITIONS } },
      }),
    );
  }
  if (key) {
    // Only through DynamoDB: the function can read and write the encrypted table, but cannot call KMS with the
    // data key itself (which would let it unseal resident ID numbers; see infra/personal-data.ts).
    // The grantee's stack, where its policy is: the table's pseudo parameters would cross into a nested stack.
    const stack = Stack.of(grantee);
    const write = access !== 'read';
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: write
          ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'kms:DescribeKey']
          : ['kms:Decrypt', 'kms:DescribeKey'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.${stack.urlSuffix}` } },
      }),
    );
    if (write) acknowledgeKmsDataKeyActions(grantee);
  }
}

/** kms:GenerateDataKey* and kms:ReEncrypt* are action families CDK grants for encrypt/decrypt on one key. */
export function acknowledgeKmsDataKeyActions(grantee: IConstruct): void {
  for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`,
      reason:
        'Scoped to the one data key of this stack: DynamoDB and S3 envelope encryption need the data-key actions.',
    });
  }
}
