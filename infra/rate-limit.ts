import { Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { LinkageFunction } from './functions.ts';

/**
 * The key of the per-client rate limit (`shared/ratelimit.ts`): counters are named by an HMAC of the client's
 * address and window, so the table never holds an address. A secret of its own, not the resident-ID hash key,
 * so the public-facing functions that limit objections never hold the key that protects ID numbers.
 */
export class RateLimitKey extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: { key: IKey; functions: LinkageFunction[] }) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'Linkage Aid: HMAC key naming per-client rate-limit counters',
      encryptionKey: props.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'Counters live one window (minutes); a new key would only restart them. Rotating needs a rotation Lambda for no gain in what the key protects.',
    });
    for (const fn of props.functions) {
      fn.addEnvironment('RATE_LIMIT_KEY_SECRET_ARN', this.secret.secretArn);
      this.secret.grantRead(fn);
    }
  }
}
