// Drives a Bulwark server with go-aws-auth (github.com/smartystreets/go-aws-auth; Debian:
// golang-github-smartystreets-go-aws-auth-dev), a SigV4 signer for net/http that is not AWS's,
// over HTTPS with Bulwark's CA, and prints one JSON object per step for
// third-party-signers.interop.test.ts to check: STS GetCallerIdentity and IAM CreateUser (query
// protocol, POST form), KMS CreateKey, Encrypt and Decrypt (JSON 1.1 with X-Amz-Target), and a
// request whose signature was changed after signing.
//
// env: BULWARK_ENDPOINT, BULWARK_CA_BUNDLE, BULWARK_ACCESS_KEY_ID, BULWARK_SECRET_ACCESS_KEY
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"

	awsauth "github.com/smartystreets/go-aws-auth"
)

const id = "go-aws-auth"

var (
	endpoint = must(url.Parse(os.Getenv("BULWARK_ENDPOINT")))
	client   *http.Client
	keys     = awsauth.Credentials{AccessKeyID: os.Getenv("BULWARK_ACCESS_KEY_ID"), SecretAccessKey: os.Getenv("BULWARK_SECRET_ACCESS_KEY")}
)

func must[T any](v T, err error) T {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return v
}

func emit(step string, data map[string]any) {
	data["step"] = step
	fmt.Println(string(must(json.Marshal(data))))
}

type response struct {
	status int
	body   string
}

func send(service string, headers map[string]string, body string, tampered bool) response {
	req := must(http.NewRequest("POST", endpoint.String()+"/", strings.NewReader(body)))
	for name, value := range headers {
		req.Header.Set(name, value)
	}
	// go-aws-auth has no option for the service: it reads it (and the Region) from the Host, as
	// in kms.us-east-1.amazonaws.com, and takes any other name for S3. The Host sent and signed
	// is "<service>.localhost:port", whose first label it takes for the service; the connection
	// (and the certificate's name) stay those of the endpoint's URL.
	req.Host = service + "." + endpoint.Host
	awsauth.Sign4(req, keys)
	if tampered {
		auth := req.Header.Get("Authorization")
		last := "0"
		if strings.HasSuffix(auth, "0") {
			last = "1"
		}
		req.Header.Set("Authorization", auth[:len(auth)-1]+last)
	}
	res := must(client.Do(req))
	defer res.Body.Close()
	return response{res.StatusCode, string(must(io.ReadAll(res.Body)))}
}

func query(service string, params url.Values, tampered bool) response {
	return send(service, map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, params.Encode(), tampered)
}

func kms(action string, input map[string]any, tampered bool) (response, map[string]any) {
	r := send("kms", map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService." + action}, string(must(json.Marshal(input))), tampered)
	var out map[string]any
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		fmt.Fprintln(os.Stderr, r.body)
		os.Exit(1)
	}
	return r, out
}

func tag(xml, name string) any {
	m := regexp.MustCompile("<" + name + ">([^<]*)</" + name + ">").FindStringSubmatch(xml)
	if m == nil {
		return nil
	}
	return m[1]
}

func xmlError(r response) map[string]any {
	return map[string]any{"status": r.status, "code": tag(r.body, "Code"), "message": tag(r.body, "Message")}
}

func jsonError(r response, body map[string]any) map[string]any {
	message, ok := body["message"]
	if !ok {
		message = body["Message"]
	}
	return map[string]any{"status": r.status, "code": body["__type"], "message": message}
}

func main() {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(must(os.ReadFile(os.Getenv("BULWARK_CA_BUNDLE"))))
	client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	me := query("sts", url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, false)
	emit("sts.GetCallerIdentity", map[string]any{"status": me.status, "account": tag(me.body, "Account"), "arn": tag(me.body, "Arn")})
	user := query("iam", url.Values{"Action": {"CreateUser"}, "Version": {"2010-05-08"}, "UserName": {"signer-" + id}}, false)
	emit("iam.CreateUser", map[string]any{"status": user.status, "arn": tag(user.body, "Arn")})

	created, out := kms("CreateKey", map[string]any{"Description": id}, false)
	meta := out["KeyMetadata"].(map[string]any)
	emit("kms.CreateKey", map[string]any{"status": created.status, "arn": meta["Arn"], "state": meta["KeyState"]})
	context := map[string]string{"client": id}
	_, encrypted := kms("Encrypt", map[string]any{"KeyId": meta["KeyId"], "Plaintext": base64.StdEncoding.EncodeToString([]byte("secret from " + id)), "EncryptionContext": context}, false)
	decrypted, plain := kms("Decrypt", map[string]any{"CiphertextBlob": encrypted["CiphertextBlob"], "EncryptionContext": context}, false)
	emit("kms.Decrypt", map[string]any{"status": decrypted.status, "plaintext": string(must(base64.StdEncoding.DecodeString(plain["Plaintext"].(string)))), "key": plain["KeyId"]})

	emit("kms.Encrypt.tampered", jsonError(kms("Encrypt", map[string]any{"KeyId": meta["KeyId"], "Plaintext": "eA=="}, true)))
	emit("sts.GetCallerIdentity.tampered", xmlError(query("sts", url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, true)))
}
