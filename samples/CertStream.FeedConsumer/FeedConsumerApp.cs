using MassTransit;
using Microsoft.Extensions.Options;

namespace CertStream.FeedConsumer;

/// <summary>
/// The sample's host: MassTransit on RabbitMQ (<c>ConnectionStrings:rabbitmq</c>), one durable
/// receive endpoint with both consumers, retry, and MassTransit's error queue.
/// </summary>
public static class FeedConsumerApp
{
    public static IHost Build(string[] args, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(args);
        configure?.Invoke(builder);
        var connectionString = builder.Configuration.GetConnectionString("rabbitmq")
            ?? throw new InvalidOperationException("ConnectionStrings:rabbitmq (ConnectionStrings__rabbitmq) is required, e.g. amqp://guest:guest@localhost:5672/");
        builder.Services.Configure<FeedConsumerOptions>(builder.Configuration.GetSection(FeedConsumerOptions.Section));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<FeedStatistics>();
        builder.Services.AddSingleton<ICertificateObserver>(sp => sp.GetRequiredService<FeedStatistics>());
        builder.Services.AddHostedService<StatisticsReporter>();

        // Start only once the queue is declared and bound: from then on nothing published is missed.
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        builder.Services.AddMassTransit(x =>
        {
            x.AddConsumer<CertificateLoggedConsumer>();
            x.AddConsumer<LogHealthChangedConsumer>();
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(new Uri(connectionString));
                var o = context.GetRequiredService<IOptions<FeedConsumerOptions>>().Value;
                // A named (durable, not auto-deleted) queue: what is published while this consumer is
                // stopped waits for it. It is bound to the feed's exchanges when the endpoint starts.
                cfg.ReceiveEndpoint(o.QueueName, e =>
                {
                    e.PrefetchCount = o.PrefetchCount;
                    // A failed message is tried again three times; if it still fails, MassTransit moves
                    // it to "{QueueName}_error" with the exception in its headers (nothing is dropped).
                    e.UseMessageRetry(r => r.Intervals(100, 500, 1000));
                    e.ConfigureConsumer<CertificateLoggedConsumer>(context);
                    e.ConfigureConsumer<LogHealthChangedConsumer>(context);
                });
            });
        });

        return builder.Build();
    }
}
