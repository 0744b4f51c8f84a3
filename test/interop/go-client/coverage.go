package main

// Operations past the core set, as the Go SDK v2 deserialises them: each service's typed
// exceptions for its less common errors (matched per operation by the SDK's generated code, so a
// wrong code comes back as a generic smithy.APIError), paginators that must end, and IAM's waiters.

import (
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// typedAs: whether err is the SDK's typed exception T.
func typedAs[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}

// pages: how many pages `next` gives before it says there are no more (at most 1000).
func pages(more func() bool, next func() error) int {
	n := 0
	for more() && n < 1000 {
		must(0, next())
		n++
	}
	return n
}

func runCoverage(kmsc *kms.Client, iamc *iam.Client, orgc *organizations.Client, trail *cloudtrail.Client) {
	key := *must(kmsc.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("go coverage")})).KeyMetadata.KeyId
	other := *must(kmsc.CreateKey(ctx, &kms.CreateKeyInput{})).KeyMetadata.KeyId
	must(kmsc.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/go-coverage"), TargetKeyId: aws.String(key)}))
	_, dupAlias := kmsc.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/go-coverage"), TargetKeyId: aws.String(key)})
	_, badMarker := kmsc.ListKeys(ctx, &kms.ListKeysInput{Marker: aws.String("not-a-marker")})
	blob := must(kmsc.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(key), Plaintext: []byte("x")})).CiphertextBlob
	_, wrongKey := kmsc.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, KeyId: aws.String(other)})
	_, badToken := kmsc.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: aws.String("not-a-token")})
	_, noStore := kmsc.DescribeCustomKeyStores(ctx, &kms.DescribeCustomKeyStoresInput{CustomKeyStoreId: aws.String("cks-1234567890abcdef0")})
	mac := *must(kmsc.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecHmac256, KeyUsage: kmstypes.KeyUsageTypeGenerateVerifyMac})).KeyMetadata.KeyId
	tag := must(kmsc.GenerateMac(ctx, &kms.GenerateMacInput{KeyId: aws.String(mac), Message: []byte("m"), MacAlgorithm: kmstypes.MacAlgorithmSpecHmacSha256})).Mac
	_, badMac := kmsc.VerifyMac(ctx, &kms.VerifyMacInput{KeyId: aws.String(mac), Message: []byte("m!"), Mac: tag, MacAlgorithm: kmstypes.MacAlgorithmSpecHmacSha256})
	emit("kms.typedErrors", map[string]any{
		"AlreadyExistsException":          typedAs[*kmstypes.AlreadyExistsException](dupAlias),
		"InvalidMarkerException":          typedAs[*kmstypes.InvalidMarkerException](badMarker),
		"IncorrectKeyException":           typedAs[*kmstypes.IncorrectKeyException](wrongKey),
		"InvalidGrantTokenException":      typedAs[*kmstypes.InvalidGrantTokenException](badToken),
		"CustomKeyStoreNotFoundException": typedAs[*kmstypes.CustomKeyStoreNotFoundException](noStore),
		"KMSInvalidMacException":          typedAs[*kmstypes.KMSInvalidMacException](badMac),
	})

	// Two grants and two tags read one per page; every alias (AWS managed ones included) two per page.
	for _, op := range []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt, kmstypes.GrantOperationDecrypt} {
		must(kmsc.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(key), GranteePrincipal: aws.String("arn:aws:iam::111122223333:role/go"), Operations: []kmstypes.GrantOperation{op}}))
	}
	must(kmsc.TagResource(ctx, &kms.TagResourceInput{KeyId: aws.String(key), Tags: []kmstypes.Tag{{TagKey: aws.String("a"), TagValue: aws.String("1")}, {TagKey: aws.String("b"), TagValue: aws.String("2")}}}))
	grants := kms.NewListGrantsPaginator(kmsc, &kms.ListGrantsInput{KeyId: aws.String(key), Limit: aws.Int32(1)})
	tags := kms.NewListResourceTagsPaginator(kmsc, &kms.ListResourceTagsInput{KeyId: aws.String(key), Limit: aws.Int32(1)})
	aliases := kms.NewListAliasesPaginator(kmsc, &kms.ListAliasesInput{Limit: aws.Int32(2)})
	aliasPages := 0
	seenAlias := false
	for aliases.HasMorePages() && aliasPages < 1000 {
		for _, a := range must(aliases.NextPage(ctx)).Aliases {
			seenAlias = seenAlias || *a.AliasName == "alias/go-coverage"
		}
		aliasPages++
	}
	emit("kms.paginators", map[string]any{
		"grants":       pages(grants.HasMorePages, func() error { _, err := grants.NextPage(ctx); return err }),
		"tags":         pages(tags.HasMorePages, func() error { _, err := tags.NextPage(ctx); return err }),
		"aliases_end":  aliasPages > 1 && aliasPages < 1000,
		"alias_listed": seenAlias,
	})

	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	must(iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("go-coverage"), AssumeRolePolicyDocument: aws.String(trust)}))
	must(iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("go-coverage")}))
	must(iamc.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("go-coverage")}))
	must(iamc.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("go-coverage"), RoleName: aws.String("go-coverage")}))
	wait := 10 * time.Second
	emit("iam.waiters", map[string]any{
		"role":             iam.NewRoleExistsWaiter(iamc).Wait(ctx, &iam.GetRoleInput{RoleName: aws.String("go-coverage")}, wait) == nil,
		"user":             iam.NewUserExistsWaiter(iamc).Wait(ctx, &iam.GetUserInput{UserName: aws.String("go-coverage")}, wait) == nil,
		"policy":           iam.NewPolicyExistsWaiter(iamc).Wait(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}, wait) == nil,
		"instance_profile": iam.NewInstanceProfileExistsWaiter(iamc).Wait(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("go-coverage")}, wait) == nil,
	})
	_, conflict := iamc.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("go-coverage")})
	_, exists := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("GO-COVERAGE")})
	_, malformed := iamc.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("go-coverage"), PolicyDocument: aws.String("{")})
	_, full := iamc.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("go-coverage"), RoleName: aws.String("go-coverage")})
	_, badKey := iamc.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("go-coverage"), SSHPublicKeyBody: aws.String("ssh-rsa AAAA")})
	emit("iam.typedErrors", map[string]any{
		"DeleteConflict":          typedAs[*iamtypes.DeleteConflictException](conflict),
		"EntityAlreadyExists":     typedAs[*iamtypes.EntityAlreadyExistsException](exists),
		"MalformedPolicyDocument": typedAs[*iamtypes.MalformedPolicyDocumentException](malformed),
		"LimitExceeded":           typedAs[*iamtypes.LimitExceededException](full),
		"InvalidPublicKey":        typedAs[*iamtypes.InvalidPublicKeyException](badKey),
	})
	policies := iam.NewListPoliciesPaginator(iamc, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws, MaxItems: aws.Int32(200)})
	policyArns := map[string]bool{}
	policyPages := 0
	for policies.HasMorePages() && policyPages < 1000 {
		for _, p := range must(policies.NextPage(ctx)).Policies {
			policyArns[*p.Arn] = true
		}
		policyPages++
	}
	details := iam.NewGetAccountAuthorizationDetailsPaginator(iamc, &iam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(1)})
	emit("iam.paginators", map[string]any{
		"policies_end":  policyPages > 1 && policyPages < 1000,
		"read_only":     policyArns["arn:aws:iam::aws:policy/ReadOnlyAccess"],
		"details_paged": pages(details.HasMorePages, func() error { _, err := details.NextPage(ctx); return err }) > 1,
	})

	root := *must(orgc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	must(orgc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("go-coverage")}))
	_, dupOU := orgc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("go-coverage")})
	_, noParent := orgc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String("ou-abcd-12345678"), Name: aws.String("x")})
	_, noAccount := orgc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("111111111111")})
	_, badNext := orgc.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: aws.String("not-a-token")})
	_, noPolicy := orgc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String("p-abcdefgh")})
	emit("organizations.typedErrors", map[string]any{
		"DuplicateOrganizationalUnitException": typedAs[*orgtypes.DuplicateOrganizationalUnitException](dupOU),
		"ParentNotFoundException":              typedAs[*orgtypes.ParentNotFoundException](noParent),
		"AccountNotFoundException":             typedAs[*orgtypes.AccountNotFoundException](noAccount),
		"InvalidInputException":                typedAs[*orgtypes.InvalidInputException](badNext),
		"PolicyNotFoundException":              typedAs[*orgtypes.PolicyNotFoundException](noPolicy),
	})
	children := organizations.NewListChildrenPaginator(orgc, &organizations.ListChildrenInput{ParentId: aws.String(root), ChildType: orgtypes.ChildTypeOrganizationalUnit, MaxResults: aws.Int32(1)})
	emit("organizations.paginators", map[string]any{
		"children": pages(children.HasMorePages, func() error { _, err := children.NextPage(ctx); return err }),
	})

	_, noTrail := trail.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String("go-coverage")})
	_, badToken = trail.LookupEvents(ctx, &cloudtrail.LookupEventsInput{NextToken: aws.String("not-a-token")})
	now := time.Now()
	_, badRange := trail.LookupEvents(ctx, &cloudtrail.LookupEventsInput{StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour))})
	_, twoKeys := trail.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateKey")},
		{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("admin")},
	}})
	_, tooMany := trail.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)})
	emit("cloudtrail.typedErrors", map[string]any{
		"TrailNotFoundException":           typedAs[*cttypes.TrailNotFoundException](noTrail),
		"InvalidNextTokenException":        typedAs[*cttypes.InvalidNextTokenException](badToken),
		"InvalidTimeRangeException":        typedAs[*cttypes.InvalidTimeRangeException](badRange),
		"InvalidLookupAttributesException": typedAs[*cttypes.InvalidLookupAttributesException](twoKeys),
		"InvalidMaxResultsException":       typedAs[*cttypes.InvalidMaxResultsException](tooMany),
	})
	// Every KMS call of this run, two a page: the paginator ends, with more than one page.
	events := cloudtrail.NewLookupEventsPaginator(trail, &cloudtrail.LookupEventsInput{
		MaxResults:       aws.Int32(2),
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventSource, AttributeValue: aws.String("kms.amazonaws.com")}},
	})
	n := pages(events.HasMorePages, func() error { _, err := events.NextPage(ctx); return err })
	emit("cloudtrail.paginators", map[string]any{"events_end": n > 1 && n < 1000})
}
