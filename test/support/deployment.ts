import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, type CfnElement, NestedStack, Stack } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';

export type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[]; Metadata?: unknown };
type Template = {
  Resources: Record<string, Resource>;
  Parameters?: Record<string, unknown>;
  Outputs?: Record<string, { Value: unknown }>;
};

/** One template of the deployment, where it sits, and the templates of its nested stacks by their resource's id. */
interface Level {
  template: Template;
  parent?: Level;
  /** The logical id of this nested stack's AWS::CloudFormation::Stack resource in the parent's template. */
  idInParent?: string;
  children: Map<string, Level>;
}

export interface Deployment {
  /** The main stack's template, as synthesized (nested stacks are `AWS::CloudFormation::Stack` resources in it). */
  main: Template;
  /** Each nested stack's template, by the nested stack's construct path. */
  nested: Map<string, Template>;
  /**
   * Every resource of the deployment, the main stack's and its nested stacks', by logical id, with the references
   * CDK routes across stacks (a nested stack's parameters, the parent reading a nested stack's outputs) replaced by
   * what they refer to: a reference reads as it would if everything were in one stack.
   */
  resources: Record<string, Resource>;
  ofType(type: string): [string, Resource][];
  /** The logical id of a construct's resource (or an L2's default child) in its own stack. */
  logicalId(construct: IConstruct): string;
}

/**
 * The whole deployment of `stack` read from its cloud assembly: the main template and those of its nested stacks
 * (files of the assembly), merged. Logical ids are unique across them (asserted): CDK derives them from the path
 * within each stack, and each nested stack's path starts below the main stack's constructs.
 */
export function deploymentOf(stack: Stack, assembly?: CloudAssembly): Deployment {
  const synthesized = assembly ?? (stack.node.root as App).synth();
  const main = synthesized.getStackArtifact(stack.artifactId).template as Template;
  const nested = new Map<string, Template>();
  const levels = new Map<Stack, Level>([[stack, { template: main, children: new Map() }]]);
  const all = stack.node.findAll().filter((c): c is NestedStack => NestedStack.isNestedStack(c));
  // Parents before children: findAll is pre-order.
  for (const n of all) {
    const template = JSON.parse(readFileSync(join(synthesized.directory, n.templateFile), 'utf8')) as Template;
    nested.set(n.node.path, template);
    const parent = levels.get(n.nestedStackParent!)!;
    const idInParent = n.nestedStackParent!.getLogicalId(n.nestedStackResource as CfnElement);
    const level: Level = { template, parent, idInParent, children: new Map() };
    parent.children.set(idInParent, level);
    levels.set(n, level);
  }

  const resolve = (value: unknown, level: Level): unknown => {
    if (Array.isArray(value)) return value.map((v) => resolve(v, level));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [key, arg] = entries[0] ?? [];
    if (
      entries.length === 1 &&
      key === 'Ref' &&
      level.parent &&
      typeof arg === 'string' &&
      level.template.Parameters?.[arg]
    ) {
      const passed = level.parent.template.Resources[level.idInParent!]!.Properties.Parameters[arg];
      return resolve(passed, level.parent);
    }
    if (entries.length === 1 && key === 'Fn::GetAtt' && Array.isArray(arg) && String(arg[1]).startsWith('Outputs.')) {
      const child = level.children.get(arg[0]);
      if (child) return resolve(child.template.Outputs![String(arg[1]).slice('Outputs.'.length)]!.Value, child);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v, level)]));
  };

  const resources: Record<string, Resource> = {};
  for (const level of levels.values()) {
    for (const [id, resource] of Object.entries(level.template.Resources)) {
      // Each stack's own CDK analytics resource, when enabled: not part of what is deployed for the product.
      if (level.parent && resource.Type === 'AWS::CDK::Metadata') continue;
      if (resources[id]) throw new Error(`logical id ${id} is in two templates of the deployment`);
      resources[id] = resolve(resource, level) as Resource;
    }
  }
  return {
    main,
    nested,
    resources,
    ofType: (type) => Object.entries(resources).filter(([, r]) => r.Type === type),
    logicalId: (construct) => {
      const element = (construct.node.defaultChild ?? construct) as CfnElement;
      return Stack.of(element).getLogicalId(element);
    },
  };
}
