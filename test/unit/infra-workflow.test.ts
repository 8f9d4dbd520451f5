import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import { afterAll, describe, expect, it } from 'vitest';
import { VERIFICATION_ASL, WORKFLOW_TASKS, type WorkflowTask } from '#functions/workflow-tasks.ts';
import { REPO_ROOT } from '#infra/functions.ts';
import { loadDefinition, taskStates } from '#infra/local/workflow.ts';
import { LinkageAidStack } from '#infra/stack.ts';
import { VERIFICATION_ASL_PATH } from '#infra/workflow.ts';
import { deploymentOf } from '../support/deployment.ts';

/** What CloudFormation does with DefinitionSubstitutions: replace each `${key}` of the definition text. */
const substitute = (text: string, values: Record<string, string>) =>
  text.replace(/\$\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);

const placeholdersIn = (text: string) => [...new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!))].sort();

describe('the verification workflow', () => {
  // Prepare: synthesize into a directory of our own, so the staged assets can be read back.
  const outdir = mkdtempSync(join(tmpdir(), 'linkage-aid-cdk-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new LinkageAidStack(app, 'Test', { env: { account: '123456789012', region: 'cn-northwest-1' } });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  // The workflow is a nested stack of its own (infra/workflow.ts): read the whole deployment.
  const { resources, ofType, logicalId } = deploymentOf(stack, assembly);
  const policies = ofType('AWS::IAM::Policy').map(([, p]) => p);

  const { stateMachine, functions } = stack.verification;
  const machineId = logicalId(stateMachine);
  const machine = resources[machineId]!;
  const fnId = (task: WorkflowTask) => logicalId(functions[task]);
  const tasks = Object.keys(WORKFLOW_TASKS) as WorkflowTask[];

  const fileBytes = readFileSync(VERIFICATION_ASL_PATH);
  const fileText = fileBytes.toString('utf8');

  /** The bytes CDK uploads as the definition: the file asset whose destination is the DefinitionS3Location. */
  const deployedBytes = (() => {
    const { Key } = machine.Properties.DefinitionS3Location;
    const manifests = artifact.dependencies.filter(AssetManifestArtifact.isAssetManifestArtifact);
    const files = manifests.flatMap((m) => Object.values(m.contents.files ?? {}));
    const asset = files.find((f) => Object.values(f.destinations).some((d) => d.objectKey === Key));
    if (!asset?.source.path) throw new Error(`no staged asset uploads to ${Key}`);
    return readFileSync(join(assembly.directory, asset.source.path));
  })();
  const deployed = JSON.parse(deployedBytes.toString('utf8'));

  it('runs as a Standard workflow that logs every event and is traced', () => {
    const p = machine.Properties;
    expect(p.StateMachineType).toBe('STANDARD');
    expect(p.LoggingConfiguration).toStrictEqual({
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } } }],
      IncludeExecutionData: false,
      Level: 'ALL',
    });
    const logGroupId = p.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    expect(resources[logGroupId]!.Type).toBe('AWS::Logs::LogGroup');
    expect(p.TracingConfiguration).toStrictEqual({ Enabled: true });
  });

  it('deploys the same ASL file the local runner executes', () => {
    // The template carries no copy of the flow: only where the uploaded file lives, and the substitutions.
    expect(machine.Properties.DefinitionString).toBeUndefined();
    expect(Object.keys(machine.Properties.DefinitionS3Location).sort()).toStrictEqual(['Bucket', 'Key']);
    expect(VERIFICATION_ASL_PATH).toBe(join(REPO_ROOT, VERIFICATION_ASL));
    expect(deployedBytes.equals(fileBytes)).toBe(true);
    expect(loadDefinition(REPO_ROOT)).toStrictEqual(JSON.parse(fileText));
  });

  it('substitutes every placeholder of the file, and only those', () => {
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, unknown>;
    expect(Object.keys(substitutions).sort()).toStrictEqual(placeholdersIn(fileText));
    expect(placeholdersIn(fileText)).toStrictEqual(['Partition', ...tasks].sort());
    expect(substitutions.Partition).toStrictEqual({ Ref: 'AWS::Partition' });
  });

  it('points each task state at the function built from its handler file', () => {
    // Act: substitute as CloudFormation will, with a readable stand-in for each function's ARN.
    const { Partition: _partition, ...substitutions } = machine.Properties.DefinitionSubstitutions as Record<
      string,
      { 'Fn::GetAtt': string[] }
    >;
    const arnOf = (logicalId: string) => `arn-of:${logicalId}`;
    const text = substitute(deployedBytes.toString('utf8'), {
      Partition: 'aws-cn',
      ...Object.fromEntries(Object.entries(substitutions).map(([k, v]) => [k, arnOf(v['Fn::GetAtt'][0]!)])),
    });
    const resolved = JSON.parse(text);

    // Assess: every Task of the file, nested Map tasks included, names the function built from its handler file…
    const states = taskStates(deployed.States);
    expect(states.map(([state]) => [state, findState(resolved, state).Parameters.FunctionName])).toStrictEqual(
      states.map(([state, , task]) => [state, arnOf(fnId(task))]),
    );
    expect(Object.fromEntries(tasks.map((t) => [t, functions[t].handlerName]))).toStrictEqual(WORKFLOW_TASKS);
    // …and putting the placeholders back gives the file again: the substitution changed nothing else.
    const back = text
      .replace(/arn-of:(\w+)/g, (_, id: string) => `\${${tasks.find((t) => fnId(t) === id)}}`)
      .replaceAll('arn:aws-cn:', 'arn:${Partition}:');
    expect(back).toBe(fileText);
  });

  it('waits for the decision with a task token, and times out into a reminder', () => {
    const state = deployed.States.AwaitDecision;
    expect(state.Resource).toBe('arn:${Partition}:states:::lambda:invoke.waitForTaskToken');
    expect(state.Parameters.Payload['taskToken.$']).toBe('$$.Task.Token');
    expect(state.TimeoutSecondsPath).toBe('$.Payload.timeoutSeconds');
    expect(state.Catch[0]).toStrictEqual({ ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'Remind' });
  });

  it('runs each task function on Node 22, arm64, traced, with the table name', () => {
    const table = logicalId(stack.ledger.table);
    for (const task of tasks) {
      const p = resources[fnId(task)]!.Properties;
      expect([task, p.Runtime, p.Architectures, p.Handler, p.TracingConfig]).toStrictEqual([
        task,
        'nodejs22.x',
        ['arm64'],
        'index.handler',
        { Mode: 'Active' },
      ]);
      expect(p.Environment.Variables.TABLE_NAME).toStrictEqual({ Ref: table });
    }
  });

  it("lets the state machine's role invoke each task function, and no other", () => {
    const role = machine.Properties.RoleArn['Fn::GetAtt'][0];
    const statements = policies
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const invoked = statements
      .filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'))
      .flatMap((s) => [s.Resource].flat())
      .filter((r): r is { 'Fn::GetAtt': string[] } => typeof r === 'object' && r !== null && 'Fn::GetAtt' in r)
      .map((r) => r['Fn::GetAtt'][0]);
    expect([...new Set(invoked)].sort()).toStrictEqual(tasks.map(fnId).sort());
    // The grant exists before the state machine is created, so the first execution can already invoke.
    expect(machine.DependsOn).toContain(logicalId(stateMachine.role.node.findChild('DefaultPolicy')));
  });

  it('lets the objection check update items (the close, interrupted filings) but not batch-write or delete', () => {
    const actionsOf = (task: WorkflowTask) => {
      const role = resources[fnId(task)]!.Properties.Role['Fn::GetAtt'][0];
      return policies
        .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
        .flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s: { Action: unknown }) => [s.Action].flat()));
    };
    expect(actionsOf('CheckObjectionsFunction')).toContain('dynamodb:Query');
    expect(actionsOf('CheckObjectionsFunction')).toContain('dynamodb:UpdateItem');
    expect(actionsOf('CheckObjectionsFunction')).not.toContain('dynamodb:BatchWriteItem');
    expect(actionsOf('CheckObjectionsFunction')).not.toContain('dynamodb:DeleteItem');
    expect(actionsOf('SnapshotFunction')).toContain('dynamodb:PutItem');
  });
});

/** A state by name, at the top level or inside a Map's ItemProcessor. */
function findState(definition: { States: Record<string, any> }, name: string): any {
  for (const [key, state] of Object.entries(definition.States)) {
    if (key === name) return state;
    if (state.ItemProcessor) {
      const inner = findState(state.ItemProcessor, name);
      if (inner) return inner;
    }
  }
  return undefined;
}
