/** The IAM operation table: each wire operation, its SDK schema, and the domain function it calls. */
import * as sdk from "@aws-sdk/client-iam";
import type { RequestContext } from "../../core/types.js";
import type { OperationDefinition, StaticSchema } from "../types.js";
import * as keys from "./access-keys.js";
import * as account from "./account.js";
import * as attach from "./attachments.js";
import { getAccountAuthorizationDetails } from "./authorization-details.js";
import * as bounds from "./boundaries.js";
import * as credentialReport from "./credential-report.js";
import { callerFromContext, type Caller, type IamEnv } from "./env.js";
import * as groups from "./groups.js";
import * as inline from "./inline-policies.js";
import * as logins from "./login-profiles.js";
import * as mfa from "./mfa.js";
import * as oidc from "./oidc-providers.js";
import type { OutboundFederation } from "./outbound-federation.js";
import type { RootAccess } from "./root-access.js";
import * as orgsAccess from "./organizations-access-report.js";
import * as profiles from "./instance-profiles.js";
import * as policies from "./policies.js";
import * as versions from "./policy-versions.js";
import * as roles from "./roles.js";
import * as serverCerts from "./server-certificates.js";
import * as serviceCreds from "./service-credentials.js";
import * as linkedRoles from "./service-linked-roles.js";
import * as lastAccessed from "./service-last-accessed.js";
import * as saml from "./saml-providers.js";
import * as signingCerts from "./signing-certificates.js";
import * as simulation from "./simulation.js";
import * as sshKeys from "./ssh-public-keys.js";
import * as users from "./users.js";

type Domain<I, O> = (env: IamEnv, caller: Caller, input: I) => Promise<O>;

