import { PAGE_LAMBDAS, ROUTES } from '#functions/routes.ts';

/**
 * The page Lambda API Gateway sends a browser's request to, and the proxy route it matched: the first page route
 * of `ROUTES` whose path matches, as the local server picks (the table lists the more specific routes first).
 */
export function pageRouteOf(method: string, rawPath: string): { handler: string; routePath: string } {
  for (const r of ROUTES) {
    if (r.method !== method || !PAGE_LAMBDAS.has(r.handler)) continue;
    const pattern = new RegExp(`^${r.path.replace('{proxy+}', '.+').replace(/\{\w+\}/g, '[^/]+')}/?$`);
    if (pattern.test(rawPath)) return { handler: r.handler, routePath: r.path };
  }
  throw new Error(`no page route for ${method} ${rawPath}`);
}
