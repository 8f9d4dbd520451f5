import { Duration, NestedStack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * Alarms an operator acts on, sent to one SNS topic (subscribe the on-call address after deploying): a failed,
 * timed-out or throttled verification execution; any Lambda error or throttle; a write whose audit entry was lost.
 *
 * A nested stack of its own: two alarms for every function would otherwise take a quarter of the 500 resources
 * CloudFormation allows one stack. The alarms are leaves (nothing refers to them), so the only cost is one
 * parameter per function name and the topic's key, which CDK passes in.
 */
export class Monitoring extends NestedStack {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: { key: IKey; stateMachine: StateMachine; functions: LambdaFunction[] },
  ) {
    super(scope, id);
    this.topic = new Topic(this, 'Alarms', {
      masterKey: props.key,
      enforceSSL: true,
      displayName: 'Linkage Aid alarms',
    });
    const action = new SnsAction(this.topic);
    const alarm = (name: string, metric: import('aws-cdk-lib/aws-cloudwatch').Metric, description: string) => {
      const a = new Alarm(this, name, {
        metric: metric.with({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(action);
      this.alarms.push(a);
    };
    const sm = props.stateMachine;
    alarm(
      'ExecutionsFailed',
      sm.metricFailed(),
      'A verification execution failed: a community is stuck; see its history.',
    );
    alarm('ExecutionsTimedOut', sm.metricTimedOut(), 'A verification execution timed out.');
    alarm('ExecutionsThrottled', sm.metricThrottled(), 'Step Functions throttled verification executions.');
    // Emitted as an embedded metric by functions/lib/audit.ts: the write was answered, its audit entry is missing.
    alarm(
      'AuditWriteFailed',
      new Metric({
        namespace: 'LinkageAid',
        metricName: 'AuditWriteFailed',
        // Powertools Metrics publishes it with the service as its one dimension.
        dimensionsMap: { service: 'linkage-aid' },
      }),
      'A write succeeded but its audit entry could not be stored; the log line names the request and entity.',
    );
    for (const fn of props.functions) {
      const name = fn.node.id;
      alarm(
        `${name}Errors`,
        fn.metricErrors(),
        `Lambda ${name} raised errors (a defect: bad input is a 4xx, not an error).`,
      );
      alarm(`${name}Throttles`, fn.metricThrottles(), `Lambda ${name} was throttled.`);
    }
  }
}
