// A small evaluator of the synthesized IAM policies: "may this role do this action on this resource?", with
// IAM's wildcard matching, so the tests state permissions as facts rather than as template shapes.

import type { Template } from 'aws-cdk-lib/assertions';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: Json;
  readonly Condition?: Json;
}

export const ACCOUNT = '111111111111';
/** What the cluster's uuid (cut out of its ARN at deploy time) is rendered as. */
export const CLUSTER_UUID = '<uuid>';

/** A CloudFormation expression as the string it becomes, with deploy-time values as placeholders. */
export function render(value: Json): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return JSON.stringify(value);
  if ('Ref' in value) return value.Ref === 'AWS::Partition' ? 'aws' : value.Ref === 'AWS::AccountId' ? ACCOUNT : `<${String(value.Ref)}>`;
  if ('Fn::Join' in value) {
    const [separator, parts] = value['Fn::Join'] as [string, Json[]];
    return parts.map(render).join(separator);
  }
  if ('Fn::GetAtt' in value) return `<${(value['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Select' in value) {
    const [, list] = value['Fn::Select'] as [number, Json];
    const inner = render(list);
    return inner.includes('KafkaCluster') ? CLUSTER_UUID : `<select ${inner}>`;
  }
  if ('Fn::Split' in value) return render((value['Fn::Split'] as Json[])[1]);
  return JSON.stringify(value);
}

const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

export class RolePolicies {
  readonly statements: readonly Statement[];
  readonly managedPolicies: readonly Json[];

  constructor(template: Template, roleLogicalId: string) {
    const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, Json> }> };
    const statements: Statement[] = [];
    for (const resource of Object.values(json.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const roles = resource.Properties.Roles as { Ref?: string }[];
      if (!roles.some((r) => r.Ref === roleLogicalId)) continue;
      statements.push(...((resource.Properties.PolicyDocument as unknown as { Statement: Statement[] }).Statement ?? []));
    }
    const role = json.Resources[roleLogicalId];
    if (role === undefined || role.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role`);
    for (const policy of (role.Properties.Policies as unknown as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []) statements.push(...policy.PolicyDocument.Statement);
    this.statements = statements;
    this.managedPolicies = (role.Properties.ManagedPolicyArns as Json[] | undefined) ?? [];
  }

  /** Whether an Allow statement (its conditions aside) grants `action` on `resource`, and no Deny refuses it. */
  allows(action: string, resource: string): boolean {
    const matches = (s: Statement) => list(s.Action).some((a) => glob(a).test(action)) && list(s.Resource).some((r) => glob(render(r)).test(resource));
    return this.statements.some((s) => s.Effect === 'Allow' && matches(s)) && !this.statements.some((s) => s.Effect === 'Deny' && matches(s));
  }

  /** Every resource (rendered) an action is allowed on. */
  resourcesFor(action: string): string[] {
    return this.statements.filter((s) => s.Effect === 'Allow' && list(s.Action).some((a) => glob(a).test(action))).flatMap((s) => list(s.Resource).map(render));
  }

  actions(): string[] {
    return this.statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action));
  }
}

export const kafkaArn = (kind: 'topic' | 'group' | 'transactional-id', cluster: string, name: string, region = 'us-east-1') =>
  `arn:aws:kafka:${region}:${ACCOUNT}:${kind}/${cluster}/${CLUSTER_UUID}/${name}`;
