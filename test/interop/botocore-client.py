"""Drives a Bulwark server with botocore, the Python SDK's core (boto3 and the AWS CLI are built
on it), and prints one JSON object per step for botocore.interop.test.ts to check.

botocore has its own serialisers, parsers and signer, independent of the JavaScript SDK the
other tests use: query (STS, IAM) and JSON 1.1 (KMS, CloudTrail, Organizations) requests built
from its own service models, errors read from the XML or JSON body, timestamps parsed as it
parses them (epoch numbers in JSON, ISO 8601 in XML).

usage: python3 botocore-client.py   (env: BULWARK_ENDPOINT, BULWARK_CA_BUNDLE,
       BULWARK_ACCESS_KEY_ID, BULWARK_SECRET_ACCESS_KEY)
"""
import datetime
import json
import os
import sys

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["BULWARK_ENDPOINT"]
CA = os.environ.get("BULWARK_CA_BUNDLE") or True
REGION = "us-east-1"
session = botocore.session.get_session()
CONFIG = Config(retries={"max_attempts": 1})


def client(service, access_key=None, secret_key=None, token=None):
    return session.create_client(
        service,
        region_name=REGION,
        endpoint_url=ENDPOINT,
        verify=CA,
        aws_access_key_id=access_key or os.environ["BULWARK_ACCESS_KEY_ID"],
        aws_secret_access_key=secret_key or os.environ["BULWARK_SECRET_ACCESS_KEY"],
        aws_session_token=token,
        config=CONFIG,
    )


def emit(step, **data):
    print(json.dumps({"step": step, **data}, default=str), flush=True)


