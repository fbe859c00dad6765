namespace CertStream.ServiceDefaults.Configuration;

/// <summary>
/// A setting that stops the start: the message is one line that begins with the key (and its
/// variable), e.g. <c>protocols:tcp_port (CERTSTREAM_TCP_PORT): …</c>. The service runner prints
/// it as it is and exits with code 1 (see <see cref="Microsoft.Extensions.Hosting.CertStreamServiceRunner"/>).
/// </summary>
public sealed class InvalidSettingException : Exception
{
    public InvalidSettingException(string message)
        : base(message)
    {
    }

    public InvalidSettingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
