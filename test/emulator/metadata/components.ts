/*
 * The metadata types the emulator understands (folders and suffixes from SDR's registry, metadata format: no
 * -meta.xml), their elements (Metadata API reference, API 59-66) and the checks a deploy makes on each file:
 * well-formed XML, root element = type, no element the type does not define, required elements present.
 * Checks that need the org (references, certificates, consumer keys) are in apply.ts.
 */
import type { MdObject } from '../org.js';
import { METADATA_NS, parseDocument, positionOf } from './xml.js';

export type TypeDef = {
  type: string;
  folder: string;
  suffix: string;
  elements: string[];
  required: string[];
  /** nested element -> its own elements */
  nested?: Record<string, string[]>;
  /** element -> [first, last] API major versions that define it */
  versioned?: Record<string, [number, number]>;
};

const ECA_CHILD = ['externalClientApplication', 'label'];

export const TYPES: TypeDef[] = [
  {
    type: 'ExternalClientApplication',
    folder: 'externalClientApps',
    suffix: 'eca',
    elements: [
      'contactEmail',
      'contactPhone',
      'description',
      'distributionState',
      'iconUrl',
      'infoUrl',
      'isProtected',
      'label',
      'logoUrl',
      'orgScopedExternalApp',
    ],
    required: ['contactEmail', 'distributionState', 'label'],
  },
  {
    type: 'ExtlClntAppOauthSettings',
    folder: 'extlClntAppOauthSettings',
    suffix: 'ecaOauth',
    elements: [...ECA_CHILD, 'commaSeparatedOauthScopes', 'customAttributes', 'singleLogoutUrl'],
    required: ECA_CHILD,
  },
  {
    type: 'ExtlClntAppGlobalOauthSettings',
    folder: 'extlClntAppGlobalOauthSets',
    suffix: 'ecaGlblOauth',
    elements: [
      ...ECA_CHILD,
      'callbackUrl',
      'certificate',
      'consumerKey',
      'consumerSecret',
      'idTokenConfig',
      'isClientCredentialsFlowEnabled',
      'isCodeCredentialFlowEnabled',
      'isConsumerSecretOptional',
      'isDeviceFlowEnabled',
      'isIntrospectAllTokens',
      'isPkceRequired',
      'isRefreshTokenRotationEnabled',
      'isSecretRequiredForRefreshToken',
      'isSecretRequiredForTokenExchange',
      'isTokenExchangeEnabled',
      'shouldRotateConsumerKey',
      'shouldRotateConsumerSecret',
    ],
    required: [...ECA_CHILD, 'callbackUrl'],
  },
  {
    type: 'ExtlClntAppOauthConfigurablePolicies',
    folder: 'extlClntAppOauthPolicies',
    suffix: 'ecaOauthPlcy',
    elements: [
      ...ECA_CHILD,
      'clientCredentialsFlowUser',
      'commaSeparatedCustomScopes',
      'commaSeparatedPermissionSet',
      'commaSeparatedProfile',
      'ipRelaxationPolicyType',
      'isClientCredentialsFlowEnabled',
      'isGuestCodeCredFlowEnabled',
      'isNamedUserJwtEnabled',
      'isTokenExchangeFlowEnabled',
      'permittedUsersPolicyType',
      'policyAction',
      'refreshTokenPolicyType',
      'refreshTokenValidityPeriod',
      'refreshTokenValidityUnit',
      'requiredSessionLevel',
      'sessionTimeoutInMinutes',
      'singleLogoutUrl',
    ],
    required: ECA_CHILD,
    versioned: { isNamedUserJwtEnabled: [61, 63] },
  },
  {
    type: 'ExtlClntAppConfigurablePolicies',
    folder: 'extlClntAppPolicies',
    suffix: 'ecaPlcy',
    elements: [
      ...ECA_CHILD,
      'isEnabled',
      'isOauthPluginEnabled',
      'isSamlPluginEnabled',
      'isPushPluginEnabled',
      'isCanvasPluginEnabled',
      'startUrl',
    ],
    required: ECA_CHILD,
  },
  {
    type: 'PermissionSet',
    folder: 'permissionsets',
    suffix: 'permissionset',
    elements: [
      'agentAccesses',
      'applicationVisibilities',
      'classAccesses',
      'customMetadataTypeAccesses',
      'customPermissions',
      'customSettingAccesses',
      'description',
      'emailRoutingAddressAccesses',
      'externalCredentialPrincipalAccesses',
      'externalDataSourceAccesses',
      'fieldPermissions',
      'flowAccesses',
      'hasActivationRequired',
      'label',
      'license',
      'objectPermissions',
      'pageAccesses',
      'recordTypeVisibilities',
      'tabSettings',
      'userPermissions',
    ],
    required: ['label'],
  },
  {
    type: 'ConnectedApp',
    folder: 'connectedApps',
    suffix: 'connectedApp',
    elements: [
      'attributes',
      'canvas',
      'canvasConfig',
      'contactEmail',
      'contactPhone',
      'description',
      'iconUrl',
      'infoUrl',
      'ipRanges',
      'label',
      'logoUrl',
      'mobileAppConfig',
      'mobileStartUrl',
      'oauthConfig',
      'oauthPolicy',
      'permissionSetName',
      'plugin',
      'pluginExecutionUser',
      'profileName',
      'samlConfig',
      'sessionPolicy',
      'startUrl',
    ],
    required: ['contactEmail', 'label'],
    nested: {
      oauthConfig: [
        'assetTokenConfig',
        'callbackUrl',
        'certificate',
        'consumerKey',
        'consumerSecret',
        'idTokenConfig',
        'isAdminApproved',
        'isClientCredentialEnabled',
        'isCodeCredentialEnabled',
        'isCodeCredentialPostOnly',
        'isConsumerSecretOptional',
        'isIntrospectAllTokens',
        'isNamedUserJwtEnabled',
        'isPkceRequired',
        'isRefreshTokenRotationEnabled',
        'isSecretRequiredForRefreshToken',
        'isTokenExchangeEnabled',
        'oauthClientCredentialUser',
        'scopes',
        'singleLogoutUrl',
      ],
      oauthPolicy: ['ipRelaxation', 'isTokenExchangeFlowEnabled', 'refreshTokenPolicy', 'singleLogoutUrl'],
    },
  },
];

