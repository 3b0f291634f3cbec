/*
 * A Connected App as one source-format file, connectedApps/<Name>.connectedApp-meta.xml (ConnectedApp). Users are
 * admitted by isAdminApproved ("Admin approved users are pre-authorized") plus permissionSetName / profileName.
 * Elements in the order of the Metadata API's schema (alphabetical).
 */
import { metadataDocument } from './xml.js';
import type { AppSpec, MetadataFile } from './types.js';

export const CONNECTED_APP_TYPE = { type: 'ConnectedApp', folder: 'connectedApps', suffix: 'connectedApp' } as const;

export function connectedAppFiles(spec: AppSpec): MetadataFile[] {
  const t = CONNECTED_APP_TYPE;
  return [
    {
      relativePath: `${t.folder}/${spec.name}.${t.suffix}-meta.xml`,
      type: t.type,
      fullName: spec.name,
      content: metadataDocument('ConnectedApp', {
        contactEmail: spec.contactEmail,
        description: spec.description,
        label: spec.label,
        oauthConfig: {
          callbackUrl: spec.callbackUrl,
          certificate: spec.certificatePem.trim(),
          consumerKey: spec.consumerKey,
          isAdminApproved: true,
          isConsumerSecretOptional: true,
          scopes: spec.metadataScopes,
        },
        oauthPolicy: {
          ipRelaxation: 'ENFORCE',
          refreshTokenPolicy: 'infinite',
        },
        permissionSetName: spec.permissionSet === undefined ? undefined : [spec.permissionSet],
        profileName: spec.profiles.length > 0 ? spec.profiles : undefined,
      }),
    },
  ];
}
