// Creates a load balancer, a target group of the benchmark upstream and HTTP + HTTPS listeners
// through the official SDK, then waits until the target is healthy.
// usage: NODE_TLS_REJECT_UNAUTHORIZED=0 node bench/proxy-setup.mjs <endpoint> <upstream-port> <http-port> <https-port>
import {
  ElasticLoadBalancingV2Client,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  RegisterTargetsCommand,
  CreateListenerCommand,
  DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";

const [endpoint, upstreamPort, httpPort, httpsPort] = process.argv.slice(2);
const elb = new ElasticLoadBalancingV2Client({ endpoint, region: "us-east-1" });
const lb = await elb.send(new CreateLoadBalancerCommand({ Name: "bench" }));
const lbArn = lb.LoadBalancers[0].LoadBalancerArn;
const tg = await elb.send(
  new CreateTargetGroupCommand({ Name: "bench", Protocol: "HTTP", Port: Number(upstreamPort), TargetType: "ip", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthCheckPath: "/health" }),
);
const tgArn = tg.TargetGroups[0].TargetGroupArn;
await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: "127.0.0.1" }] }));
const forward = [{ Type: "forward", TargetGroupArn: tgArn }];
await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTP", Port: Number(httpPort), DefaultActions: forward }));
await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTPS", Port: Number(httpsPort), DefaultActions: forward }));
for (let i = 0; i < 100; i++) {
  const h = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
  if (h.TargetHealthDescriptions?.[0]?.TargetHealth?.State === "healthy") {
    process.stdout.write(`${lb.LoadBalancers[0].DNSName} healthy\n`);
    process.exit(0);
  }
  await new Promise((r) => setTimeout(r, 200));
}
throw new Error("target never became healthy");
