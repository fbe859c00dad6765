using System.Text;
using CertStream.Contracts;

namespace CertStream.Tests.Gateway.Support;

/// <summary>Serialized messages as the ingestors publish them, each one unique so a test can tell them apart.</summary>
public static class TestMessages
{
    private static int _counter;

    /// <summary>A message of the stream's shape; <paramref name="padding"/> extra bytes make it larger.</summary>
    public static byte[] Create(StreamKind kind, int padding = 0)
    {
        var id = Interlocked.Increment(ref _counter);
        var pad = new string('x', padding);
        var json = kind switch
        {
            StreamKind.Domains => $"{{\"message_type\":\"dns_entries\",\"data\":[\"n{id}.example.com\",\"www.n{id}.example.com\",\"{pad}\"]}}",
            StreamKind.Full => $"{{\"message_type\":\"certificate_update\",\"data\":{{\"update_type\":\"X509LogEntry\",\"leaf_cert\":{{\"subject\":{{\"CN\":\"n{id}.example.com\"}},\"all_domains\":[\"n{id}.example.com\"],\"as_der\":\"TUlJRHV6Q0NBMktn{pad}\"}},\"chain\":[],\"cert_index\":{id},\"seen\":1779302894.512,\"source\":{{\"name\":\"Test log\",\"url\":\"https://ct.example/\"}}}}}}",
            _ => $"{{\"message_type\":\"certificate_update\",\"data\":{{\"update_type\":\"X509LogEntry\",\"leaf_cert\":{{\"subject\":{{\"CN\":\"n{id}.example.com\",\"O\":\"Bücher & Co ✓\"}},\"all_domains\":[\"n{id}.example.com\"],\"extensions\":{{\"certificatePolicies\":\"Policy: 2.23.140.1.2.1\\n\"}},\"note\":\"{pad}\"}},\"cert_index\":{id},\"seen\":1779302894.512,\"source\":{{\"name\":\"Test log\",\"url\":\"https://ct.example/\"}}}}}}",
        };
        return Encoding.UTF8.GetBytes(json);
    }

    /// <summary>A certificate_update of exactly <paramref name="size"/> bytes (at least 64).</summary>
    public static byte[] OfSize(int size)
    {
        var id = Interlocked.Increment(ref _counter);
        var head = $"{{\"message_type\":\"certificate_update\",\"id\":{id},\"data\":\"";
        const string tail = "\"}";
        return Encoding.UTF8.GetBytes(head + new string('y', size - head.Length - tail.Length) + tail);
    }

    public static string Text(byte[] message) => Encoding.UTF8.GetString(message);
}
