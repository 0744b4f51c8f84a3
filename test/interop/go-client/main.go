// Drives a Bulwark server with the AWS SDK for Go v2 (the SDK of Terraform's AWS provider and of
// most Go tools), then with the Go SDK v1 (v1.go), and prints one JSON object per step for
// go-sdk.interop.test.ts to check.
//
// The Go SDK has its own serialisers, error deserialisers and SigV4 signer: query (STS, IAM) and
// JSON 1.1 (KMS, Organizations, CloudTrail) requests built from its generated code, errors
// matched to typed exceptions by their code.
//
// env: BULWARK_ENDPOINT, BULWARK_CA_BUNDLE, BULWARK_ACCESS_KEY_ID, BULWARK_SECRET_ACCESS_KEY
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

var ctx = context.Background()

func emit(step string, data map[string]any) {
	data["step"] = step
	b, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
}

func must[T any](v T, err error) T {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return v
}

// apiError: the error's code and message as the SDK deserialised them, and whether it is the typed error `typed`.
func apiError(err error, typed bool) map[string]any {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return map[string]any{"code": nil}
	}
	return map[string]any{"code": ae.ErrorCode(), "message": ae.ErrorMessage(), "typed": typed}
}

func config(creds aws.CredentialsProvider) aws.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(must(os.ReadFile(os.Getenv("BULWARK_CA_BUNDLE"))))
	endpoint := os.Getenv("BULWARK_ENDPOINT")
	return aws.Config{
		Region:      "us-east-1",
		Credentials: creds,
		HTTPClient:  &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
		// Releases of this SDK from before BaseEndpoint take the endpoint from a resolver, which
		// must also name the signing Region.
		EndpointResolverWithOptions: aws.EndpointResolverWithOptionsFunc(func(service, region string, _ ...interface{}) (aws.Endpoint, error) {
			return aws.Endpoint{URL: endpoint, SigningRegion: region, HostnameImmutable: true}, nil
		}),
		RetryMaxAttempts: 1,
	}
}

func static(id, secret, token string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(id, secret, token)
}

