import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * Signature images, receipt photos and evidence: encrypted with the data key, TLS only, never public, versioned
 * (a replaced object is kept), written by the API or uploaded by the browser through presigned URLs.
 */
export class Storage extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: { key: IKey }) {
    super(scope, id);
    const accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(3 * 365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the server access logs of the evidence bucket; logging it too would recurse.',
    });
    this.bucket = new Bucket(this, 'Evidence', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'evidence/',
      // Unfinished browser uploads are abandoned, not kept.
      // Export files are for handing on now, not an archive: a week, then gone (the table's job item lasts a month).
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { prefix: 'exports/', expiration: Duration.days(7) },
      ],
      // The admin's imports page PUTs the file from the browser to a presigned URL, a cross-origin request. Any
      // origin, PUT only: the presigned signature (key, type, size, ten minutes) is the permission, not the origin.
      cors: [
        { allowedMethods: [HttpMethods.PUT], allowedOrigins: ['*'], allowedHeaders: ['content-type'], maxAge: 600 },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
