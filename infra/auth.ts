import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { Role } from '#shared/caller.ts';

/**
 * Sign-in for cadres, community cadres, auditors and admins: a Cognito user pool whose ID tokens carry exactly the
 * claims the handlers read (`cognito:groups`, `custom:cadreId`, `custom:communityId`, `custom:unitId`). No
 * self sign-up: an admin creates each user and puts them in their group.
 */
export class Auth extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly domain: UserPoolDomain;

  constructor(scope: Construct, id: string, props: { callbackUrls: string[]; domainPrefix: string }) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Threat protection (compromised credentials, adaptive authentication) needs the Plus plan.
      featurePlan: FeaturePlan.PLUS,
      customAttributes: {
        cadreId: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
        communityId: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
        unitId: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const cfnPool = this.userPool.node.defaultChild as unknown as { userPoolAddOns: unknown };
    cfnPool.userPoolAddOns = { advancedSecurityMode: 'ENFORCED' };

    for (const group of Role.options) {
      new CfnUserPoolGroup(this, `Group-${group}`, { userPoolId: this.userPool.userPoolId, groupName: group });
    }

    this.client = this.userPool.addClient('Web', {
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: props.callbackUrls,
      },
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(8),
      accessTokenValidity: Duration.hours(8),
    });
    // The hosted sign-in page the web pages send people to (MFA and password rules apply there).
    this.domain = this.userPool.addDomain('Hosted', { cognitoDomain: { domainPrefix: props.domainPrefix } });
  }

  /** The hosted sign-in's base URL (`https://<prefix>.auth.<region>.amazoncognito.com`). */
  get domainUrl(): string {
    return this.domain.baseUrl();
  }

  /** The issuer API Gateway's JWT authorizer trusts. */
  get issuerUrl(): string {
    return `https://${this.userPool.userPoolProviderUrl}`;
  }
}