export const ECA_CHILD_TYPES = TYPES.filter((t) => t.elements.includes('externalClientApplication')).map((t) => t.type);

export function typeDef(type: string): TypeDef | undefined {
  return TYPES.find((t) => t.type === type);
}

/** Path of a component in a metadata-format archive, e.g. externalClientApps/X.eca. */
export function archivePath(def: TypeDef, fullName: string): string {
  return `${def.folder}/${fullName}.${def.suffix}`;
}

export type Problem = { problem: string; line?: number; column?: number };
export type CheckedFile = { ok: true; content: MdObject } | { ok: false; problems: Problem[] };

/** The checks a deploy makes on one file of a known type, at API version `apiMajor`. */
export function checkFile(def: TypeDef, source: string, apiMajor: number): CheckedFile {
  const parsed = parseDocument(source);
  if (!parsed.ok)
    return {
      ok: false,
      problems: [{ problem: `Error parsing file: ${parsed.message}`, line: parsed.line, column: parsed.column }],
    };
  if (parsed.root !== def.type) {
    return {
      ok: false,
      problems: [
        {
          problem: `Error parsing file: Element {${METADATA_NS}}${parsed.root} invalid at this location`,
          ...positionOf(source, parsed.root),
        },
      ],
    };
  }
  const invalid = (name: string, type: string): Problem => ({
    problem: `Error parsing file: Element {${METADATA_NS}}${name} invalid at this location in type ${type}`,
    ...positionOf(source, name),
  });
  const content = parsed.content;
  for (const name of Object.keys(content)) {
    const range = def.versioned?.[name];
    if (!def.elements.includes(name) || (range && (apiMajor < range[0] || apiMajor > range[1])))
      return { ok: false, problems: [invalid(name, def.type)] };
    const nested = def.nested?.[name];
    const value = content[name];
    if (nested && typeof value === 'object' && !Array.isArray(value)) {
      const nestedType = `${def.type}${name[0].toUpperCase()}${name.slice(1)}`;
      for (const child of Object.keys(value))
        if (!nested.includes(child)) return { ok: false, problems: [invalid(child, nestedType)] };
    }
  }
  const missing = def.required.filter((r) => content[r] === undefined || content[r] === '');
  if (missing.length > 0)
    return { ok: false, problems: missing.map((m) => ({ problem: `Required field is missing: ${m}` })) };
  return { ok: true, content };
}