def error_of(fn, *args, **kwargs):
    """The AWS error a call fails with: code, HTTP status, message."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return {
            "code": e.response["Error"].get("Code"),
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
            "message": e.response["Error"].get("Message"),
        }
    return {"code": None}


NOW = datetime.datetime.now(datetime.timezone.utc)


def days_from_now(v):
    """Whole days from now to a timestamp botocore parsed (None unless a zone-aware datetime)."""
    if not isinstance(v, datetime.datetime) or v.tzinfo is None:
        return None
    return round((v - NOW).total_seconds() / 86400)


sts = client("sts")
iam = client("iam")
kms = client("kms")
trail = client("cloudtrail")
orgs = client("organizations")

me = sts.get_caller_identity()
emit("sts.GetCallerIdentity", account=me["Account"], arn=me["Arn"])
account = me["Account"]

# IAM over the query protocol: a user, its key, a missing user's error (XML error body).
user = iam.create_user(UserName="botocore-user", Tags=[{"Key": "team", "Value": "interop"}])["User"]
key = iam.create_access_key(UserName="botocore-user")["AccessKey"]
emit(
    "iam.CreateUser",
    arn=user["Arn"],
    created_days=days_from_now(user["CreateDate"]),
    key_status=key["Status"],
    key_prefix=key["AccessKeyId"][:4],
)
emit("iam.GetUser.missing", **error_of(iam.get_user, UserName="botocore-nobody"))
# A policy document with characters a form body must encode (space, +, &, =, %, non-ASCII):
# stored as sent, returned URL-encoded by IAM and decoded by botocore.
document = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Tricky", "Effect": "Deny", "Action": "kms:*", "Resource": "*",
                   "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a+b c&d=e%20f/é中"}}}],
}
iam.put_user_policy(UserName="botocore-user", PolicyName="tricky", PolicyDocument=json.dumps(document))
stored = iam.get_user_policy(UserName="botocore-user", PolicyName="tricky")["PolicyDocument"]
stored = json.loads(stored) if isinstance(stored, str) else stored
emit("iam.PutUserPolicy.roundtrip", same=stored == document)

# The new user has no policy: KMS refuses it (JSON error body), STS still answers who it is.
plain = client("kms", key["AccessKeyId"], key["SecretAccessKey"])
emit("kms.ListKeys.denied", **error_of(plain.list_keys))
emit("sts.GetCallerIdentity.user", arn=client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()["Arn"])
emit("sts.GetCallerIdentity.badSecret", **error_of(client("sts", key["AccessKeyId"], "x" * 40).get_caller_identity))

# KMS over JSON 1.1.
meta = kms.create_key(Description="botocore", Tags=[{"TagKey": "team", "TagValue": "interop"}])["KeyMetadata"]
key_id = meta["KeyId"]
emit("kms.CreateKey", state=meta["KeyState"], spec=meta["KeySpec"], created_days=days_from_now(meta["CreationDate"]), arn=meta["Arn"])
kms.create_alias(AliasName="alias/botocore", TargetKeyId=key_id)
context = {"purpose": "interop", "client": "botocore"}
blob = kms.encrypt(KeyId="alias/botocore", Plaintext=b"secret from python", EncryptionContext=context)["CiphertextBlob"]
out = kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)
emit("kms.Decrypt", plaintext=out["Plaintext"].decode(), key=out["KeyId"], algorithm=out["EncryptionAlgorithm"])
emit("kms.Decrypt.noContext", **error_of(kms.decrypt, CiphertextBlob=blob))
emit("kms.Encrypt.tooLong", **error_of(kms.encrypt, KeyId=key_id, Plaintext=b"x" * 4097))
emit("kms.DescribeKey.missingAlias", **error_of(kms.describe_key, KeyId="alias/botocore-nothing"))
data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
again = kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"]
emit("kms.GenerateDataKey", length=len(data_key["Plaintext"]), roundtrip=again == data_key["Plaintext"])

signer = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
signature = kms.sign(KeyId=signer, Message=b"signed in python", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
valid = kms.verify(KeyId=signer, Message=b"signed in python", Signature=signature, SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"]
emit("kms.Verify", valid=valid, changed=error_of(kms.verify, KeyId=signer, Message=b"signed in python!", Signature=signature, SigningAlgorithm="ECDSA_SHA_256"))

listed = []
for page in kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 1}):
    listed.extend(k["KeyId"] for k in page["Keys"])
emit("kms.ListKeys.paginated", has_both=key_id in listed and signer in listed, unique=len(listed) == len(set(listed)))

deletion = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
emit("kms.ScheduleKeyDeletion", state=deletion["KeyState"], days=deletion["PendingWindowInDays"], deletion_days=days_from_now(deletion["DeletionDate"]))
emit("kms.Encrypt.pendingDeletion", **error_of(kms.encrypt, KeyId=key_id, Plaintext=b"x"))

# STS AssumeRole into a role the account trusts, then calls with the session's credentials.
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
role = iam.create_role(RoleName="botocore-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
iam.put_role_policy(RoleName="botocore-role", PolicyName="kms-read", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": "*"}]}))
# Session tags (a query-protocol list of structures) decide a tag-conditioned permission.
iam.put_role_policy(RoleName="botocore-role", PolicyName="tagged-sign", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "kms:Sign", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "interop"}}}]}))


def signs_as(tags):
    extra = {"Tags": tags} if tags else {}
    c = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="py-tagged", **extra)["Credentials"]
    tagged = client("kms", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    return error_of(tagged.sign, KeyId=signer, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")["code"]


emit("sts.AssumeRole.tags", matching=signs_as([{"Key": "team", "Value": "interop"}, {"Key": "cost", "Value": "a b+c"}]), other=signs_as([{"Key": "team", "Value": "other"}]), none=signs_as(None))
assumed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="py-session", DurationSeconds=900)
creds = assumed["Credentials"]
as_role = client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]).get_caller_identity()
role_kms = client("kms", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
emit(
    "sts.AssumeRole",
    arn=as_role["Arn"],
    key_prefix=creds["AccessKeyId"][:4],
    expires_days=days_from_now(creds["Expiration"]),
    describe=role_kms.describe_key(KeyId=signer)["KeyMetadata"]["KeyId"] == signer,
    encrypt=error_of(role_kms.encrypt, KeyId=signer, Plaintext=b"x")["code"],
)

# Organizations over JSON 1.1, then the audit trail of it all through CloudTrail.
emit("organizations.DescribeOrganization.none", **error_of(orgs.describe_organization))
org = orgs.create_organization(FeatureSet="ALL")["Organization"]
accounts = orgs.list_accounts()["Accounts"]
emit("organizations.CreateOrganization", id_prefix=org["Id"][:2], master=org["MasterAccountId"], accounts=[a["Id"] for a in accounts], joined_days=days_from_now(accounts[0]["JoinedTimestamp"]))

# Timestamps in a JSON request (StartTime, EndTime) as botocore serialises them.
hour = datetime.timedelta(hours=1)
events = trail.lookup_events(
    LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateKey"}], StartTime=NOW - hour, EndTime=NOW + hour, MaxResults=50
)["Events"]
emit("cloudtrail.LookupEvents.past", count=len(trail.lookup_events(StartTime=NOW - 3 * hour, EndTime=NOW - 2 * hour)["Events"]))
bodies = [json.loads(e["CloudTrailEvent"]) for e in events]
emit(
    "cloudtrail.LookupEvents",
    count=len(events),
    names=sorted({e["EventName"] for e in events}),
    times_days=sorted({days_from_now(e["EventTime"]) for e in events}),
    user_agents=sorted({"botocore/" in b.get("userAgent", "").lower() for b in bodies}),
    resources=sorted({r["ResourceName"] for e in events for r in e.get("Resources", [])} & {meta["Arn"]}),
)
sys.exit(0)
