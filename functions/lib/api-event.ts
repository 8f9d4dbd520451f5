import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';

/** API Gateway HTTP API (v2) event with JWT claims. The local server builds the same shape. */
export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
/** What a handler answers: always a status, a body and headers. */
export type ApiResult = APIGatewayProxyResultV2 & {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
  cookies?: string[];
  isBase64Encoded?: boolean;
};
