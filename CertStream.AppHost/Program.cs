using CertStream.AppHost;
using CertStream.AppHost.RabbitMq;
using CertStream.AppHost.Redis;

var builder = DistributedApplication.CreateBuilder(args);

var redis = builder.AddCertStreamRedis("redis");
var settings = CertStreamSettings.Read(builder);
var ingestors = builder.AddIngestors(redis, settings);
var gateways = builder.AddGateways(redis, settings);
builder.AddProxy(gateways, settings);

// The durable feed (off unless CERTSTREAM_FEED_ENABLED=true): the ingestors publish to RabbitMQ. They
// do not wait for it: the live streams never depend on the feed.
if (builder.AddCertStreamRabbitMq("rabbitmq") is { } rabbitmq)
{
    foreach (var ingestor in ingestors)
    {
        ingestor.WithReference(rabbitmq);
    }
}

builder.Build().Run();
