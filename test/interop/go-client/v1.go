package main

// The same server through the AWS SDK for Go v1 (github.com/aws/aws-sdk-go), still the SDK of
// Vault's AWS auth method and of Kubernetes IAM authenticators: its own protocol code, awserr
// codes, and the presigned GetCallerIdentity those authenticators hand to a server to replay.

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	awsv1 "github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/awserr"
	credsv1 "github.com/aws/aws-sdk-go/aws/credentials"
	sessionv1 "github.com/aws/aws-sdk-go/aws/session"
	iamv1 "github.com/aws/aws-sdk-go/service/iam"
	kmsv1 "github.com/aws/aws-sdk-go/service/kms"
	stsv1 "github.com/aws/aws-sdk-go/service/sts"
)

func v1Error(err error) map[string]any {
	if ae, ok := err.(awserr.RequestFailure); ok {
		return map[string]any{"code": ae.Code(), "message": ae.Message(), "status": ae.StatusCode()}
	}
	return map[string]any{"code": nil}
}

func runV1() {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(must(os.ReadFile(os.Getenv("BULWARK_CA_BUNDLE"))))
	httpClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	sess := must(sessionv1.NewSession(&awsv1.Config{
		Region:      awsv1.String("us-east-1"),
		Endpoint:    awsv1.String(os.Getenv("BULWARK_ENDPOINT")),
		Credentials: credsv1.NewStaticCredentials(os.Getenv("BULWARK_ACCESS_KEY_ID"), os.Getenv("BULWARK_SECRET_ACCESS_KEY"), ""),
		HTTPClient:  httpClient,
		MaxRetries:  awsv1.Int(0),
	}))
	stsc := stsv1.New(sess)
	me := must(stsc.GetCallerIdentity(&stsv1.GetCallerIdentityInput{}))
	emit("v1.sts.GetCallerIdentity", map[string]any{"arn": *me.Arn})

	// What an IAM authenticator's client makes: a presigned GetCallerIdentity URL with a signed
	// extra header, which the server replays as a GET with that header.
	req, _ := stsc.GetCallerIdentityRequest(&stsv1.GetCallerIdentityInput{})
	req.HTTPRequest.Header.Set("x-k8s-aws-id", "interop-cluster")
	url := must(req.Presign(60 * time.Second))
	replay := func(header string) (int, string) {
		get := must(http.NewRequest(http.MethodGet, url, nil))
		if header != "" {
			get.Header.Set("x-k8s-aws-id", header)
		}
		res := must(httpClient.Do(get))
		defer res.Body.Close()
		return res.StatusCode, string(must(io.ReadAll(res.Body)))
	}
	status, body := replay("interop-cluster")
	otherStatus, otherBody := replay("another-cluster")
	emit("v1.sts.PresignedGetCallerIdentity", map[string]any{
		"signed_header": strings.Contains(url, "x-k8s-aws-id"),
		"status":        status,
		"names_caller":  strings.Contains(body, "<Arn>"+*me.Arn+"</Arn>"),
		"other_status":  otherStatus,
		"other_code":    strings.Contains(otherBody, "<Code>SignatureDoesNotMatch</Code>"),
	})

	kmsc := kmsv1.New(sess)
	keyID := *must(kmsc.CreateKey(&kmsv1.CreateKeyInput{Description: awsv1.String("go v1")})).KeyMetadata.KeyId
	encCtx := map[string]*string{"client": awsv1.String("go-v1")}
	blob := must(kmsc.Encrypt(&kmsv1.EncryptInput{KeyId: awsv1.String(keyID), Plaintext: []byte("secret from go v1"), EncryptionContext: encCtx})).CiphertextBlob
	plain := must(kmsc.Decrypt(&kmsv1.DecryptInput{CiphertextBlob: blob, EncryptionContext: encCtx})).Plaintext
	_, err := kmsc.Decrypt(&kmsv1.DecryptInput{CiphertextBlob: blob})
	emit("v1.kms.Decrypt", map[string]any{"plaintext": string(plain), "noContext": v1Error(err)})

	_, err = iamv1.New(sess).GetUser(&iamv1.GetUserInput{UserName: awsv1.String("go-v1-nobody")})
	emit("v1.iam.GetUser.missing", v1Error(err))
}
