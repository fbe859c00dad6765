using CertStream.AppHost;
using CertStream.AppHost.Redis;

var builder = DistributedApplication.CreateBuilder(args);

var redis = builder.AddCertStreamRedis("redis");
var settings = CertStreamSettings.Read(builder);
builder.AddIngestors(redis, settings);
var gateways = builder.AddGateways(redis, settings);
builder.AddProxy(gateways, settings);

builder.Build().Run();
