"""Drives a Bulwark server with aws-requests-auth (Debian: python3-aws-requests-auth), a SigV4
signer for requests that is not AWS's, over HTTPS with Bulwark's CA, and prints one JSON object
per step for third-party-signers.interop.test.ts to check: STS GetCallerIdentity and IAM
CreateUser (query protocol, POST form), KMS CreateKey, Encrypt and Decrypt (JSON 1.1 with
X-Amz-Target), and a request whose signature was changed after signing.

usage: /usr/bin/python3 python-aws-requests-auth.py   (env: BULWARK_ENDPOINT, BULWARK_CA_BUNDLE,
       BULWARK_ACCESS_KEY_ID, BULWARK_SECRET_ACCESS_KEY)
"""
import base64
import json
import os
import re
from urllib.parse import urlparse

import requests
from aws_requests_auth.aws_auth import AWSRequestsAuth

ENDPOINT = os.environ["BULWARK_ENDPOINT"]
CA = os.environ["BULWARK_CA_BUNDLE"]
ID = "python-aws-requests-auth"


class TamperedAuth(AWSRequestsAuth):
    """Signs as AWSRequestsAuth does, then changes the signature's last hex digit."""

    def __call__(self, r):
        r = super().__call__(r)
        auth = r.headers["Authorization"]
        r.headers["Authorization"] = auth[:-1] + ("1" if auth[-1] == "0" else "0")
        return r


def emit(step, data):
    print(json.dumps({"step": step, **data}), flush=True)


def send(service, headers, body, tampered=False):
    auth = (TamperedAuth if tampered else AWSRequestsAuth)(
        aws_access_key=os.environ["BULWARK_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["BULWARK_SECRET_ACCESS_KEY"],
        # The Host header as requests sends it: with the port, which is not the scheme's default.
        aws_host=urlparse(ENDPOINT).netloc,
        aws_region="us-east-1",
        aws_service=service,
    )
    return requests.post(ENDPOINT + "/", data=body, headers=headers, auth=auth, verify=CA)


def query(service, params, tampered=False):
    return send(service, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, params, tampered)


def kms(action, payload, tampered=False):
    return send("kms", {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService." + action}, json.dumps(payload), tampered)


def tag(xml, name):
    m = re.search("<%s>([^<]*)</%s>" % (name, name), xml)
    return m.group(1) if m else None


def xml_error(r):
    return {"status": r.status_code, "code": tag(r.text, "Code"), "message": tag(r.text, "Message")}


def json_error(r):
    body = r.json()
    return {"status": r.status_code, "code": body.get("__type"), "message": body.get("message", body.get("Message"))}


me = query("sts", {"Action": "GetCallerIdentity", "Version": "2011-06-15"})
emit("sts.GetCallerIdentity", {"status": me.status_code, "account": tag(me.text, "Account"), "arn": tag(me.text, "Arn")})
user = query("iam", {"Action": "CreateUser", "Version": "2010-05-08", "UserName": "signer-" + ID})
emit("iam.CreateUser", {"status": user.status_code, "arn": tag(user.text, "Arn")})

created = kms("CreateKey", {"Description": ID})
meta = created.json()["KeyMetadata"]
emit("kms.CreateKey", {"status": created.status_code, "arn": meta["Arn"], "state": meta["KeyState"]})
context = {"client": ID}
blob = kms("Encrypt", {"KeyId": meta["KeyId"], "Plaintext": base64.b64encode(("secret from " + ID).encode()).decode(), "EncryptionContext": context}).json()["CiphertextBlob"]
decrypted = kms("Decrypt", {"CiphertextBlob": blob, "EncryptionContext": context})
emit("kms.Decrypt", {"status": decrypted.status_code, "plaintext": base64.b64decode(decrypted.json()["Plaintext"]).decode(), "key": decrypted.json()["KeyId"]})

emit("kms.Encrypt.tampered", json_error(kms("Encrypt", {"KeyId": meta["KeyId"], "Plaintext": "eA=="}, tampered=True)))
emit("sts.GetCallerIdentity.tampered", xml_error(query("sts", {"Action": "GetCallerIdentity", "Version": "2011-06-15"}, tampered=True)))
