import { join } from 'node:path';
import { Aws, NestedStack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { VERIFICATION_ASL, WORKFLOW_TASKS, type WorkflowTask } from '#functions/workflow-tasks.ts';
import { LinkageFunction, REPO_ROOT } from './functions.ts';
import { nagRef } from './nag.ts';

/** The verification definition on disk: the one file CDK deploys and the local runner executes. */
export const VERIFICATION_ASL_PATH = join(REPO_ROOT, VERIFICATION_ASL);

/**
 * The verification workflow (三相符一确认): one Lambda per task of `WORKFLOW_TASKS`, and a Standard state machine
 * deployed from the ASL file itself, its `${…Function}` placeholders substituted with those functions' ARNs.
 * Standard, not Express: an execution waits days for the cadre's decision and the public notice period.
 *
 * A nested stack of its own, to keep the main stack well within CloudFormation's 500 resources: the workflow is a
 * leaf (its tasks reach only the table), so the only cost is the parameters CDK passes in (the table, the key, the
 * function log group) and the outputs the API's grants read (the state machine's ARN).
 */
export class VerificationWorkflow extends NestedStack {
  readonly stateMachine: StateMachine;
  /** The task functions, by the placeholder that names them in the ASL file. */
  readonly functions: Record<WorkflowTask, LinkageFunction>;

  constructor(scope: Construct, id: string, props: { table: ITableV2; key?: IKey }) {
    super(scope, id);
    const entries = (Object.keys(WORKFLOW_TASKS) as WorkflowTask[]).map((task) => {
      const fn = new LinkageFunction(this, task, { handler: WORKFLOW_TASKS[task] });
      fn.bindTable({ table: props.table, key: props.key });
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
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing and log delivery: those actions support no resource-level permissions.',
    });
    for (const [, fn] of entries) {
      fn.grantInvoke(this.stateMachine);
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${nagRef(this.stateMachine, fn)}>:*]`,
        reason: 'Invoking the task function by any of its versions or aliases; the function itself is named.',
      });
    }
    // A policy of its own, not the role's default one: the function must not depend on the state machine that
    // depends on it (its ARN is substituted into the definition), or CloudFormation finds a cycle.
    new Policy(this, 'AwaitDecisionSendsTokens', {
      roles: [this.functions.AwaitDecisionFunction.role!, this.functions.AwaitResolutionFunction.role!],
      statements: [
        new PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: [this.stateMachine.stateMachineArn],
        }),
      ],
    });
  }
}
