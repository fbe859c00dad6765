CertStream.Ingestor.IngestorApp.Build(args).Run();
