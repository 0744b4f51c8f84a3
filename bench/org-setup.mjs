// Creates the organization (idempotently) so DescribeOrganization answers 200 in the benchmark.
import { OrganizationsClient, CreateOrganizationCommand } from "@aws-sdk/client-organizations";
const client = new OrganizationsClient({ endpoint: process.argv[2], region: "us-east-1" });
try {
  await client.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
} catch (e) {
  if (e.name !== "AlreadyInOrganizationException") throw e;
}
