import { App } from 'aws-cdk-lib';
import { LinkageAidStack } from './stack.ts';

/** The CDK app: `npx cdk synth` / `npx cdk deploy`. */
const app = new App();
new LinkageAidStack(app, 'LinkageAid', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
