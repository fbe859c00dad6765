using CertStream.FeedConsumer;

// ConnectionStrings__rabbitmq=amqp://guest:guest@localhost:5672/ FeedConsumer__DomainSuffix=.example.com dotnet run
FeedConsumerApp.Build(args).Run();
