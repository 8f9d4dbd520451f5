import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { RESIDENT_ID_KMS_CONTEXT } from '#functions/lib/cipher.ts';
import { LinkageAidStack } from '#infra/stack.ts';
import { deploymentOf } from '../support/deployment.ts';

/**
 * Who may handle resident ID numbers in plaintext on AWS: the functions that register households (one at a time,
 * by correction, or from an import file) may have data keys made under the resident-ID context, the function that shows a household to an admin may have them
 * decrypted, and no other function gets that context's grant or the key's ARN.
 */

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new LinkageAidStack(app, 'Test', { env: { account: '123456789012', region: 'cn-northwest-1' } });
// The whole deployment: the import worker is in a nested stack of its own (infra/imports.ts).
const { resources, logicalId } = deploymentOf(stack);
const idOf = (handler: string) => logicalId(stack.api.functions.get(handler)!);
/** The import worker registers households from a file: it seals their numbers as registration does. */
const importWorker = logicalId(stack.imports.worker);
const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');

/** The role of a function, and the KMS actions its policies allow under the resident-ID context. */
function residentIdActions(fnId: string): string[] {
  const roleId = resources[fnId]!.Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: { Ref: string }) => x.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as any[])
    .filter(
      (s) =>
        s.Condition?.StringEquals?.['kms:EncryptionContext:purpose'] === RESIDENT_ID_KMS_CONTEXT.purpose &&
        s.Effect === 'Allow',
    )
    .flatMap((s) => [s.Action].flat());
}

describe('resident ID numbers on AWS', () => {
  it('lets only household registration, correction, the registry pages (which do both) and import make resident-ID data keys, and only the household view decrypt them', () => {
    const granted = Object.fromEntries(
      functions.map(([id]) => [id, residentIdActions(id)] as const).filter(([, actions]) => actions.length),
    );
    expect(granted).toStrictEqual({
      [idOf('register-household')]: ['kms:GenerateDataKey'],
      [idOf('update-household')]: ['kms:GenerateDataKey'],
      [idOf('registry-pages')]: ['kms:GenerateDataKey'],
      [importWorker]: ['kms:GenerateDataKey'],
      [idOf('get-household')]: ['kms:Decrypt'],
    });
  });

  it('gives the data key ARN to those five functions only', () => {
    const withKey = functions
      .filter(([, r]) => r.Properties.Environment?.Variables?.DATA_KEY_ARN)
      .map(([id]) => id)
      .sort();
    expect(withKey).toStrictEqual(
      [
        idOf('get-household'),
        idOf('register-household'),
        idOf('update-household'),
        idOf('registry-pages'),
        importWorker,
      ].sort(),
    );
  });
});
