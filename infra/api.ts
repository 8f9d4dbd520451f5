import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PAGE_LAMBDAS, ROUTES } from '#functions/routes.ts';
import type { Auth } from './auth.ts';
import { LinkageFunction } from './functions.ts';
import { grantResidentIdKey } from './personal-data.ts';
import { RateLimitKey } from './rate-limit.ts';

/** Requests per second across the API, and the burst above it: generous for a city, a ceiling for abuse. */
const THROTTLE = { rateLimit: 200, burstLimit: 400 };
/**
 * The public objection route gets its own, lower ceiling: it is the one write open to anyone. Stage limits are
 * shared by every client; the per-client limit is the application's (`shared/ratelimit.ts`).
 */
const PUBLIC_WRITE_THROTTLE = { rateLimit: 10, burstLimit: 20 };

/**
 * City-wide reports fold ~420,000 items and write workbooks (peak RSS 374 MB measured, docs/PERFORMANCE.md);
 * Lambda gives CPU in proportion to memory, so these get more of both.
 */
const REPORT_HANDLERS = new Set(['floor-report', 'unit-report', 'campaign-summary', 'page-downloads']);

export interface ApiProps {
  auth: Auth;
  table: ITableV2;
  key: IKey;
  stateMachine: StateMachine;
  idHashSecret: ISecret;
  environment: Record<string, string>;
}

/**
 * The HTTP API: one Lambda per handler file of `functions/routes.ts`, a Cognito JWT authorizer on every route
 * marked `jwt`, JSON access logs and stage throttling. The local-only `POST /auth/dev-token` is not in
 * `ROUTES` and so can never be deployed.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly functions: Map<string, LinkageFunction>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    // No CORS: the pages are served by this same API, so every call is same-origin.
    this.httpApi = new HttpApi(this, 'Http', { description: 'Linkage Aid API' });
    const authorizer = new HttpJwtAuthorizer('Cognito', props.auth.issuerUrl, {
      jwtAudience: [props.auth.client.userPoolClientId],
    });

    this.functions = new Map();
    // One integration per function, its invoke permission scoped to this API: one per route (an integration and a
    // permission beside each route) was three resources a route, and a stack holds at most 500.
    const integrations = new Map<string, HttpLambdaIntegration>();
    const integrationOf = (handler: string, target: LinkageFunction) => {
      let integration = integrations.get(handler);
      if (!integration) {
        integration = new HttpLambdaIntegration(handler, target, { scopePermissionToRoute: false });
        integrations.set(handler, integration);
      }
      return integration;
    };
    for (const route of ROUTES) {
      let fn = this.functions.get(route.handler);
      if (!fn) {
        fn = new LinkageFunction(this, route.handler, {
          handler: route.handler,
          environment: props.environment,
          memorySize: REPORT_HANDLERS.has(route.handler) ? 1536 : undefined,
        });
        fn.bindTable({ table: props.table, key: props.key });
        this.functions.set(route.handler, fn);
      }
      const added = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrationOf(route.handler, fn),
        authorizer: route.auth === 'jwt' ? authorizer : undefined,
      });
      if (route.auth === 'public') {
        for (const r of added) {
          Validations.of(r).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: `${route.method} ${route.path} is public by design: health checks, the public notice board (公示) and objections from the public need no login.`,
          });
        }
      }
    }
    // The pages start rounds and record decisions too, through the same domain functions as the API.
    for (const handler of ['start-verification', 'reopen-verification', 'verification-pages']) {
      const fn = this.functions.get(handler)!;
      fn.addEnvironment('STATE_MACHINE_ARN', props.stateMachine.stateMachineArn);
      props.stateMachine.grantStartExecution(fn);
    }
    props.stateMachine.grantTaskResponse(this.functions.get('decide-verification')!);
    // A resolution signals the round waiting on open objections, so it moves on at once.
    props.stateMachine.grantTaskResponse(this.functions.get('resolve-objection')!);
    props.stateMachine.grantTaskResponse(this.functions.get('verification-pages')!);
    // The admin's pages resolve objections, which signals the round waiting on them.
    props.stateMachine.grantTaskResponse(this.functions.get('admin-pages')!);
    // Every page Lambda verifies the sign-in cookie against the user pool (functions/lib/session.ts).
    for (const handler of PAGE_LAMBDAS) {
      const fn = this.functions.get(handler)!;
      fn.addEnvironment('USER_POOL_ID', props.auth.userPool.userPoolId);
      fn.addEnvironment('USER_POOL_CLIENT_ID', props.auth.client.userPoolClientId);
      fn.addEnvironment('COGNITO_DOMAIN', props.auth.domainUrl);
    }
    this.grantAccounts(props.auth);
    const register = this.functions.get('register-household')!;
    // A correction of a resident ID number seals the new number and guards it as registration does.
    const correct = this.functions.get('update-household')!;
    // The registry pages register households and correct their numbers through the same commands.
    const registryPages = this.functions.get('registry-pages')!;
    for (const fn of [register, correct, registryPages]) {
      fn.addEnvironment('ID_HASH_KEY_SECRET_ARN', props.idHashSecret.secretArn);
      props.idHashSecret.grantRead(fn);
    }
    grantResidentIdKey(props.key, {
      seal: [register, correct, registryPages],
      reveal: [this.functions.get('get-household')!],
    });
    // Both ways of filing an objection share one per-client limit (the route and the public form).
    new RateLimitKey(this, 'RateLimit', {
      key: props.key,
      functions: [this.functions.get('file-objection')!, this.functions.get('public-pages')!],
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const stage = this.httpApi.defaultStage!.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      // No query strings or bodies: they may carry names. The request id ties a line to the function's logs.
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        time: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
        sub: '$context.authorizer.claims.sub',
      }),
    };
    stage.defaultRouteSettings = {
      throttlingRateLimit: THROTTLE.rateLimit,
      throttlingBurstLimit: THROTTLE.burstLimit,
    };
    // RouteSettings is raw JSON to CloudFormation: CDK does not rename its keys, so they are written as CFN wants.
    stage.routeSettings = {
      'POST /notices/{id}/objections': {
        ThrottlingRateLimit: PUBLIC_WRITE_THROTTLE.rateLimit,
        ThrottlingBurstLimit: PUBLIC_WRITE_THROTTLE.burstLimit,
      },
    };
  }

  /**
   * The admin's account routes and pages reach Cognito, each with only the calls it makes, on this user pool only.
   * None may change a user's attributes after creation (no AdminUpdateUserAttributes): the scope is set once, at
   * invitation, by the admin's path; users themselves may write only `locale` (infra/auth.ts).
   */
  private grantAccounts(auth: Auth): void {
    const calls: Record<string, string[]> = {
      'create-user': ['AdminCreateUser', 'AdminGetUser', 'AdminAddUserToGroup'],
      'disable-user': ['AdminDisableUser'],
      'enable-user': ['AdminEnableUser'],
      'resend-invitation': ['AdminCreateUser'],
      'admin-pages': ['AdminCreateUser', 'AdminGetUser', 'AdminAddUserToGroup', 'AdminDisableUser', 'AdminEnableUser'],
    };
    for (const [handler, actions] of Object.entries(calls)) {
      const fn = this.functions.get(handler)!;
      fn.addEnvironment('USER_POOL_ID', auth.userPool.userPoolId);
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: actions.map((a) => `cognito-idp:${a}`),
          resources: [auth.userPool.userPoolArn],
        }),
      );
    }
  }
}
