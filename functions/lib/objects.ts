import { attachmentDisposition, type ObjectStore } from '#shared/objects.ts';
import { getStringFromEnv } from './env.ts';
import { localPort, registerLocalPort } from './local-ports.ts';

/** S3 (BUCKET_NAME) on AWS; the local stack's store when it registered one. */
export function getObjectStore(): ObjectStore {
  return localPort('objects') ?? s3();
}

/** Registers the local object store (local stack only). */
export function registerLocalObjectStore(store: ObjectStore | undefined): void {
  registerLocalPort('objects', store);
}

let store: ObjectStore | undefined;
function s3(): ObjectStore {
  if (store) return store;
  const bucket = getStringFromEnv('BUCKET_NAME');
  // Loaded on first use: only the functions that store objects pay for the S3 client's cold start.
  const sdk = Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/s3-request-presigner')]).then(
    ([s3sdk, presigner]) => ({ s3sdk, presigner, client: new s3sdk.S3Client({}) }),
  );
  store = {
    async put(key, body, contentType) {
      const { s3sdk, client } = await sdk;
      await client.send(new s3sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async get(key) {
      const { s3sdk, client } = await sdk;
      try {
        const out = await client.send(new s3sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
        return out.Body ? await out.Body.transformToByteArray() : undefined;
      } catch (e) {
        if (e instanceof s3sdk.NoSuchKey) return undefined;
        throw e;
      }
    },
    async getStream(key) {
      const { s3sdk, client } = await sdk;
      try {
        const out = await client.send(new s3sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
        // In Node the SDK's body is a Readable, which is async-iterable: the object arrives as it is read.
        return out.Body as AsyncIterable<Uint8Array> | undefined;
      } catch (e) {
        if (e instanceof s3sdk.NoSuchKey) return undefined;
        throw e;
      }
    },
    async startMultipart(key, contentType, fileName) {
      const { s3sdk, client } = await sdk;
      const out = await client.send(
        new s3sdk.CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          ContentType: contentType,
          ContentDisposition: attachmentDisposition(fileName),
        }),
      );
      if (!out.UploadId) throw new Error(`S3 gave no upload id for ${key}`);
      return out.UploadId;
    },
    async putPart(key, uploadId, partNumber, body) {
      const { s3sdk, client } = await sdk;
      const out = await client.send(
        new s3sdk.UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
        }),
      );
      if (!out.ETag) throw new Error(`S3 gave no ETag for part ${partNumber} of ${key}`);
      return out.ETag;
    },
    async completeMultipart(key, uploadId, parts) {
      const { s3sdk, client } = await sdk;
      await client.send(
        new s3sdk.CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
    },
    async abortMultipart(key, uploadId) {
      const { s3sdk, client } = await sdk;
      try {
        await client.send(new s3sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      } catch (e) {
        if (!(e instanceof s3sdk.NoSuchUpload)) throw e;
      }
    },
    async presignGet(key, fileName, expiresSeconds) {
      const { s3sdk, presigner, client } = await sdk;
      const command = new s3sdk.GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ResponseContentDisposition: attachmentDisposition(fileName),
      });
      const url = await presigner.getSignedUrl(client, command, { expiresIn: expiresSeconds });
      return { url, expiresAt: new Date(Date.now() + expiresSeconds * 1000).toISOString() };
    },
    async presignPut(key, contentType, bytes, expiresSeconds) {
      const { s3sdk, presigner, client } = await sdk;
      const command = new s3sdk.PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentType: contentType,
        ContentLength: bytes,
      });
      const url = await presigner.getSignedUrl(client, command, {
        expiresIn: expiresSeconds,
        signableHeaders: new Set(['content-type', 'content-length']),
      });
      return {
        url,
        method: 'PUT',
        headers: { 'content-type': contentType, 'content-length': String(bytes) },
        expiresAt: new Date(Date.now() + expiresSeconds * 1000).toISOString(),
      };
    },
  };
  return store;
}
