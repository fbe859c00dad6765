using CertStream.Ingestor;

return CertStreamServiceRunner.Run("certstream-ingestor", IngestorApp.ListenSetting, () => IngestorApp.Build(args));
