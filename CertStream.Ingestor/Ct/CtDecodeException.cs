namespace CertStream.Ingestor.Ct;

/// <summary>An entry, tile or response that does not decode. The caller counts it, logs it once and skips it.</summary>
public sealed class CtDecodeException(string message, Exception? inner = null) : Exception(message, inner);
