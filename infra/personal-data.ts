import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { RESIDENT_ID_KMS_CONTEXT } from '#functions/lib/cipher.ts';

/**
 * Who may handle resident ID numbers in plaintext (`shared/crypto`, `functions/lib/cipher.ts`): the functions
 * that seal new numbers get `kms:GenerateDataKey`, those that reveal a number `kms:Decrypt`, each only for
 * data keys issued under the resident-ID encryption context, and the key's ARN as `DATA_KEY_ARN`. Every other
 * function holds no grant with that context and no `DATA_KEY_ARN`.
 */
export function grantResidentIdKey(key: IKey, access: { seal: LambdaFunction[]; reveal: LambdaFunction[] }): void {
  const condition = { StringEquals: { 'kms:EncryptionContext:purpose': RESIDENT_ID_KMS_CONTEXT.purpose } };
  const grant = (fn: LambdaFunction, action: string) => {
    fn.addEnvironment('DATA_KEY_ARN', key.keyArn);
    fn.addToRolePolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: [action], resources: [key.keyArn], conditions: condition }),
    );
  };
  for (const fn of access.seal) grant(fn, 'kms:GenerateDataKey');
  for (const fn of access.reveal) grant(fn, 'kms:Decrypt');
}
