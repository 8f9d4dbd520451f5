import { NestedStack, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import { LinkageFunction } from './functions.ts';
import { nagRef } from './nag.ts';

/**
 * Jobs on a clock (EventBridge Scheduler, Shanghai time). The objection window needs none: the workflow waits
 * for it itself (a Wait state on the notice's closing time), and re-checks open objections on its own.
 *
 * A nested stack (with the main stack's 500-resource limit in mind): a leaf that reads the table and nothing
 * refers to but the alarms.
 */
export class Schedules extends NestedStack {
  readonly floorRisk: LinkageFunction;

  constructor(
    scope: Construct,
    id: string,
    props: { table: ITableV2; key: IKey; environment: Record<string, string> },
  ) {
    super(scope, id);
    this.floorRisk = new LinkageFunction(this, 'FloorRisk', {
      handler: 'remind-floor-risk',
      environment: props.environment,
    });
    this.floorRisk.bindTable({ table: props.table, key: props.key });
    new Schedule(this, 'FloorRiskWeekly', {
      description: 'Mondays 09:00, October to December: remind cadres of households still below ¥1,000',
      schedule: ScheduleExpression.cron({
        minute: '0',
        hour: '9',
        weekDay: 'MON',
        month: '10-12',
        timeZone: TimeZone.ASIA_SHANGHAI,
      }),
      target: new LambdaInvoke(this.floorRisk, {}),
    });
    // Scheduler's target role lives at the stack root (this nested stack's); the grant names only this function.
    Validations.of(Stack.of(this)).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${nagRef(this, this.floorRisk)}>:*]`,
      reason: 'EventBridge Scheduler invokes the floor-risk function by any of its versions; no other function.',
    });
  }
}
