/*
 * An External Client App as the five source-format files Salesforce's source library recognises (folders and suffixes
 * from @salesforce/source-deploy-retrieve's registry; fields from the Metadata API reference, API 60.0 and later):
 *
 *   externalClientApps/<Name>.eca-meta.xml                             ExternalClientApplication
 *   extlClntAppOauthSettings/<Name>_oauth.ecaOauth-meta.xml            ExtlClntAppOauthSettings (scopes)
 *   extlClntAppGlobalOauthSets/<Name>_glbloauth.ecaGlblOauth-meta.xml  ExtlClntAppGlobalOauthSettings (certificate, consumer key)
 *   extlClntAppOauthPolicies/<Name>_oauthPlcy.ecaOauthPlcy-meta.xml    ExtlClntAppOauthConfigurablePolicies (who is admitted)
 *   extlClntAppPolicies/<Name>_plcy.ecaPlcy-meta.xml                   ExtlClntAppConfigurablePolicies (plugin switched on)
 *
 * Elements are written in alphabetical order, as Salesforce retrieves them.
 */
import { metadataDocument } from './xml.js';
import type { AppSpec, MetadataFile } from './types.js';

export const ECA_TYPES = {
  app: { type: 'ExternalClientApplication', folder: 'externalClientApps', suffix: 'eca', nameSuffix: '' },
  oauthSettings: {
    type: 'ExtlClntAppOauthSettings',
    folder: 'extlClntAppOauthSettings',
    suffix: 'ecaOauth',
    nameSuffix: '_oauth',
  },
  globalOauthSettings: {
    type: 'ExtlClntAppGlobalOauthSettings',
    folder: 'extlClntAppGlobalOauthSets',
    suffix: 'ecaGlblOauth',
    nameSuffix: '_glbloauth',
  },
  oauthPolicies: {
    type: 'ExtlClntAppOauthConfigurablePolicies',
    folder: 'extlClntAppOauthPolicies',
    suffix: 'ecaOauthPlcy',
    nameSuffix: '_oauthPlcy',
  },
  policies: {
    type: 'ExtlClntAppConfigurablePolicies',
    folder: 'extlClntAppPolicies',
    suffix: 'ecaPlcy',
    nameSuffix: '_plcy',
  },
} as const;

type EcaPart = keyof typeof ECA_TYPES;

function file(part: EcaPart, appName: string, content: string): MetadataFile {
  const t = ECA_TYPES[part];
  const fullName = `${appName}${t.nameSuffix}`;
  return { relativePath: `${t.folder}/${fullName}.${t.suffix}-meta.xml`, type: t.type, fullName, content };
}

/**
 * Fields that exist only in some API versions. `isNamedUserJwtEnabled` (ExtlClntAppOauthConfigurablePolicies) exists
 * only in 61.0-63.0 and a deploy at any other version fails on it; it switches on JWT-*format access tokens*, which
 * the JWT bearer flow does not need, so it is never written (its default, false, is what we want).
 */
export function isNamedUserJwtFieldAvailable(apiMajor: number): boolean {
  return apiMajor >= 61 && apiMajor <= 63;
}

export function externalClientAppFiles(spec: AppSpec): MetadataFile[] {
  const n = spec.name;
  return [
    file(
      'app',
      n,
      metadataDocument('ExternalClientApplication', {
        contactEmail: spec.contactEmail,
        description: spec.description,
        distributionState: 'Local',
        isProtected: false,
        label: spec.label,
      }),
    ),
    file(
      'oauthSettings',
      n,
      metadataDocument('ExtlClntAppOauthSettings', {
        commaSeparatedOauthScopes: spec.metadataScopes.join(', '),
        externalClientApplication: n,
        label: `${spec.label} OAuth Settings`,
      }),
    ),
    file(
      'globalOauthSettings',
      n,
      metadataDocument('ExtlClntAppGlobalOauthSettings', {
        callbackUrl: spec.callbackUrl,
        // PEM string; API 60.0+; "when provided, it enables the JWT Bearer flow"
        certificate: spec.certificatePem.trim(),
        consumerKey: spec.consumerKey,
        externalClientApplication: n,
        isConsumerSecretOptional: true,
        isIntrospectAllTokens: false,
        isPkceRequired: false,
        label: `${spec.label} Global OAuth Settings`,
      }),
    ),
    file(
      'oauthPolicies',
      n,
      metadataDocument('ExtlClntAppOauthConfigurablePolicies', {
        commaSeparatedPermissionSet: spec.permissionSet,
        commaSeparatedProfile: spec.profiles.length > 0 ? spec.profiles.join(',') : undefined,
        externalClientApplication: n,
        ipRelaxationPolicyType: 'Enforce',
        label: `${spec.label} OAuth Policies`,
        permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
        refreshTokenPolicyType: 'Infinite',
      }),
    ),
    file(
      'policies',
      n,
      metadataDocument('ExtlClntAppConfigurablePolicies', {
        externalClientApplication: n,
        isEnabled: true,
        isOauthPluginEnabled: true,
        label: `${spec.label} Policies`,
      }),
    ),
  ];
}
