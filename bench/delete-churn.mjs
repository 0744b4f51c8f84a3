// Writes beside the load of bench/delete-churn.sh: every <period-ms>, one create-then-delete pair
// through the official SDKs, until <seconds> have passed; prints how many pairs it made.
//   grant      CreateGrant + RevokeGrant on the account's first KMS key
//   alias      CreateAlias + DeleteAlias
//   accesskey  IAM CreateAccessKey + DeleteAccessKey (user "churn", created on first use)
//   put        two UpdateKeyDescription calls (writes, no delete)
// usage: NODE_TLS_REJECT_UNAUTHORIZED=0 node bench/delete-churn.mjs <url> <period-ms> <mode> <seconds>
import { CreateAliasCommand, CreateGrantCommand, DeleteAliasCommand, KMSClient, ListKeysCommand, RevokeGrantCommand, UpdateKeyDescriptionCommand } from "@aws-sdk/client-kms";
import { CreateAccessKeyCommand, CreateUserCommand, DeleteAccessKeyCommand, IAMClient } from "@aws-sdk/client-iam";

const [url, period, mode, seconds] = process.argv.slice(2);
if (!url || !period || !["grant", "alias", "accesskey", "put"].includes(mode) || !seconds) throw new Error("usage: delete-churn.mjs <url> <period-ms> grant|alias|accesskey|put <seconds>");
const region = "us-east-1";
const kms = new KMSClient({ endpoint: url, region });
const iam = new IAMClient({ endpoint: url, region });
const key = (await kms.send(new ListKeysCommand({}))).Keys[0];
const account = key.KeyArn.split(":")[4];
if (mode === "accesskey") await iam.send(new CreateUserCommand({ UserName: "churn" })).catch((e) => { if (e.name !== "EntityAlreadyExistsException") throw e; });

const pairs = {
  grant: async () => {
    const g = await kms.send(new CreateGrantCommand({ KeyId: key.KeyId, GranteePrincipal: `arn:aws:iam::${account}:root`, Operations: ["Decrypt"] }));
    await kms.send(new RevokeGrantCommand({ KeyId: key.KeyId, GrantId: g.GrantId }));
  },
  alias: async (n) => {
    await kms.send(new CreateAliasCommand({ AliasName: `alias/churn-${n}`, TargetKeyId: key.KeyId }));
    await kms.send(new DeleteAliasCommand({ AliasName: `alias/churn-${n}` }));
  },
  accesskey: async () => {
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: "churn" }));
    await iam.send(new DeleteAccessKeyCommand({ UserName: "churn", AccessKeyId: k.AccessKey.AccessKeyId }));
  },
  put: async (n) => {
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: key.KeyId, Description: `a${n}` }));
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: key.KeyId, Description: `b${n}` }));
  },
};
const stopAt = Date.now() + Number(seconds) * 1000;
let n = 0;
while (Date.now() < stopAt) {
  await pairs[mode](n++);
  await new Promise((r) => setTimeout(r, Number(period)));
}
process.stdout.write(`${n}\n`);
