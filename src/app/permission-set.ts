/*
 * The permission set that admits the integration user to the app: permissionsets/<Name>.permissionset-meta.xml.
 * It grants nothing by itself; the app names it (ExtlClntAppOauthConfigurablePolicies.commaSeparatedPermissionSet or
 * ConnectedApp.permissionSetName), and assigning it (`sf org assign permset`) is what lets a user in.
 */
import { metadataDocument } from './xml.js';
import type { MetadataFile } from './types.js';

export const PERMISSION_SET_TYPE = {
  type: 'PermissionSet',
  folder: 'permissionsets',
  suffix: 'permissionset',
} as const;

export function permissionSetPath(name: string): string {
  return `${PERMISSION_SET_TYPE.folder}/${name}.${PERMISSION_SET_TYPE.suffix}-meta.xml`;
}

export function permissionSetFile(name: string, appLabel: string, apiMajor: number): MetadataFile {
  return {
    relativePath: permissionSetPath(name),
    type: PERMISSION_SET_TYPE.type,
    fullName: name,
    content: metadataDocument('PermissionSet', {
      description: `Admits its users to the app ${appLabel} (OAuth 2.0 JWT bearer logins). Made by sf jwt-setup app.`,
      // hasActivationRequired: Metadata API 53.0 and later
      hasActivationRequired: apiMajor >= 53 ? false : undefined,
      label: `${appLabel} Users`.slice(0, 80),
    }),
  };
}
