import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LinkageAidStack } from './stack.ts';

/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`. cdk-nag's AwsSolutions rules run on every synth; an
 * unacknowledged finding fails it. Acknowledgements sit next to the resource they concern, with their reason.
 */
const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new LinkageAidStack(app, 'LinkageAid', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  callbackUrls: app.node.tryGetContext('callbackUrls'),
  cognitoDomainPrefix: app.node.tryGetContext('cognitoDomainPrefix'),
  supervisionPhone: app.node.tryGetContext('supervisionPhone'),
});
