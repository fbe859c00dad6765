using System.Text;
using CertStream.Contracts.Envelope;

namespace CertStream.Tests.Gateway.Support;

/// <summary>Payloads as a current ingestor publishes them: envelope header + JSON.</summary>
public static class TestEnvelopes
{
    public static byte[] Certificate(byte[] json, string[] domains, string issuer = "/O=Test CA/CN=Test CA 1", byte flags = 0)
    {
        var writer = new StreamEnvelopeWriter();
        foreach (var domain in domains)
        {
            writer.AddDomain(Encoding.UTF8.GetBytes(domain));
        }

        writer.SetIssuer(Encoding.UTF8.GetBytes(issuer));
        byte[] payload = [.. writer.Header, .. json];
        StreamEnvelope.SetFlags(payload, flags);
        return payload;
    }

    public static byte[] Event(byte kind, string json)
    {
        var header = new byte[StreamEnvelope.FixedLength];
        StreamEnvelopeWriter.WriteFixed(header, kind);
        return [.. header, .. Encoding.UTF8.GetBytes(json)];
    }
}
