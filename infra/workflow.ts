import { join } from 'node:path';
import { Aws } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { VERIFICATION_ASL, WORKFLOW_TASKS, type WorkflowTask } from '#functions/workflow-tasks.ts';
import { LinkageFunction, REPO_ROOT, type TableAccess } from './functions.ts';

/** The verification definition on disk: the one file CDK deploys and the local runner executes. */
export const VERIFICATION_ASL_PATH = join(REPO_ROOT, VERIFICATION_ASL);

/**
 * What each task does to the table. Typed by the task names, so a new task in `WORKFLOW_TASKS` fails to compile
 * until someone decides its access.
 */
export const TASK_TABLE_ACCESS: Record<WorkflowTask, TableAccess> = {
  SnapshotFunction: 'readWrite',
  CheckHouseholdsFunction: 'readWrite',
  SummarizeFunction: 'readWrite',
  AwaitDecisionFunction: 'readWrite',
  RemindFunction: 'readWrite',
  ExpireFunction: 'readWrite',
  ReturnHouseholdsFunction: 'readWrite',
  StoreConfirmationFunction: 'readWrite',
  PublishNoticeFunction: 'readWrite',
  // Only counts the notice's objections.
  CheckObjectionsFunction: 'read',
  ReinvestigateFunction: 'readWrite',
  FinalizeFunction: 'readWrite',
};

/**
 * The verification workflow (三相符一确认): one Lambda per task of `WORKFLOW_TASKS`, and a Standard state machine
 * deployed from the ASL file itself, its `${…Function}` placeholders substituted with those functions' ARNs.
 * Standard, not Express: an execution waits days for the cadre's decision and the public notice period.
 */
export class VerificationWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  /** The task functions, by the placeholder that names them in the ASL file. */
  readonly functions: Record<WorkflowTask, LinkageFunction>;

  constructor(scope: Construct, id: string, props: { table: ITableV2 }) {
    super(scope, id);
    const entries = (Object.keys(WORKFLOW_TASKS) as WorkflowTask[]).map((task) => {
      const fn = new LinkageFunction(this, task, { handler: WORKFLOW_TASKS[task] });
      fn.bindTable({ table: props.table, accessMode: TASK_TABLE_ACCESS[task] });
      return [task, fn] as const;
    });
    this.functions = Object.fromEntries(entries) as Record<WorkflowTask, LinkageFunction>;

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(VERIFICATION_ASL_PATH),
      // `${Partition}` keeps the service ARNs right in the China regions (aws-cn) as well as elsewhere.
      definitionSubstitutions: {
        Partition: Aws.PARTITION,
        ...Object.fromEntries(entries.map(([task, fn]) => [task, fn.functionArn])),
      },
      // Execution data stays out of the logs: state inputs and outputs carry household ids, task tokens and the
      // cadre's free-text comment. The table holds the record of each round.
      logs: { destination: new LogGroup(this, 'Logs'), level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    for (const [, fn] of entries) fn.grantInvoke(this.stateMachine);
  }
}
