/*
 * Apps as the org holds them, read by a retrieve (through SDR, in memory): one app by name, or every External Client
 * App and Connected App of the org, with consumer key (when the org returns it), certificate and admission policy.
 */
import type { Connection } from '@salesforce/core';
import { parseAppMetadata, type AppMetadata } from '../app/read-metadata.js';
import type { AppKind } from '../app/names.js';
import { retrieveInMemory, type MetadataMember } from './metadata.js';

/** The components that say who may log in with an app, by kind. */
function membersOf(kind: AppKind, name: string): MetadataMember[] {
  if (kind === 'connected') return [{ type: 'ConnectedApp', fullName: name }];
  return [
    { type: 'ExternalClientApplication', fullName: name },
    { type: 'ExtlClntAppGlobalOauthSettings', fullName: `${name}_glbloauth` },
    { type: 'ExtlClntAppOauthConfigurablePolicies', fullName: `${name}_oauthPlcy` },
  ];
}

export type OrgApp = AppMetadata;

/** The app `name` of `kind` in the org, or undefined when the org has none by that name. */
export async function retrieveApp(
  connection: Connection,
  kind: AppKind,
  name: string,
  options: { waitMs: number; apiVersion?: string },
): Promise<OrgApp | undefined> {
  const files = await retrieveInMemory(connection, membersOf(kind, name), options);
  return parseAppMetadata(files).find((app) => app.name === name && app.kind === kind);
}

/** Every External Client App and Connected App of the org. */
export async function retrieveAllApps(
  connection: Connection,
  options: { waitMs: number; apiVersion?: string },
): Promise<OrgApp[]> {
  const files = await retrieveInMemory(
    connection,
    [
      'ExternalClientApplication',
      'ExtlClntAppGlobalOauthSettings',
      'ExtlClntAppOauthConfigurablePolicies',
      'ConnectedApp',
    ].map((type) => ({ type, fullName: '*' })),
    options,
  );
  return parseAppMetadata(files);
}
