using CertStream.AppHost;
using CertStream.AppHost.Redis;

var builder = DistributedApplication.CreateBuilder(args);

var redis = builder.AddCertStreamRedis("redis");
var settings = CertStreamSettings.Read(builder);
var ingestors = builder.AddIngestors(redis, settings);
var gateways = builder.AddGateways(redis, settings);
builder.AddProxy(gateways, settings);

_ = ingestors;
builder.Build().Run();
