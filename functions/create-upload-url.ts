import { createUpload, UploadRequest } from '#shared/objects.ts';
import { apiHandler } from './lib/http.ts';
import { getObjectStore } from './lib/objects.ts';

/** POST /uploads: a presigned URL to upload a receipt photo or evidence (PNG, JPEG, PDF; at most 5 MB), or, for an admin, a CSV or XLSX file to import (at most 64 MB). */
export const handler = apiHandler({ body: UploadRequest }, async ({ caller, body, now }) => ({
  status: 201,
  json: await createUpload(getObjectStore(), body, caller, now),
}));
