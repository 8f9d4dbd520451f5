import { type CfnElement, Names, NestedStack, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How cdk-nag prints an attribute of `target` (a resource, or an L2 whose default child is one) in a policy that
 * `consumer` carries, for acknowledgement ids like `AwsSolutions-IAM5[Resource::<…>/index/*]`:
 * - in the same stack, `LogicalId.Arn`;
 * - in a nested stack, whatever the producer: the parameter CDK passes the value in by,
 *   `referenceto<unique id of the target><attribute>`;
 * - in the parent of the producer's nested stack: the nested stack's output, `<its resource's logical id>.Outputs.
 *   <unique id of the target><attribute>`.
 * These are the names CDK gives cross-stack references (aws-cdk-lib core, private/refs.ts); a mismatch shows as an
 * unacknowledged finding at synth, never as a silent pass.
 */
export function nagRef(consumer: IConstruct, target: IConstruct, attribute = 'Arn'): string {
  const resource = (target.node.defaultChild ?? target) as CfnElement;
  const producer = Stack.of(resource);
  const at = Stack.of(consumer);
  if (producer === at) return `${at.getLogicalId(resource)}.${attribute}`;
  const uniqueId = `${Names.nodeUniqueId(resource.node)}${attribute}`.replace(/[^A-Za-z0-9]/g, '');
  if (at.nested) return `referenceto${uniqueId}`;
  if (NestedStack.isNestedStack(producer) && producer.nestedStackParent === at && producer.nestedStackResource) {
    return `${at.getLogicalId(producer.nestedStackResource)}.Outputs.${uniqueId}`;
  }
  throw new Error(`no reference from ${consumer.node.path} to ${target.node.path} that nagRef knows how to name`);
}
