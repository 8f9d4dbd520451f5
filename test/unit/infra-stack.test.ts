import { App, Stack, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { PAGE_LAMBDAS, ROUTES } from '#functions/routes.ts';
import { BACKGROUND_HANDLERS, SCHEDULED_HANDLERS } from '#functions/scheduled.ts';
import { WORKFLOW_TASKS } from '#functions/workflow-tasks.ts';
import { BATCH_WRITE_PARTITIONS } from '#infra/access.ts';
import { LinkageAidStack } from '#infra/stack.ts';
import { deploymentOf, type Resource } from '../support/deployment.ts';

const ENV = { account: '123456789012', region: 'cn-northwest-1' };
const noBundling = { 'aws:cdk:bundling-stacks': [] };

/** The whole deployment: the main stack and its nested stacks (the workflow, schedules, imports, alarms). */
function synth() {
  const app = new App({ context: noBundling });
  const stack = new LinkageAidStack(app, 'Test', { env: ENV });
  const deployment = deploymentOf(stack);
  const { resources, ofType } = deployment;
  const alarmsOf = () => ofType('AWS::CloudWatch::Alarm').map(([, r]) => r);
  return { stack, deployment, resources, ofType, alarmsOf };
}

const { stack, deployment, resources, ofType, alarmsOf } = synth();

describe('the stacks’ sizes', () => {
  it('keeps the main stack well under CloudFormation’s 500 resources, and every nested stack under it', () => {
    // Headroom for the next issues' functions and routes: a Lambda costs ~3 resources, a route 1–3 more. Past
    // this line the next step is the page Lambdas in a nested stack of their own (docs/ARCHITECTURE.md).
    expect(Object.keys(deployment.main.Resources).length).toBeLessThan(460);
    expect([...deployment.nested.keys()].sort()).toStrictEqual(
      ['Test/Imports', 'Test/Monitoring', 'Test/Schedules', 'Test/Verification'].sort(),
    );
    for (const [path, template] of deployment.nested) {
      expect(Object.keys(template.Resources).length, path).toBeLessThan(500);
    }
  });

  it('deploys the workflow, the schedules and the import jobs in nested stacks, and the API in the main one', () => {
    const inNested = (c: IConstruct) => Stack.of(c).nested;
    expect(inNested(stack.verification.stateMachine)).toBe(true);
    expect(Object.values(stack.verification.functions).every(inNested)).toBe(true);
    expect([stack.schedules.floorRisk, stack.imports.worker, stack.imports.sweep].every(inNested)).toBe(true);
    expect([...stack.api.functions.values()].some(inNested)).toBe(false);
  });

  it('sends every function’s logs to the one log group, in the main stack', () => {
    const logGroups = Object.entries(deployment.main.Resources).filter(([, r]) => r.Type === 'AWS::Logs::LogGroup');
    const functions = ofType('AWS::Lambda::Function');
    const targets = new Set(functions.map(([, fn]) => JSON.stringify(fn.Properties.LoggingConfig.LogGroup)));
    expect(targets.size).toBe(1);
    const [target] = [...targets].map((t) => JSON.parse(t) as { Ref: string });
    expect(logGroups.map(([id]) => id)).toContain(target!.Ref);
  });
});

describe('the deployed stack', () => {
  it('passes cdk-nag AwsSolutions checks with every finding acknowledged', () => {
    const app = new App({ context: noBundling });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new LinkageAidStack(app, 'Nagged', { env: ENV });
    expect(() => app.synth()).not.toThrow();
    // A full synth with every rule takes 3–4 s on an idle machine; the default 5 s is too tight under load.
  }, 30_000);

  it('fails synth on an unacknowledged cdk-nag finding (the check is live)', () => {
    const app = new App({ context: noBundling });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new Bucket(new Stack(app, 'Careless', { env: ENV }), 'OpenBucket');
    expect(() => app.synth()).toThrow();
  });

  it('encrypts the table with a customer-managed key that rotates', () => {
    const [table] = ofType('AWS::DynamoDB::GlobalTable');
    const sse = table![1].Properties.SSESpecification;
    expect(sse).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    const keyId = table![1].Properties.Replicas[0].SSESpecification.KMSMasterKeyId['Fn::GetAtt'][0];
    expect(resources[keyId]!.Properties.EnableKeyRotation).toBe(true);
  });

  it('puts the JWT authorizer on every route except health, the public notices, objections and the pages', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    const keys = routes.map((r) => r.RouteKey).sort();
    expect(keys).toStrictEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const open = routes
      .filter((r) => r.AuthorizationType !== 'JWT')
      .map((r) => r.RouteKey)
      .sort();
    // The pages verify the sign-in cookie themselves (functions/lib/session.ts): browsers send no bearer header.
    expect(open).toStrictEqual(
      [
        'GET /app',
        'GET /app/admin',
        'GET /app/admin/{proxy+}',
        // The registry pages' own Lambda, before the admin workspace's proxy (the most specific route wins).
        ...['cadres', 'communities', 'households', 'units'].flatMap((k) => [
          `GET /app/admin/${k}`,
          `GET /app/admin/${k}/{proxy+}`,
        ]),
        'GET /app/admin/calendar',
        'GET /app/admin/imports',
        'GET /app/admin/imports/{proxy+}',
        'GET /app/downloads/imports/{proxy+}',
        'GET /app/verifications',
        'GET /app/verifications/{proxy+}',
        'GET /app/downloads/{proxy+}',
        'GET /app/reports/{proxy+}',
        // The export jobs' pages (report-pages): the list, the form's post and a job's page.
        'GET /app/exports',
        'GET /app/exports/{proxy+}',
        'POST /app/exports',
        'GET /app/households/{proxy+}',
        // The field evidence's own Lambda, more specific than the household pages' proxy.
        'GET /app/aid/{id}/receipt',
        'GET /app/aid/{id}/receipt/image',
        'GET /app/aid/{id}/photos/{n}',
        'GET /app/households/{id}/outcomes/new',
        'GET /app/households/{id}/visits/{proxy+}',
        'GET /app/aid/{proxy+}',
        'GET /app/{proxy+}',
        'GET /health',
        'GET /notices',
        'GET /notices/{id}',
        // The public looks an objection up by the reference on its receipt.
        'GET /objections/status',
        'GET /public/{proxy+}',
        'POST /app/admin/calendar',
        'POST /app/admin/imports',
        'POST /app/admin/imports/{proxy+}',
        'POST /app/admin/{proxy+}',
        ...['cadres', 'communities', 'households', 'units'].flatMap((k) => [
          `POST /app/admin/${k}`,
          `POST /app/admin/${k}/{proxy+}`,
        ]),
        'POST /app/verifications',
        'POST /app/verifications/{proxy+}',
        'POST /app/households/{proxy+}',
        'POST /app/aid/{id}/receipt',
        'POST /app/households/{id}/outcomes',
        'POST /app/households/{id}/visits',
        'POST /app/households/{id}/uploads',
        'POST /app/aid/{proxy+}',
        'POST /app/{proxy+}',
        'POST /notices/{id}/objections',
        'POST /public/{proxy+}',
      ].sort(),
    );
    const [authorizer] = ofType('AWS::ApiGatewayV2::Authorizer');
    expect(authorizer![1].Properties.AuthorizerType).toBe('JWT');
    for (const r of routes.filter((x) => x.AuthorizationType === 'JWT')) {
      expect(r.AuthorizerId).toStrictEqual({ Ref: authorizer![0] });
    }
  });

  it('routes to each function through one integration, which this API alone may invoke, so routes stay cheap', () => {
    const handlers = new Set(ROUTES.map((r) => r.handler));
    expect(ofType('AWS::ApiGatewayV2::Integration')).toHaveLength(handlers.size);
    const permissions = ofType('AWS::Lambda::Permission').map(([, p]) => p.Properties);
    expect(permissions).toHaveLength(handlers.size);
    for (const p of permissions) {
      expect(p.Principal).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(p.SourceArn)).toMatch(/execute-api.*\/\*\/\*\/\*"/);
    }
  });

  it('never deploys the local dev-token route', () => {
    const routeKeys = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey as string);
    expect(routeKeys.some((k) => k.includes('dev-token') || k.includes('/_local'))).toBe(false);
    expect(JSON.stringify([deployment.main, ...deployment.nested.values()])).not.toContain('dev-token');
  });

  it('logs API access as JSON and throttles the stage, the public objection route harder', () => {
    const [, stage] = ofType('AWS::ApiGatewayV2::Stage')[0]!;
    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toMatchObject({ requestId: '$context.requestId' });
    expect(stage.Properties.DefaultRouteSettings).toStrictEqual({
      ThrottlingRateLimit: 200,
      ThrottlingBurstLimit: 400,
    });
    expect(stage.Properties.RouteSettings['POST /notices/{id}/objections']).toStrictEqual({
      ThrottlingRateLimit: 10,
      ThrottlingBurstLimit: 20,
    });
  });

  it('lets no function delete from the table, and keeps batch writes out of the ledger partitions', () => {
    const statements = ofType('AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
    const dynamo = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(dynamo.length).toBeGreaterThan(0);
    for (const s of dynamo) {
      const actions = [s.Action].flat() as string[];
      expect(actions).not.toContain('dynamodb:DeleteItem');
      expect(actions.some((a) => a.includes('*'))).toBe(false);
      if (actions.includes('dynamodb:BatchWriteItem')) {
        expect(actions).toStrictEqual(['dynamodb:BatchWriteItem']);
        expect(s.Condition).toStrictEqual({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': BATCH_WRITE_PARTITIONS },
        });
      }
    }
    for (const ledger of ['AID#', 'FUND#', 'HOUSEHOLD#', 'RESIDENT#', 'OBJECTION#']) {
      expect(BATCH_WRITE_PARTITIONS.some((p) => ledger.startsWith(p.replace('*', '')))).toBe(false);
    }
  });

  it('runs every function on Node 22 and arm64', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBe(
      new Set(ROUTES.map((r) => r.handler)).size +
        Object.keys(WORKFLOW_TASKS).length +
        SCHEDULED_HANDLERS.length +
        BACKGROUND_HANDLERS.length,
    );
    for (const [, fn] of functions) {
      expect([fn.Properties.Runtime, fn.Properties.Architectures]).toStrictEqual(['nodejs22.x', ['arm64']]);
    }
  });

  it('gives every page Lambda the user pool it verifies sign-in cookies against', () => {
    const app = new App({ context: noBundling });
    const stack = new LinkageAidStack(app, 'Pages', { env: ENV });
    const { resources: found, logicalId } = deploymentOf(stack);
    for (const handler of PAGE_LAMBDAS) {
      const id = logicalId(stack.api.functions.get(handler)!);
      expect(found[id]!.Properties.Environment.Variables, handler).toHaveProperty('USER_POOL_ID');
    }
  });

  it('signs people in with MFA, a strong password policy, the four groups and the scope attributes', () => {
    const [, pool] = ofType('AWS::Cognito::UserPool')[0]!;
    expect(pool.Properties.MfaConfiguration).toBe('ON');
    expect(pool.Properties.Policies.PasswordPolicy).toMatchObject({
      MinimumLength: 12,
      RequireLowercase: true,
      RequireUppercase: true,
      RequireNumbers: true,
      RequireSymbols: true,
    });
    expect(pool.Properties.AdminCreateUserConfig.AllowAdminCreateUserOnly).toBe(true);
    const attrs = pool.Properties.Schema.map((a: { Name: string }) => a.Name).sort();
    expect(attrs).toStrictEqual(['cadreId', 'communityId', 'unitId']);
    const groups = ofType('AWS::Cognito::UserPoolGroup')
      .map(([, g]) => g.Properties.GroupName)
      .sort();
    expect(groups).toStrictEqual(['admin', 'auditor', 'cadre', 'communityCadre']);
  });

  it('keeps evidence in an encrypted, versioned, private, TLS-only bucket', () => {
    const buckets = ofType('AWS::S3::Bucket').map(([id, b]) => [id, b.Properties] as const);
    const [evidenceId, evidence] = buckets.find(([, p]) => p.VersioningConfiguration)!;
    expect(evidence.VersioningConfiguration).toStrictEqual({ Status: 'Enabled' });
    expect(
      evidence.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
    ).toBe('aws:kms');
    expect(evidence.PublicAccessBlockConfiguration).toStrictEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const policy = ofType('AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === evidenceId)!;
    expect(policy[1].Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('reminds cadres of floor-risk households weekly on Shanghai time', () => {
    const [, schedule] = ofType('AWS::Scheduler::Schedule')[0]!;
    expect(schedule.Properties.ScheduleExpressionTimezone).toBe('Asia/Shanghai');
    expect(schedule.Properties.ScheduleExpression).toBe('cron(0 9 ? 10-12 MON *)');
  });

  it('alarms on failed, timed-out and throttled executions and on every function’s errors and throttles', () => {
    const alarms = alarmsOf().map((a) => a.Properties);
    const byMetric = (name: string) => alarms.filter((a) => a.MetricName === name);
    expect(byMetric('ExecutionsFailed')).toHaveLength(1);
    expect(byMetric('ExecutionsTimedOut')).toHaveLength(1);
    expect(byMetric('ExecutionThrottled')).toHaveLength(1);
    const functions = ofType('AWS::Lambda::Function').length;
    expect(byMetric('Errors')).toHaveLength(functions);
    expect(byMetric('Throttles')).toHaveLength(functions);
    for (const a of alarms) expect(a.AlarmActions).toHaveLength(1);
  });
});

describe('use of the data key', () => {
  it('lets functions use the data key only through DynamoDB or S3, or under the resident-ID context', () => {
    const statements = ofType('AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
    const kms = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('kms:')));
    expect(kms.length).toBeGreaterThan(20);
    for (const s of kms) {
      const via = JSON.stringify(s.Condition?.StringEquals?.['kms:ViaService'] ?? '');
      const context = JSON.stringify(s.Condition ?? {});
      // The import worker's read of the ID hash key (see the next test): decrypting it, and only as Secrets Manager.
      if (via.includes('secretsmanager.')) {
        expect(s.Action).toBe('kms:Decrypt');
        continue;
      }
      // Service principals' own grants (logs, SNS, Step Functions) are conditioned differently; ours are these:
      expect(via.includes('dynamodb.') || via.includes('s3.') || context.includes('kms:EncryptionContext')).toBe(true);
    }
  });

  it('lets the readers of the ID hash key decrypt it only as Secrets Manager, the import worker by its own role', () => {
    // The worker's grant is on its role, not in the key's policy as CDK writes the others': its role is in a nested
    // stack, and naming it in the key's policy would make the key depend on that stack (a cycle, infra/imports.ts).
    const role = (fn: IConstruct) => deployment.logicalId((fn as unknown as { role: IConstruct }).role);
    const [[, key]] = ofType('AWS::KMS::Key') as [[string, Resource]];
    const viaSecrets = (s: any) => JSON.stringify(s.Condition ?? {}).includes('secretsmanager.');
    const inKeyPolicy = (key.Properties.KeyPolicy.Statement as any[])
      .filter((s) => viaSecrets(s) && s.Action === 'kms:Decrypt')
      .flatMap((s) => [s.Principal.AWS].flat().map((p: { 'Fn::GetAtt': string[] }) => p['Fn::GetAtt'][0]));
    const onRole = ofType('AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.PolicyDocument.Statement as any[]).some((s) => viaSecrets(s)))
      .flatMap(([, p]) => (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref));
    expect(onRole).toStrictEqual([role(stack.imports.worker)]);
    expect(inKeyPolicy).not.toContain(role(stack.imports.worker));
    const readers = ['register-household', 'update-household', 'registry-pages', 'start-import', 'import-pages'];
    for (const handler of readers) expect(inKeyPolicy, handler).toContain(role(stack.api.functions.get(handler)!));
  });
});

describe('the city’s supervision phone', () => {
  it('reaches the public notice pages when the deployment sets one (cdk context supervisionPhone)', () => {
    const app = new App({ context: noBundling });
    const stack = new LinkageAidStack(app, 'Phone', { env: ENV, supervisionPhone: '0523-12345678' });
    const { resources: found, logicalId } = deploymentOf(stack);
    const id = logicalId(stack.api.functions.get('public-pages')!);
    expect(found[id]!.Properties.Environment.Variables.SUPERVISION_PHONE).toBe('0523-12345678');
  });
});

describe('export jobs from the report pages', () => {
  it('lets report-pages start jobs (invoke the export worker) and sign their links (read exports/*), as exports does', () => {
    const role = (fn: IConstruct) => deployment.logicalId((fn as unknown as { role: IConstruct }).role);
    const worker = deployment.logicalId(stack.exports.worker);
    for (const handler of ['exports', 'report-pages']) {
      const fn = stack.api.functions.get(handler)!;
      const env = resources[deployment.logicalId(fn)]!.Properties.Environment.Variables;
      expect(JSON.stringify(env.EXPORT_WORKER_FUNCTION), handler).toContain(worker);
      const statements = ofType('AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role(fn)))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
      const grants = (action: string) =>
        statements.filter((s) => [s.Action].flat().includes(action)).map((s) => JSON.stringify(s.Resource));
      expect(
        grants('lambda:InvokeFunction').some((r) => r.includes(worker)),
        handler,
      ).toBe(true);
      expect(
        grants('s3:GetObject').some((r) => r.includes('/exports/*')),
        handler,
      ).toBe(true);
      expect(grants('kms:Decrypt').length, handler).toBeGreaterThan(0);
    }
  });
});
