using CertStream.Ingestor;

return CertStreamServiceRunner.Run("certstream-ingestor", IngestorApp.ListenSetting, args, args => IngestorApp.Build(args));
