import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  ClientAttributes,
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
 * The custom attributes every authorization check trusts (`shared/caller.ts`): set by admins only, never by the
 * signed-in user (`docs/SECURITY.md`, "What a token may claim").
 */
const SCOPE_ATTRIBUTES = ['custom:cadreId', 'custom:communityId', 'custom:unitId'] as const;

/**
 * What a signed-in user may change about themselves with their own access token (UpdateUserAttributes). Cognito
 * reads an empty list as "every attribute, custom ones included", so one attribute has to be named: `locale`,
 * which carries no identity and which nothing reads. Not `email`: it is a sign-in alias and the only recovery
 * channel, so whoever holds a session could send password resets to themselves; it is not a required attribute,
 * so Cognito does not insist the client may write it, and admins set it (AdminCreateUser, AdminUpdateUserAttributes).
 */
const USER_WRITABLE = new ClientAttributes().withStandardAttributes({ locale: true });

/**
 * What the ID token carries besides `sub` and `cognito:groups`: the scope attributes the handlers read, the email
 * address the `email` scope asks for, and the one attribute users may write. Nothing else: the token sits in a
 * cookie and need hold no more personal data than that.
 */
const CLIENT_READABLE = new ClientAttributes()
  .withStandardAttributes({ email: true, emailVerified: true, locale: true })
  .withCustomAttributes(...SCOPE_ATTRIBUTES);

/**
 * Sign-in for cadres, community cadres, auditors and admins: a Cognito user pool whose ID tokens carry the claims
 * the handlers read (`cognito:groups`, `custom:cadreId`, `custom:communityId`, `custom:unitId`). No self sign-up:
 * an admin creates each user, puts them in their group and sets their scope; users cannot change either.
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
      // Mutable so an admin can move a cadre (AdminUpdateUserAttributes ignores the client's write list).
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
      readAttributes: CLIENT_READABLE,
      writeAttributes: USER_WRITABLE,
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