export function buildOperations(env: IamEnv, features: { outbound: OutboundFederation; rootAccess: RootAccess }): Record<string, OperationDefinition> {
  function op<I, O>(schema: StaticSchema, fn: Domain<I, O>): OperationDefinition {
    return { schema, handler: (input: I | undefined, ctx: RequestContext) => fn(env, callerFromContext(ctx), input ?? ({} as I)) };
  }
  const { outbound, rootAccess } = features;
  return {
    CreateUser: op(sdk.CreateUser$, users.createUser),
    GetUser: op(sdk.GetUser$, users.getUser),
    UpdateUser: op(sdk.UpdateUser$, users.updateUser),
    DeleteUser: op(sdk.DeleteUser$, users.deleteUser),
    ListUsers: op(sdk.ListUsers$, users.listUsers),
    TagUser: op(sdk.TagUser$, users.tagUser),
    UntagUser: op(sdk.UntagUser$, users.untagUser),
    ListUserTags: op(sdk.ListUserTags$, users.listUserTags),
    PutUserPermissionsBoundary: op(sdk.PutUserPermissionsBoundary$, bounds.putUserPermissionsBoundary),
    DeleteUserPermissionsBoundary: op(sdk.DeleteUserPermissionsBoundary$, bounds.deleteUserPermissionsBoundary),

    CreateAccessKey: op(sdk.CreateAccessKey$, keys.createAccessKey),
    ListAccessKeys: op(sdk.ListAccessKeys$, keys.listAccessKeys),
    UpdateAccessKey: op(sdk.UpdateAccessKey$, keys.updateAccessKey),
    DeleteAccessKey: op(sdk.DeleteAccessKey$, keys.deleteAccessKey),
    GetAccessKeyLastUsed: op(sdk.GetAccessKeyLastUsed$, keys.getAccessKeyLastUsed),

    CreateGroup: op(sdk.CreateGroup$, groups.createGroup),
    GetGroup: op(sdk.GetGroup$, groups.getGroup),
    UpdateGroup: op(sdk.UpdateGroup$, groups.updateGroup),
    DeleteGroup: op(sdk.DeleteGroup$, groups.deleteGroup),
    ListGroups: op(sdk.ListGroups$, groups.listGroups),
    AddUserToGroup: op(sdk.AddUserToGroup$, groups.addUserToGroup),
    RemoveUserFromGroup: op(sdk.RemoveUserFromGroup$, groups.removeUserFromGroup),
    ListGroupsForUser: op(sdk.ListGroupsForUser$, groups.listGroupsForUser),

    CreateRole: op(sdk.CreateRole$, roles.createRole),
    GetRole: op(sdk.GetRole$, roles.getRole),
    UpdateRole: op(sdk.UpdateRole$, roles.updateRole),
    UpdateRoleDescription: op(sdk.UpdateRoleDescription$, roles.updateRoleDescription),
    UpdateAssumeRolePolicy: op(sdk.UpdateAssumeRolePolicy$, roles.updateAssumeRolePolicy),
    DeleteRole: op(sdk.DeleteRole$, roles.deleteRole),
    ListRoles: op(sdk.ListRoles$, roles.listRoles),
    TagRole: op(sdk.TagRole$, roles.tagRole),
    UntagRole: op(sdk.UntagRole$, roles.untagRole),
    ListRoleTags: op(sdk.ListRoleTags$, roles.listRoleTags),
    PutRolePermissionsBoundary: op(sdk.PutRolePermissionsBoundary$, bounds.putRolePermissionsBoundary),
    DeleteRolePermissionsBoundary: op(sdk.DeleteRolePermissionsBoundary$, bounds.deleteRolePermissionsBoundary),

    CreateInstanceProfile: op(sdk.CreateInstanceProfile$, profiles.createInstanceProfile),
    GetInstanceProfile: op(sdk.GetInstanceProfile$, profiles.getInstanceProfile),
    DeleteInstanceProfile: op(sdk.DeleteInstanceProfile$, profiles.deleteInstanceProfile),
    ListInstanceProfiles: op(sdk.ListInstanceProfiles$, profiles.listInstanceProfiles),
    ListInstanceProfilesForRole: op(sdk.ListInstanceProfilesForRole$, profiles.listInstanceProfilesForRole),
    AddRoleToInstanceProfile: op(sdk.AddRoleToInstanceProfile$, profiles.addRoleToInstanceProfile),
    RemoveRoleFromInstanceProfile: op(sdk.RemoveRoleFromInstanceProfile$, profiles.removeRoleFromInstanceProfile),
    TagInstanceProfile: op(sdk.TagInstanceProfile$, profiles.tagInstanceProfile),
    UntagInstanceProfile: op(sdk.UntagInstanceProfile$, profiles.untagInstanceProfile),
    ListInstanceProfileTags: op(sdk.ListInstanceProfileTags$, profiles.listInstanceProfileTags),

    CreatePolicy: op(sdk.CreatePolicy$, policies.createPolicy),
    GetPolicy: op(sdk.GetPolicy$, policies.getPolicy),
    DeletePolicy: op(sdk.DeletePolicy$, policies.deletePolicy),
    ListPolicies: op(sdk.ListPolicies$, policies.listPolicies),
    TagPolicy: op(sdk.TagPolicy$, policies.tagPolicy),
    UntagPolicy: op(sdk.UntagPolicy$, policies.untagPolicy),
    ListPolicyTags: op(sdk.ListPolicyTags$, policies.listPolicyTags),
    CreatePolicyVersion: op(sdk.CreatePolicyVersion$, versions.createPolicyVersion),
    GetPolicyVersion: op(sdk.GetPolicyVersion$, versions.getPolicyVersion),
    ListPolicyVersions: op(sdk.ListPolicyVersions$, versions.listPolicyVersions),
    DeletePolicyVersion: op(sdk.DeletePolicyVersion$, versions.deletePolicyVersion),
    SetDefaultPolicyVersion: op(sdk.SetDefaultPolicyVersion$, versions.setDefaultPolicyVersion),

    AttachUserPolicy: op(sdk.AttachUserPolicy$, attach.attachUserPolicy),
    AttachGroupPolicy: op(sdk.AttachGroupPolicy$, attach.attachGroupPolicy),
    AttachRolePolicy: op(sdk.AttachRolePolicy$, attach.attachRolePolicy),
    DetachUserPolicy: op(sdk.DetachUserPolicy$, attach.detachUserPolicy),
    DetachGroupPolicy: op(sdk.DetachGroupPolicy$, attach.detachGroupPolicy),
    DetachRolePolicy: op(sdk.DetachRolePolicy$, attach.detachRolePolicy),
    ListAttachedUserPolicies: op(sdk.ListAttachedUserPolicies$, attach.listAttachedUserPolicies),
    ListAttachedGroupPolicies: op(sdk.ListAttachedGroupPolicies$, attach.listAttachedGroupPolicies),
    ListAttachedRolePolicies: op(sdk.ListAttachedRolePolicies$, attach.listAttachedRolePolicies),
    ListEntitiesForPolicy: op(sdk.ListEntitiesForPolicy$, attach.listEntitiesForPolicy),

    PutUserPolicy: op(sdk.PutUserPolicy$, inline.putUserPolicy),
    PutGroupPolicy: op(sdk.PutGroupPolicy$, inline.putGroupPolicy),
    PutRolePolicy: op(sdk.PutRolePolicy$, inline.putRolePolicy),
    GetUserPolicy: op(sdk.GetUserPolicy$, inline.getUserPolicy),
    GetGroupPolicy: op(sdk.GetGroupPolicy$, inline.getGroupPolicy),
    GetRolePolicy: op(sdk.GetRolePolicy$, inline.getRolePolicy),
    DeleteUserPolicy: op(sdk.DeleteUserPolicy$, inline.deleteUserPolicy),
    DeleteGroupPolicy: op(sdk.DeleteGroupPolicy$, inline.deleteGroupPolicy),
    DeleteRolePolicy: op(sdk.DeleteRolePolicy$, inline.deleteRolePolicy),
    ListUserPolicies: op(sdk.ListUserPolicies$, inline.listUserPolicies),
    ListGroupPolicies: op(sdk.ListGroupPolicies$, inline.listGroupPolicies),
    ListRolePolicies: op(sdk.ListRolePolicies$, inline.listRolePolicies),

    GetAccountAuthorizationDetails: op(sdk.GetAccountAuthorizationDetails$, getAccountAuthorizationDetails),

    // Account-level settings: alias, password policy, summary.
    CreateAccountAlias: op(sdk.CreateAccountAlias$, account.createAccountAlias),
    DeleteAccountAlias: op(sdk.DeleteAccountAlias$, account.deleteAccountAlias),
    ListAccountAliases: op(sdk.ListAccountAliases$, account.listAccountAliases),
    UpdateAccountPasswordPolicy: op(sdk.UpdateAccountPasswordPolicy$, account.updateAccountPasswordPolicy),
    GetAccountPasswordPolicy: op(sdk.GetAccountPasswordPolicy$, account.getAccountPasswordPolicy),
    DeleteAccountPasswordPolicy: op(sdk.DeleteAccountPasswordPolicy$, account.deleteAccountPasswordPolicy),
    GetAccountSummary: op(sdk.GetAccountSummary$, account.getAccountSummary),
    SetSecurityTokenServicePreferences: op(sdk.SetSecurityTokenServicePreferences$, account.setSecurityTokenServicePreferences),
    GetAccountProperties: op(sdk.GetAccountProperties$, account.getAccountProperties),
    PutAccountProperties: op(sdk.PutAccountProperties$, account.putAccountProperties),

    // ---- Login profiles (user passwords) and ChangePassword: ./login-profiles.ts ----
    CreateLoginProfile: op(sdk.CreateLoginProfile$, logins.createLoginProfile),
    GetLoginProfile: op(sdk.GetLoginProfile$, logins.getLoginProfile),
    UpdateLoginProfile: op(sdk.UpdateLoginProfile$, logins.updateLoginProfile),
    DeleteLoginProfile: op(sdk.DeleteLoginProfile$, logins.deleteLoginProfile),
    ChangePassword: op(sdk.ChangePassword$, logins.changePassword),
    // ---- end login profiles ----

    // Policy simulation (src/services/iam/simulation.ts): decisions from the gateway's own
    // policy engine, with the statements that matched and the context keys that were missing.
    SimulateCustomPolicy: op(sdk.SimulateCustomPolicy$, simulation.simulateCustomPolicy),
    SimulatePrincipalPolicy: op(sdk.SimulatePrincipalPolicy$, simulation.simulatePrincipalPolicy),
    GetContextKeysForCustomPolicy: op(sdk.GetContextKeysForCustomPolicy$, simulation.getContextKeysForCustomPolicy),
    GetContextKeysForPrincipalPolicy: op(sdk.GetContextKeysForPrincipalPolicy$, simulation.getContextKeysForPrincipalPolicy),

    // ---- Virtual MFA devices (TOTP seeds sealed, codes single-use): ./mfa.ts ----
    CreateVirtualMFADevice: op(sdk.CreateVirtualMFADevice$, mfa.createVirtualMFADevice),
    EnableMFADevice: op(sdk.EnableMFADevice$, mfa.enableMFADevice),
    DeactivateMFADevice: op(sdk.DeactivateMFADevice$, mfa.deactivateMFADevice),
    DeleteVirtualMFADevice: op(sdk.DeleteVirtualMFADevice$, mfa.deleteVirtualMFADevice),
    ListMFADevices: op(sdk.ListMFADevices$, mfa.listMFADevices),
    ListVirtualMFADevices: op(sdk.ListVirtualMFADevices$, mfa.listVirtualMFADevices),
    GetMFADevice: op(sdk.GetMFADevice$, mfa.getMFADevice),
    ResyncMFADevice: op(sdk.ResyncMFADevice$, mfa.resyncMFADevice),
    TagMFADevice: op(sdk.TagMFADevice$, mfa.tagMFADevice),
    UntagMFADevice: op(sdk.UntagMFADevice$, mfa.untagMFADevice),
    ListMFADeviceTags: op(sdk.ListMFADeviceTags$, mfa.listMFADeviceTags),
    // ---- end virtual MFA devices ----

    // ---- OpenID Connect identity providers (./oidc-providers.ts): the issuers whose ID tokens
    // sts:AssumeRoleWithWebIdentity accepts (trust-policy principal {"Federated": <provider ARN>}) ----
    CreateOpenIDConnectProvider: op(sdk.CreateOpenIDConnectProvider$, oidc.createOpenIDConnectProvider),
    GetOpenIDConnectProvider: op(sdk.GetOpenIDConnectProvider$, oidc.getOpenIDConnectProvider),
    ListOpenIDConnectProviders: op(sdk.ListOpenIDConnectProviders$, oidc.listOpenIDConnectProviders),
    DeleteOpenIDConnectProvider: op(sdk.DeleteOpenIDConnectProvider$, oidc.deleteOpenIDConnectProvider),
    AddClientIDToOpenIDConnectProvider: op(sdk.AddClientIDToOpenIDConnectProvider$, oidc.addClientIDToOpenIDConnectProvider),
    RemoveClientIDFromOpenIDConnectProvider: op(sdk.RemoveClientIDFromOpenIDConnectProvider$, oidc.removeClientIDFromOpenIDConnectProvider),
    UpdateOpenIDConnectProviderThumbprint: op(sdk.UpdateOpenIDConnectProviderThumbprint$, oidc.updateOpenIDConnectProviderThumbprint),
    TagOpenIDConnectProvider: op(sdk.TagOpenIDConnectProvider$, oidc.tagOpenIDConnectProvider),
    UntagOpenIDConnectProvider: op(sdk.UntagOpenIDConnectProvider$, oidc.untagOpenIDConnectProvider),
    ListOpenIDConnectProviderTags: op(sdk.ListOpenIDConnectProviderTags$, oidc.listOpenIDConnectProviderTags),
    // ---- end OpenID Connect identity providers ----

    // ---- SAML 2.0 identity providers (./saml-providers.ts): the IdPs whose assertions
    // sts:AssumeRoleWithSAML accepts (trust-policy principal {"Federated": <provider ARN>}) ----
    CreateSAMLProvider: op(sdk.CreateSAMLProvider$, saml.createSAMLProvider),
    GetSAMLProvider: op(sdk.GetSAMLProvider$, saml.getSAMLProvider),
    ListSAMLProviders: op(sdk.ListSAMLProviders$, saml.listSAMLProviders),
    UpdateSAMLProvider: op(sdk.UpdateSAMLProvider$, saml.updateSAMLProvider),
    DeleteSAMLProvider: op(sdk.DeleteSAMLProvider$, saml.deleteSAMLProvider),
    TagSAMLProvider: op(sdk.TagSAMLProvider$, saml.tagSAMLProvider),
    UntagSAMLProvider: op(sdk.UntagSAMLProvider$, saml.untagSAMLProvider),
    ListSAMLProviderTags: op(sdk.ListSAMLProviderTags$, saml.listSAMLProviderTags),
    // ---- end SAML identity providers ----

    // ---- SSH public keys (./ssh-public-keys.ts) and signing certificates (./signing-certificates.ts):
    // per-user credentials, parsed for real; DeleteUser refuses while a user holds any ----
    UploadSSHPublicKey: op(sdk.UploadSSHPublicKey$, sshKeys.uploadSSHPublicKey),
    GetSSHPublicKey: op(sdk.GetSSHPublicKey$, sshKeys.getSSHPublicKey),
    ListSSHPublicKeys: op(sdk.ListSSHPublicKeys$, sshKeys.listSSHPublicKeys),
    UpdateSSHPublicKey: op(sdk.UpdateSSHPublicKey$, sshKeys.updateSSHPublicKey),
    DeleteSSHPublicKey: op(sdk.DeleteSSHPublicKey$, sshKeys.deleteSSHPublicKey),
    UploadSigningCertificate: op(sdk.UploadSigningCertificate$, signingCerts.uploadSigningCertificate),
    ListSigningCertificates: op(sdk.ListSigningCertificates$, signingCerts.listSigningCertificates),
    UpdateSigningCertificate: op(sdk.UpdateSigningCertificate$, signingCerts.updateSigningCertificate),
    DeleteSigningCertificate: op(sdk.DeleteSigningCertificate$, signingCerts.deleteSigningCertificate),
    // ---- end SSH public keys and signing certificates ----

    // ---- Credential report (./credential-report.ts): GenerateCredentialReport builds the CSV of the
    // root user and every IAM user's credentials (at most one every four hours); GetCredentialReport
    // returns it, or ReportNotPresent / ReportInProgress / ReportExpired ----
    GenerateCredentialReport: op(sdk.GenerateCredentialReport$, credentialReport.generateCredentialReport),
    GetCredentialReport: op(sdk.GetCredentialReport$, credentialReport.getCredentialReport),
    // ---- end credential report ----

    // ---- Server certificates (./server-certificates.ts): account-level, private key sealed and never returned ----
    UploadServerCertificate: op(sdk.UploadServerCertificate$, serverCerts.uploadServerCertificate),
    GetServerCertificate: op(sdk.GetServerCertificate$, serverCerts.getServerCertificate),
    ListServerCertificates: op(sdk.ListServerCertificates$, serverCerts.listServerCertificates),
    UpdateServerCertificate: op(sdk.UpdateServerCertificate$, serverCerts.updateServerCertificate),
    DeleteServerCertificate: op(sdk.DeleteServerCertificate$, serverCerts.deleteServerCertificate),
    TagServerCertificate: op(sdk.TagServerCertificate$, serverCerts.tagServerCertificate),
    UntagServerCertificate: op(sdk.UntagServerCertificate$, serverCerts.untagServerCertificate),
    ListServerCertificateTags: op(sdk.ListServerCertificateTags$, serverCerts.listServerCertificateTags),

    // ---- Service-specific credentials (./service-credentials.ts): per user and service, secret returned once ----
    CreateServiceSpecificCredential: op(sdk.CreateServiceSpecificCredential$, serviceCreds.createServiceSpecificCredential),
    ListServiceSpecificCredentials: op(sdk.ListServiceSpecificCredentials$, serviceCreds.listServiceSpecificCredentials),
    ResetServiceSpecificCredential: op(sdk.ResetServiceSpecificCredential$, serviceCreds.resetServiceSpecificCredential),
    UpdateServiceSpecificCredential: op(sdk.UpdateServiceSpecificCredential$, serviceCreds.updateServiceSpecificCredential),
    DeleteServiceSpecificCredential: op(sdk.DeleteServiceSpecificCredential$, serviceCreds.deleteServiceSpecificCredential),

    // ---- Service-linked roles (./service-linked-roles.ts): deletion runs on the scheduler ----
    CreateServiceLinkedRole: op(sdk.CreateServiceLinkedRole$, linkedRoles.createServiceLinkedRole),
    DeleteServiceLinkedRole: op(sdk.DeleteServiceLinkedRole$, linkedRoles.deleteServiceLinkedRole),
    GetServiceLinkedRoleDeletionStatus: op(sdk.GetServiceLinkedRoleDeletionStatus$, linkedRoles.getServiceLinkedRoleDeletionStatus),

    // ---- Outbound identity federation (./outbound-federation.ts): the account's issuer and signing
    // keys for STS GetWebIdentityToken ----
    EnableOutboundWebIdentityFederation: op(sdk.EnableOutboundWebIdentityFederation$, (e, c) => outbound.enable(e, c)),
    DisableOutboundWebIdentityFederation: op(sdk.DisableOutboundWebIdentityFederation$, (e, c) => outbound.disable(e, c)),
    GetOutboundWebIdentityFederationInfo: op(sdk.GetOutboundWebIdentityFederationInfo$, (e, c) => outbound.info(e, c)),
    // ---- end outbound identity federation ----

    // ---- Centralised root access for member accounts (./root-access.ts), used by STS AssumeRoot ----
    ListOrganizationsFeatures: op(sdk.ListOrganizationsFeatures$, (e, c) => rootAccess.list(e, c)),
    EnableOrganizationsRootCredentialsManagement: op(sdk.EnableOrganizationsRootCredentialsManagement$, (e, c) =>
      rootAccess.set(e, c, "EnableOrganizationsRootCredentialsManagement", "RootCredentialsManagement", true),
    ),
    DisableOrganizationsRootCredentialsManagement: op(sdk.DisableOrganizationsRootCredentialsManagement$, (e, c) =>
      rootAccess.set(e, c, "DisableOrganizationsRootCredentialsManagement", "RootCredentialsManagement", false),
    ),
    EnableOrganizationsRootSessions: op(sdk.EnableOrganizationsRootSessions$, (e, c) => rootAccess.set(e, c, "EnableOrganizationsRootSessions", "RootSessions", true)),
    DisableOrganizationsRootSessions: op(sdk.DisableOrganizationsRootSessions$, (e, c) => rootAccess.set(e, c, "DisableOrganizationsRootSessions", "RootSessions", false)),
    // ---- end centralised root access ----

    // ---- Last accessed information (./service-last-accessed.ts, ./organizations-access-report.ts):
    // report jobs computed in the background from the audit log; ListPoliciesGrantingServiceAccess
    // from the identity's current policies ----
    GenerateServiceLastAccessedDetails: op(sdk.GenerateServiceLastAccessedDetails$, lastAccessed.generateServiceLastAccessedDetails),
    GetServiceLastAccessedDetails: op(sdk.GetServiceLastAccessedDetails$, lastAccessed.getServiceLastAccessedDetails),
    GetServiceLastAccessedDetailsWithEntities: op(sdk.GetServiceLastAccessedDetailsWithEntities$, lastAccessed.getServiceLastAccessedDetailsWithEntities),
    ListPoliciesGrantingServiceAccess: op(sdk.ListPoliciesGrantingServiceAccess$, lastAccessed.listPoliciesGrantingServiceAccess),
    GenerateOrganizationsAccessReport: op(sdk.GenerateOrganizationsAccessReport$, orgsAccess.generateOrganizationsAccessReport),
    GetOrganizationsAccessReport: op(sdk.GetOrganizationsAccessReport$, orgsAccess.getOrganizationsAccessReport),
    // ---- end last accessed information ----
  };
}