func main() {
	admin := config(static(os.Getenv("BULWARK_ACCESS_KEY_ID"), os.Getenv("BULWARK_SECRET_ACCESS_KEY"), ""))
	stsc := sts.NewFromConfig(admin)
	iamc := iam.NewFromConfig(admin)
	kmsc := kms.NewFromConfig(admin)

	me := must(stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	account := *me.Account
	emit("sts.GetCallerIdentity", map[string]any{"account": account, "arn": *me.Arn})

	user := must(iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("go-user")})).User
	key := must(iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("go-user")})).AccessKey
	emit("iam.CreateUser", map[string]any{"arn": *user.Arn, "created": user.CreateDate.UTC().Year() > 2000, "key_status": string(key.Status)})
	_, err := iamc.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("go-nobody")})
	var noSuchEntity *iamtypes.NoSuchEntityException
	emit("iam.GetUser.missing", apiError(err, errors.As(err, &noSuchEntity)))
	// A policy document with characters a form body must encode (space, +, &, =, %, non-ASCII):
	// stored as sent and returned URL-encoded, as IAM returns policy documents. Characters past
	// U+00FF only as JSON escapes: IAM's pattern for documents refuses them raw.
	document := `{"Version":"2012-10-17","Statement":[{"Sid":"Tricky","Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"a+b c&d=e%20f/é\u4e2d"}}}]}`
	must(iamc.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("go-user"), PolicyName: aws.String("tricky"), PolicyDocument: aws.String(document)}))
	encoded := *must(iamc.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("go-user"), PolicyName: aws.String("tricky")})).PolicyDocument
	decoded := must(url.QueryUnescape(encoded))
	emit("iam.PutUserPolicy.roundtrip", map[string]any{"same": decoded == document, "encoded": encoded != document})
	_, err = iamc.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("go-user"), PolicyName: aws.String("wide"), PolicyDocument: aws.String(strings.Replace(document, `\u4e2d`, "\u4e2d", 1))})
	emit("iam.PutUserPolicy.outsideLatin1", apiError(err, err != nil))

	plain := kms.NewFromConfig(config(static(*key.AccessKeyId, *key.SecretAccessKey, "")))
	_, err = plain.ListKeys(ctx, &kms.ListKeysInput{})
	emit("kms.ListKeys.denied", apiError(err, err != nil))
	_, err = sts.NewFromConfig(config(static(*key.AccessKeyId, strings.Repeat("x", 40), ""))).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	emit("sts.GetCallerIdentity.badSecret", apiError(err, err != nil))

	meta := must(kmsc.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("go")})).KeyMetadata
	keyID := *meta.KeyId
	emit("kms.CreateKey", map[string]any{"state": string(meta.KeyState), "spec": string(meta.KeySpec), "arn": *meta.Arn})
	must(kmsc.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/go"), TargetKeyId: aws.String(keyID)}))
	encCtx := map[string]string{"purpose": "interop", "client": "go"}
	blob := must(kmsc.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/go"), Plaintext: []byte("secret from go"), EncryptionContext: encCtx})).CiphertextBlob
	out := must(kmsc.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: encCtx}))
	emit("kms.Decrypt", map[string]any{"plaintext": string(out.Plaintext), "key": *out.KeyId, "algorithm": string(out.EncryptionAlgorithm)})
	_, err = kmsc.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
	var invalidCiphertext *kmstypes.InvalidCiphertextException
	emit("kms.Decrypt.noContext", apiError(err, errors.As(err, &invalidCiphertext)))
	_, err = kmsc.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/go-nothing")})
	var notFound *kmstypes.NotFoundException
	emit("kms.DescribeKey.missingAlias", apiError(err, errors.As(err, &notFound)))
	dk := must(kmsc.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(keyID), KeySpec: kmstypes.DataKeySpecAes256}))
	back := must(kmsc.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob})).Plaintext
	emit("kms.GenerateDataKey", map[string]any{"length": len(dk.Plaintext), "roundtrip": string(back) == string(dk.Plaintext)})

	signer := *must(kmsc.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecEccNistP256, KeyUsage: kmstypes.KeyUsageTypeSignVerify})).KeyMetadata.KeyId
	sig := must(kmsc.Sign(ctx, &kms.SignInput{KeyId: aws.String(signer), Message: []byte("signed in go"), SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})).Signature
	ok := must(kmsc.Verify(ctx, &kms.VerifyInput{KeyId: aws.String(signer), Message: []byte("signed in go"), Signature: sig, SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})).SignatureValid
	_, err = kmsc.Verify(ctx, &kms.VerifyInput{KeyId: aws.String(signer), Message: []byte("signed in go!"), Signature: sig, SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
	var invalidSignature *kmstypes.KMSInvalidSignatureException
	emit("kms.Verify", map[string]any{"valid": ok, "changed": apiError(err, errors.As(err, &invalidSignature))})

	seen := map[string]int{}
	pages := kms.NewListKeysPaginator(kmsc, &kms.ListKeysInput{Limit: aws.Int32(1)})
	for pages.HasMorePages() {
		for _, k := range must(pages.NextPage(ctx)).Keys {
			seen[*k.KeyId]++
		}
	}
	unique := true
	for _, n := range seen {
		unique = unique && n == 1
	}
	emit("kms.ListKeys.paginated", map[string]any{"has_both": seen[keyID] == 1 && seen[signer] == 1, "unique": unique})

	del := must(kmsc.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(7)}))
	emit("kms.ScheduleKeyDeletion", map[string]any{"state": string(del.KeyState), "days": *del.PendingWindowInDays, "date": del.DeletionDate != nil})
	_, err = kmsc.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("x")})
	var invalidState *kmstypes.KMSInvalidStateException
	emit("kms.Encrypt.pendingDeletion", apiError(err, errors.As(err, &invalidState)))

	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`, account)
	role := must(iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("go-role"), AssumeRolePolicyDocument: aws.String(trust)})).Role
	must(iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("go-role"), PolicyName: aws.String("kms-read"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:DescribeKey","Resource":"*"}]}`)}))
	// Session tags (a query-protocol list of structures) decide a tag-conditioned permission.
	must(iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("go-role"), PolicyName: aws.String("tagged-sign"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Sign","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"interop"}}}]}`)}))
	signsAs := func(tags []ststypes.Tag) any {
		c := must(stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Arn, RoleSessionName: aws.String("go-tagged"), Tags: tags})).Credentials
		_, err := kms.NewFromConfig(config(static(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken))).Sign(ctx, &kms.SignInput{KeyId: aws.String(signer), Message: []byte("m"), SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
		return apiError(err, err != nil)["code"]
	}
	emit("sts.AssumeRole.tags", map[string]any{
		"matching": signsAs([]ststypes.Tag{{Key: aws.String("team"), Value: aws.String("interop")}, {Key: aws.String("cost"), Value: aws.String("a b+c")}}),
		"other":    signsAs([]ststypes.Tag{{Key: aws.String("team"), Value: aws.String("other")}}),
		"none":     signsAs(nil),
	})
	creds := must(stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Arn, RoleSessionName: aws.String("go-session"), DurationSeconds: aws.Int32(900)})).Credentials
	session := config(static(*creds.AccessKeyId, *creds.SecretAccessKey, *creds.SessionToken))
	asRole := must(sts.NewFromConfig(session).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	roleKms := kms.NewFromConfig(session)
	described := must(roleKms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(signer)})).KeyMetadata
	_, err = roleKms.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(signer), Plaintext: []byte("x")})
	emit("sts.AssumeRole", map[string]any{"arn": *asRole.Arn, "key_prefix": (*creds.AccessKeyId)[:4], "describe": *described.KeyId == signer, "encrypt": apiError(err, err != nil)["code"]})

	orgc := organizations.NewFromConfig(admin)
	_, err = orgc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	var notInUse *orgtypes.AWSOrganizationsNotInUseException
	emit("organizations.DescribeOrganization.none", apiError(err, errors.As(err, &notInUse)))
	org := must(orgc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})).Organization
	accounts := must(orgc.ListAccounts(ctx, &organizations.ListAccountsInput{})).Accounts
	emit("organizations.CreateOrganization", map[string]any{"id_prefix": (*org.Id)[:2], "master": *org.MasterAccountId, "accounts": len(accounts)})

	// Timestamps in a JSON request (StartTime, EndTime) as the SDK serialises them.
	trail := cloudtrail.NewFromConfig(admin)
	now := time.Now()
	events := must(trail.LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateKey")}},
		StartTime:        aws.Time(now.Add(-time.Hour)),
		EndTime:          aws.Time(now.Add(time.Hour)),
	})).Events
	past := must(trail.LookupEvents(ctx, &cloudtrail.LookupEventsInput{StartTime: aws.Time(now.Add(-3 * time.Hour)), EndTime: aws.Time(now.Add(-2 * time.Hour))})).Events
	emit("cloudtrail.LookupEvents.past", map[string]any{"count": len(past)})
	agents := 0
	for _, e := range events {
		var body map[string]any
		must(0, json.Unmarshal([]byte(*e.CloudTrailEvent), &body))
		if ua, _ := body["userAgent"].(string); strings.Contains(ua, "aws-sdk-go-v2/") {
			agents++
		}
	}
	emit("cloudtrail.LookupEvents", map[string]any{"count": len(events), "go_agents": agents, "first": *events[0].EventName})

	runCoverage(kmsc, iamc, orgc, trail)

	runV1()
}
